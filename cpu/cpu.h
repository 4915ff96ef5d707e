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

#include <stddef.h>
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
	/* SMM entry (1) and RSM (0): the machine switches mem/ to the SMRAM
	 * view (mem_set_smm). May be NULL. */
	void (*smm_changed)(void *opaque, int in_smm);
};

/* The identity CPUID reports; EDX at reset equals `signature`. */
struct cpu_model {
	char vendor[13];          /* "GenuineIntel" */
	uint32_t signature;       /* family/model/stepping, CPUID.1:EAX */
	uint32_t features_edx;    /* CPUID.1:EDX, only what is emulated */
	uint32_t features_ecx;    /* CPUID.1:ECX */
};
/* CPUID.1:EDX bits the core can honour (SDM Vol. 2, CPUID, table 3-11). */
#define CPU_FEAT_FPU   (1u << 0)
#define CPU_FEAT_VME   (1u << 1)
#define CPU_FEAT_DE    (1u << 2)
#define CPU_FEAT_PSE   (1u << 3)
#define CPU_FEAT_TSC   (1u << 4)
#define CPU_FEAT_MSR   (1u << 5)
#define CPU_FEAT_CX8   (1u << 8)
#define CPU_FEAT_APIC  (1u << 9)
#define CPU_FEAT_SEP   (1u << 11)
#define CPU_FEAT_PGE   (1u << 13)
#define CPU_FEAT_CMOV  (1u << 15)

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

/* What an interrupt/exception delivery was caused by. */
enum cpu_int_kind {
	CPU_INT_EXCEPTION,   /* fault, trap or abort raised by the CPU */
	CPU_INT_SOFT,        /* INT n, INT3, INTO, INT1 */
	CPU_INT_HARD,        /* external interrupt (INTR, vector from the PIC) */
	CPU_INT_NMI,
	CPU_INT_SMI,         /* SMM entry (vector reported as -1) */
};

/* Observation hooks (replay, monitor). Each unset hook costs one branch.
 * Hooks must not change CPU state except through cpu_request_stop(). */
struct cpu_hooks {
	void *opaque;
	/* After every retired instruction (and every REP iteration); eip is the
	 * address of the instruction that retired. */
	void (*retire)(void *opaque, struct cpu *cpu, uint16_t cs, uint32_t eip);
	/* An interrupt or exception is being delivered: vector, kind, error code
	 * (-1 when none), the source CS:EIP (the return address the handler sees)
	 * and the target CS:EIP of the handler. */
	void (*interrupt)(void *opaque, struct cpu *cpu, int vector, enum cpu_int_kind kind,
			  int error, uint16_t cs, uint32_t eip, uint16_t new_cs, uint32_t new_eip);
	/* A control register write (CR0, CR3 or CR4), old and new value. */
	void (*cr_write)(void *opaque, struct cpu *cpu, int cr, uint32_t old, uint32_t value);
	/* A far JMP/CALL/RET/IRET completed: from and to CS:EIP. */
	void (*far_transfer)(void *opaque, struct cpu *cpu, uint16_t cs, uint32_t eip,
			     uint16_t new_cs, uint32_t new_eip);
	/* HLT retired. */
	void (*hlt)(void *opaque, struct cpu *cpu);
	/* SMM entered (enter = 1: cs:eip is where RSM will resume, smbase the
	 * SMBASE used) or left by RSM (enter = 0: cs:eip is where execution
	 * resumes, smbase the SMBASE in effect from now on, after relocation). */
	void (*smm)(void *opaque, struct cpu *cpu, int enter, uint32_t smbase, uint16_t cs,
		    uint32_t eip);
};

/* Install hooks (copied); NULL removes them all. */
void cpu_set_hooks(struct cpu *cpu, const struct cpu_hooks *hooks);

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
/* INIT (soft reset: 0xCF9 soft, port 0x92, 8042 0xFE, triple fault): like
 * cpu_reset but SMBASE survives (SDM Vol. 3 §9.1, table 9-1 note). */
void cpu_init(struct cpu *cpu);

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
/* Forget the TLB's host write pointers, keeping its translations: the next
 * write to each page asks mem/ again (mem_page_write_ptr marks the page
 * written, for incremental RAM hashing). Nothing the guest sees changes. */
void cpu_tlb_drop_write_ptrs(struct cpu *cpu);

/* Architectural state serialisation (hashes, snapshots), little-endian,
 * field by field in the order documented in docs/cpu.md, lazy flags
 * materialised; caches excluded. cpu_state_save writes CPU_STATE_SIZE
 * bytes and returns that size, or returns 0 if cap is too small.
 * cpu_state_load returns 0, or -1 if the buffer is not a saved state of
 * this version (the CPU is then unchanged). */
#define CPU_STATE_VERSION 1
#define CPU_STATE_SIZE 256
size_t cpu_state_save(struct cpu *cpu, uint8_t *buf, size_t cap);
int cpu_state_load(struct cpu *cpu, const uint8_t *buf, size_t len);

/* The TLB's translations (linear page, physical page, permissions; no host
 * pointers), for snapshots: not architectural state, yet a guest can see
 * them (accessed/dirty bits are set only on a walk, an entry stays valid
 * until INVLPG or a flush), so a restored machine must keep them to run on
 * as the original did. cpu_tlb_save writes cpu_tlb_state_size() bytes;
 * cpu_tlb_load (after cpu_state_load and the memory map) returns 0, or -1
 * for a malformed buffer, which leaves the TLB empty. */
size_t cpu_tlb_state_size(void);
void cpu_tlb_save(const struct cpu *cpu, uint8_t *buf);
int cpu_tlb_load(struct cpu *cpu, const uint8_t *buf, size_t len);

/* The CPU's identity: a default P6-class model without FPU or APIC. */
void cpu_model_default(struct cpu_model *model);

#endif
