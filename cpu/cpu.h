/*
 * cpu/: the x86 core (P6-class integer ISA; real, protected and V86 mode).
 *
 * Owns the architectural state, the pre-decoded instruction cache, the
 * software TLB and lazy flags. Reaches the world only through mem/ (memory
 * and port I/O) and the small struct cpu_bus below (interrupt acknowledge,
 * reset requests). Never includes a device header.
 *
 * Determinism: icount counts retired instructions (+1 per REP iteration; a
 * faulting instruction does not retire; HLT retires once; delivering an
 * interrupt retires nothing). cycles accumulate each instruction's fixed cost
 * from the decode tables; 1 cycle = 1 ns of virtual time (DESIGN.md §2).
 */
#ifndef LS_CPU_H
#define LS_CPU_H

#include <stdint.h>

struct mem;
struct cpu;

/* What the CPU asks of the machine. All callbacks get bus->opaque. */
struct cpu_bus {
	void *opaque;
	/* INTA cycle: the vector of the highest-priority pending external
	 * interrupt (the PIC's answer). Called only when INTR is asserted and
	 * the CPU accepts it. */
	int (*intr_ack)(void *opaque);
	/* Shutdown (triple fault): the machine decides what to reset. */
	void (*shutdown)(void *opaque);
};

/* The identity CPUID reports; EDX at reset equals `signature`. */
struct cpu_model {
	char vendor[13];          /* "GenuineIntel" */
	uint32_t signature;       /* family/model/stepping, CPUID.1:EAX */
	uint32_t features_edx;    /* CPUID.1:EDX, only what is emulated */
	uint32_t features_ecx;    /* CPUID.1:ECX */
};

/* General and special registers for cpu_get_reg/cpu_set_reg. */
enum cpu_reg {
	CPU_EAX, CPU_ECX, CPU_EDX, CPU_EBX, CPU_ESP, CPU_EBP, CPU_ESI, CPU_EDI,
	CPU_EIP, CPU_EFLAGS, CPU_CR0, CPU_CR2, CPU_CR3, CPU_CR4,
	CPU_DR0, CPU_DR1, CPU_DR2, CPU_DR3, CPU_DR6, CPU_DR7,
	CPU_NREGS
};

/* Segment registers and descriptor-table registers for cpu_get_seg/cpu_set_seg. */
enum cpu_seg {
	CPU_ES, CPU_CS, CPU_SS, CPU_DS, CPU_FS, CPU_GS, CPU_LDTR, CPU_TR,
	CPU_GDTR, CPU_IDTR, CPU_NSEGS
};

/* A segment register with its descriptor cache. attr holds descriptor bits
 * 40-47 (type, S, DPL, P) in bits 0-7 and bits 52-55 (AVL, L, D/B, G) in
 * bits 12-15, as in the descriptor itself. limit is the expanded byte limit. */
struct cpu_segment {
	uint16_t selector;
	uint16_t attr;
	uint32_t base;
	uint32_t limit;
};

/* Why cpu_run returned. */
enum cpu_stop {
	CPU_STOP_DEADLINE,   /* reached the icount or cycle limit */
	CPU_STOP_HLT,        /* halted; cpu_run resumes once an interrupt is pending */
	CPU_STOP_SHUTDOWN,   /* triple fault: bus->shutdown was called */
	CPU_STOP_REQUEST,    /* cpu_request_stop() was called (a hook, a device) */
};

/* Create a CPU on the memory map; returns NULL on allocation failure. */
struct cpu *cpu_new(struct mem *mem, const struct cpu_bus *bus, const struct cpu_model *model);
void cpu_free(struct cpu *cpu);

/* Power-on / INIT: the reset state (CS F000 base FFFF0000, IP FFF0,
 * EDX = signature, CR0 = 0x60000010), caches and TLB flushed. icount and
 * cycles are not reset (they are the machine's clock). */
void cpu_reset(struct cpu *cpu);

/* Run until icount >= icount_limit or cycles >= cycle_limit (checked at
 * instruction boundaries, so it stops exactly there), a HLT, a shutdown or a
 * stop request. */
enum cpu_stop cpu_run(struct cpu *cpu, uint64_t icount_limit, uint64_t cycle_limit);
/* Make a running cpu_run return at the next instruction boundary. */
void cpu_request_stop(struct cpu *cpu);
/* Lower the cycle limit of a running cpu_run (a device scheduled an earlier event). */
void cpu_set_cycle_limit(struct cpu *cpu, uint64_t cycle_limit);

uint64_t cpu_icount(const struct cpu *cpu);
/* Live cycle counter; devices read virtual time through the machine clock,
 * which points here. Kept exact at every port and MMIO access. */
const uint64_t *cpu_cycles_ptr(const struct cpu *cpu);
/* Advance virtual time without executing (HLT skipping to the next deadline). */
void cpu_add_cycles(struct cpu *cpu, uint64_t n);

/* Interrupt lines from the machine. */
void cpu_set_intr(struct cpu *cpu, int level);
void cpu_raise_nmi(struct cpu *cpu);
void cpu_raise_smi(struct cpu *cpu);
void cpu_set_a20(struct cpu *cpu, int enabled);
int cpu_halted(const struct cpu *cpu);

/* Register access for the monitor, loaders and tests. EFLAGS reads come
 * with lazy flags materialised. Setting a segment loads the cache as given
 * (no descriptor checks). */
uint32_t cpu_get_reg(struct cpu *cpu, enum cpu_reg r);
void cpu_set_reg(struct cpu *cpu, enum cpu_reg r, uint32_t value);
void cpu_get_seg(const struct cpu *cpu, enum cpu_seg s, struct cpu_segment *out);
void cpu_set_seg(struct cpu *cpu, enum cpu_seg s, const struct cpu_segment *seg);

/* Drop every decoded instruction and TLB entry (loaders, snapshots). */
void cpu_flush_caches(struct cpu *cpu);

#endif
