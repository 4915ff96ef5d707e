/*
 * cpu/internal.h: the CPU's private state and the helpers its files share
 * (register access, lazy flags, segment and memory access, exceptions).
 * Nothing outside cpu/ includes this; the public interface is cpu/cpu.h.
 */
#ifndef LS_CPU_INTERNAL_H
#define LS_CPU_INTERNAL_H

#include <setjmp.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/decode.h"

/* EFLAGS bits (SDM Vol. 1 §3.4.3). */
#define FL_CF   0x00000001u
#define FL_PF   0x00000004u
#define FL_AF   0x00000010u
#define FL_ZF   0x00000040u
#define FL_SF   0x00000080u
#define FL_TF   0x00000100u
#define FL_IF   0x00000200u
#define FL_DF   0x00000400u
#define FL_OF   0x00000800u
#define FL_IOPL 0x00003000u
#define FL_NT   0x00004000u
#define FL_RF   0x00010000u
#define FL_VM   0x00020000u
#define FL_AC   0x00040000u
#define FL_VIF  0x00080000u
#define FL_VIP  0x00100000u
#define FL_ID   0x00200000u
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* Control register bits (SDM Vol. 3 §2.5). */
#define CR0_PE 0x00000001u
#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_TS 0x00000008u
#define CR0_ET 0x00000010u
#define CR0_NE 0x00000020u
#define CR0_WP 0x00010000u
#define CR0_AM 0x00040000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u
#define CR4_VME 0x001u
#define CR4_PVI 0x002u
#define CR4_TSD 0x004u
#define CR4_DE  0x008u
#define CR4_PSE 0x010u
#define CR4_PGE 0x080u
#define CR4_PCE 0x100u

/* Exception vectors (SDM Vol. 3 §6.3). */
enum {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
	EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
	EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18,
};
#define EXC_NO_ERROR (-1)

/* Segment register indices match the encoding in ModRM.reg (ES CS SS DS FS GS). */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_NONE = 7 };

/* Descriptor attribute bits as kept in struct cpu_segment.attr. */
#define ATTR_TYPE 0x000fu
#define ATTR_S    0x0010u
#define ATTR_DPL  0x0060u
#define ATTR_P    0x0080u
#define ATTR_AVL  0x1000u
#define ATTR_DB   0x4000u
#define ATTR_G    0x8000u

/* A segment register: the public cache plus what accesses check, derived
 * from it by seg_update_checks() (valid offset range, rights). */
struct seg {
	uint16_t sel;
	uint16_t attr;
	uint32_t base;
	uint32_t limit;
	uint32_t lo, hi;       /* valid offsets are lo..hi inclusive */
	uint8_t rights;        /* SEGR_READ | SEGR_WRITE in the current mode */
	/* By right - 1: hi - lo with the right, else -1 (seg_lin()'s single
	 * compare covers rights, both ends and the size). */
	int64_t span[2];
};
#define SEGR_READ  1
#define SEGR_WRITE 2

/* Lazy flags: the last flag-setting operation; arithmetic flags in eflags
 * are stale while op != LF_NONE. */
enum lf_op {
	LF_NONE, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC,
};
struct lazy_flags {
	uint32_t res, s1, s2;
	uint8_t op;
	uint8_t size;          /* 1, 2 or 4 */
	uint8_t cin;           /* carry in (ADC/SBB), old CF (INC/DEC) */
};

/* Software TLB (one entry per 4 KiB linear page). */
#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_USER_R 1
#define TLB_USER_W 2
#define TLB_SUP_W  4
struct tlb_entry {
	/* The inline fast paths (mem_rd/mem_wr), per CPL: the linear page when
	 * a read (write) at that CPL may use host_r (host_w) directly, else 1. */
	uint32_t rtag[4], wtag[4];
	uint8_t *host_r;       /* host page for reads, or NULL */
	uint8_t *host_w;       /* host page for writes, or NULL */
	uint32_t tag;          /* linear page | 1 when invalid */
	uint32_t phys;         /* physical page (A20 applied) */
	uint8_t perm;          /* TLB_* */
};

/* Access kinds for translation. */
enum acc { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };

struct block_cache;
struct block;

struct cpu {
	/* EAX..EDI, then r[EA_NONE] = 0 always (insn_ea() adds it for an
	 * absent base or index instead of testing). */
	uint32_t r[9];
	uint32_t eip;
	uint32_t eip_next;     /* set by the loop before a handler runs */
	uint32_t eflags;       /* arithmetic bits stale while lf.op != LF_NONE */
	struct lazy_flags lf;
	struct seg seg[6];
	struct seg ldtr, tr;
	uint32_t gdt_base, gdt_limit, idt_base, idt_limit;
	uint32_t cr0, cr2, cr3, cr4;
	uint32_t dr[8];
	uint8_t cpl;
	/* The run loop tests all of these at once through ev: any nonzero
	 * byte sends an instruction boundary down the slow path. */
	union {
		uint64_t ev;
		struct {
			uint8_t intr;          /* INTR line level */
			uint8_t nmi_pending, smi_pending;
			uint8_t stop_request;
			uint8_t halted;
			uint8_t inhibit;       /* interrupt shadow for the next instruction */
			uint8_t skip_retire;   /* an interrupted REP retired its iterations itself */
			uint8_t brk;           /* leave the current block (see cpu_fetch_reset) */
		};
	};
	uint8_t nmi_blocked, in_smm;
	uint8_t a20;
	uint32_t smbase;
	uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t tsc_offset;   /* TSC = cycles + tsc_offset */
	uint64_t apic_base;

	uint64_t icount, cycles;
	uint64_t icount_limit, cycle_limit;
	int8_t delivering;     /* vector being delivered, -1 when none */
	uint8_t shutdown;
	int fault_vec, fault_err;
	jmp_buf jb;

	struct mem *mem;
	struct cpu_bus bus;
	struct cpu_model model;
	struct cpu_hooks hooks;
	struct decoder dec;
	struct tlb_entry tlb[TLB_SIZE];
	uint32_t fetch_page;   /* linear page of the last fetch (1: none) */
	uint32_t fetch_phys;   /* its physical page */
	uint8_t fetch_user;    /* translated for a CPL-3 fetch */
	const uint8_t *fetch_host; /* its host page (NULL: not plain memory) */
	/* Block links (cpu/exec.c) are valid while epoch is unchanged:
	 * cpu_fetch_reset() moves it whenever CS, CPL, paging or the decoded
	 * code change. */
	uint32_t epoch;
	uint16_t blk_cs;       /* CS selector when the running block started */
	/* Where the run loop goes on inside a block after a run limit or a
	 * retire hook stopped it: valid while resume_key (cpu/exec.c
	 * link_key(): epoch and EIP) matches. */
	uint64_t resume_key;
	struct block *resume_b;
	const struct insn *resume_i;
	uint64_t mem_gen;
	uint64_t host_gen;     /* mem_host_generation() the TLB's host pointers are of */
	uint32_t a20_mask;
	struct block_cache *bc;
	int logged_unimpl;
};

/* The bytes of cpu.ev checked after an instruction (halted, inhibit,
 * skip_retire, brk). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define EV_AFTER_MASK 0xffffffff00000000ull
#else
#define EV_AFTER_MASK 0x00000000ffffffffull
#endif

/* ---- registers ---- */
static inline uint8_t reg8(const struct cpu *c, int n)
{
	return (uint8_t)(c->r[n & 3] >> ((n & 4) << 1));
}
static inline void set_reg8(struct cpu *c, int n, uint8_t v)
{
	int sh = (n & 4) << 1;
	c->r[n & 3] = (c->r[n & 3] & ~(0xffu << sh)) | ((uint32_t)v << sh);
}
static inline uint16_t reg16(const struct cpu *c, int n) { return (uint16_t)c->r[n]; }
static inline void set_reg16(struct cpu *c, int n, uint16_t v)
{
	c->r[n] = (c->r[n] & 0xffff0000u) | v;
}
static inline uint32_t reg_get(const struct cpu *c, int n, int size)
{
	return size == 1 ? reg8(c, n) : size == 2 ? reg16(c, n) : c->r[n];
}
static inline void reg_set(struct cpu *c, int n, int size, uint32_t v)
{
	if (size == 1)
		set_reg8(c, n, (uint8_t)v);
	else if (size == 2)
		set_reg16(c, n, (uint16_t)v);
	else
		c->r[n] = v;
}
static inline uint32_t size_mask(int size)
{
	return size == 1 ? 0xffu : size == 2 ? 0xffffu : 0xffffffffu;
}
static inline uint32_t size_sign(int size)
{
	return size == 1 ? 0x80u : size == 2 ? 0x8000u : 0x80000000u;
}

/* ---- modes ---- */
static inline int cpu_pmode(const struct cpu *c) { return c->cr0 & CR0_PE; }
static inline int cpu_v86(const struct cpu *c) { return (c->eflags & FL_VM) != 0; }
/* Protected mode and not V86: descriptor semantics apply. */
static inline int cpu_prot(const struct cpu *c) { return cpu_pmode(c) && !cpu_v86(c); }
static inline int cpu_iopl(const struct cpu *c) { return (c->eflags >> 12) & 3; }
/* The stack is 32-bit (SS.B). */
static inline int cpu_ss32(const struct cpu *c) { return (c->seg[SEG_SS].attr & ATTR_DB) != 0; }

/* ---- flags (cpu/flags.c) ---- */
uint32_t flags_get(struct cpu *c);                 /* full EFLAGS, materialised */
void flags_set(struct cpu *c, uint32_t v, uint32_t mask); /* write bits in mask */
/* Replace OSZAPC (inline: shifts, multiplies and BT set them eagerly). */
static inline void flags_set_arith(struct cpu *c, uint32_t arith)
{
	c->lf.op = LF_NONE;
	c->eflags = (c->eflags & ~FL_ARITH) | (arith & FL_ARITH);
}
int flags_cf_slow(const struct cpu *c);
/* CF (nonzero when set); the common lazy cases inline. */
static inline int flags_cf(const struct cpu *c)
{
	switch (c->lf.op) {
	case LF_NONE: return c->eflags & FL_CF;
	case LF_SUB: return c->lf.s1 < c->lf.s2;
	case LF_LOGIC: return 0;
	case LF_INC: case LF_DEC: return c->lf.cin;
	default: return flags_cf_slow(c);
	}
}
uint32_t flags_writable(const struct cpu *c, int size);
int flags_cond_slow(const struct cpu *c, int cc);
extern const uint8_t flags_parity[256];
static inline void lf_set(struct cpu *c, int op, int size, uint32_t res, uint32_t s1, uint32_t s2)
{
	c->lf.op = (uint8_t)op;
	c->lf.size = (uint8_t)size;
	c->lf.res = res;
	c->lf.s1 = s1;
	c->lf.s2 = s2;
}

/* A logic op's flags come from its result alone (CF = OF = 0, AF 0). */
static inline void lf_set_logic(struct cpu *c, int size, uint32_t res)
{
	c->lf.op = LF_LOGIC;
	c->lf.size = (uint8_t)size;
	c->lf.res = res;
}

/* Jcc condition tttn 0-15 (SDM Vol. 2 App. B.1.4.7; bit 0 negates). The
 * common cases inline: flags already in EFLAGS, the last operation a
 * SUB/CMP or a logic op, and ZF/SF after any lazy operation; the same
 * results as flags_cond_slow(). */
static inline __attribute__((always_inline)) int flags_cond(const struct cpu *c, int cc)
{
	const struct lazy_flags *l = &c->lf;
	uint32_t f = c->eflags, sign = size_sign(l->size);
	int r;
	switch (cc >> 1) {
	case 0:         /* O */
		if (l->op == LF_NONE)
			r = (f & FL_OF) != 0;
		else if (l->op == LF_SUB)
			r = ((l->s1 ^ l->s2) & (l->s1 ^ l->res) & sign) != 0;
		else if (l->op == LF_LOGIC)
			r = 0;
		else
			return flags_cond_slow(c, cc);
		break;
	case 1:         /* B */
		if (l->op == LF_NONE)
			r = (f & FL_CF) != 0;
		else if (l->op == LF_SUB)
			r = l->s1 < l->s2;
		else if (l->op == LF_LOGIC)
			r = 0;
		else
			return flags_cond_slow(c, cc);
		break;
	case 2:         /* Z */
		r = l->op == LF_NONE ? (f & FL_ZF) != 0 : l->res == 0;
		break;
	case 3:         /* BE */
		if (l->op == LF_NONE)
			r = (f & (FL_CF | FL_ZF)) != 0;
		else if (l->op == LF_SUB)
			r = l->s1 < l->s2 || l->res == 0;
		else if (l->op == LF_LOGIC)
			r = l->res == 0;
		else
			return flags_cond_slow(c, cc);
		break;
	case 4:         /* S */
		r = l->op == LF_NONE ? (f & FL_SF) != 0 : (l->res & sign) != 0;
		break;
	case 5:         /* P */
		r = l->op == LF_NONE ? (f & FL_PF) != 0 : flags_parity[l->res & 0xff];
		break;
	case 6:         /* L: SF != OF */
		if (l->op == LF_NONE)
			r = ((f & FL_SF) != 0) != ((f & FL_OF) != 0);
		else if (l->op == LF_SUB)
			r = ((l->res & sign) != 0) !=
			    (((l->s1 ^ l->s2) & (l->s1 ^ l->res) & sign) != 0);
		else if (l->op == LF_LOGIC)
			r = (l->res & sign) != 0;
		else
			return flags_cond_slow(c, cc);
		break;
	default:        /* LE: ZF or SF != OF */
		if (l->op == LF_NONE)
			r = (f & FL_ZF) || ((f & FL_SF) != 0) != ((f & FL_OF) != 0);
		else if (l->op == LF_SUB)
			r = l->res == 0 || ((l->res & sign) != 0) !=
			    (((l->s1 ^ l->s2) & (l->s1 ^ l->res) & sign) != 0);
		else if (l->op == LF_LOGIC)
			r = l->res == 0 || (l->res & sign) != 0;
		else
			return flags_cond_slow(c, cc);
		break;
	}
	return r ^ (cc & 1);
}

/* ---- exceptions (cpu/except.c) ---- */
/* Raise a fault or trap: never returns (longjmps to the run loop). error is
 * EXC_NO_ERROR for vectors without an error code. */
_Noreturn void cpu_raise(struct cpu *c, int vector, int error);
static inline _Noreturn void cpu_ud(struct cpu *c) { cpu_raise(c, EXC_UD, EXC_NO_ERROR); }
static inline _Noreturn void cpu_gp0(struct cpu *c) { cpu_raise(c, EXC_GP, 0); }
/* INT_SOFT: INT n (IOPL-sensitive in V86); INT_SOFT_TRAP: INT3/INTO;
 * INT_SOFT_ICEBP: INT1 (no gate DPL check). */
enum int_kind { INT_EXCEPTION, INT_SOFT, INT_SOFT_TRAP, INT_HARD, INT_NMI, INT_SOFT_ICEBP };
/* Deliver an interrupt or exception through the IVT/IDT (the current
 * instruction has been committed or abandoned by the caller). */
void cpu_deliver(struct cpu *c, int vector, int error, enum int_kind kind, uint32_t ret_eip);
/* Software INT n / INT3 / INTO from a handler: checks, then delivers. */
void cpu_soft_int(struct cpu *c, int vector, enum int_kind kind);
void cpu_log_unimpl(struct cpu *c, const char *what);

/* ---- segmentation (cpu/seg.c) ---- */
void seg_update_checks(struct cpu *c, struct seg *s, int idx);
void seg_update_all(struct cpu *c);
/* Load a segment register as MOV/POP do (protected-mode checks, faults). */
void seg_load(struct cpu *c, int idx, uint16_t sel);
/* Real-mode / V86 style load: base = sel << 4. */
void seg_load_real(struct cpu *c, int idx, uint16_t sel);
/* Fetch the 8-byte descriptor of sel from the GDT/LDT; raises #GP(sel) (or
 * vector `vec`) when outside the table. */
uint64_t seg_fetch_desc(struct cpu *c, uint16_t sel, int vec);
void seg_from_desc(struct seg *s, uint16_t sel, uint64_t d);
/* Set the accessed bit of a descriptor in memory. */
void seg_set_accessed(struct cpu *c, uint16_t sel, uint64_t *d);
void seg_set_cs(struct cpu *c, uint16_t sel, uint64_t desc, int cpl);
/* Hardware task switch (cpu/task.c) to the TSS sel (descriptor desc). Sets
 * c->eip and c->eip_next to the new task's EIP. */
enum task_kind { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
void task_switch(struct cpu *c, uint16_t sel, uint64_t desc, enum task_kind kind,
		 uint32_t ret_eip, int error);
/* Far control transfers (cpu/far.c). */
void far_jmp(struct cpu *c, uint16_t sel, uint32_t off, int osz32);
void far_call(struct cpu *c, uint16_t sel, uint32_t off, int osz32);
void far_ret(struct cpu *c, int osz32, uint16_t pop_extra);
void far_iret(struct cpu *c, int osz32);

/* ---- memory (cpu/mmu.c) ---- */
uint32_t mmu_translate(struct cpu *c, uint32_t lin, enum acc acc, int user);
uint32_t lin_read(struct cpu *c, uint32_t lin, int size, int user);
void lin_write(struct cpu *c, uint32_t lin, uint32_t v, int size, int user);
uint8_t lin_fetch8(struct cpu *c, uint32_t lin);
/* Check that a write of size bytes at lin will not page-fault (for
 * instructions that must commit nothing before their last fault). */
void lin_check_write(struct cpu *c, uint32_t lin, int size, int user);
void tlb_flush(struct cpu *c);
void tlb_flush_page(struct cpu *c, uint32_t lin);
void mmu_check_generation(struct cpu *c);
const uint8_t *mmu_code_page(struct cpu *c, uint32_t lin, uint32_t *phys);
void tlb_drop_write_ptrs(struct cpu *c, uint32_t phys_page);
/* Translate lin for acc (faults like an access would) and return the host
 * page holding it when that page is plain memory for acc (for writes: not
 * holding decoded code), else NULL. */
uint8_t *mmu_host_page(struct cpu *c, uint32_t lin, enum acc acc, int user);
/* Decoded-code cache (cpu/exec.c). */
void cpu_code_flush_all(struct cpu *c);
/* Drop every block link and make the running block stop after the current
 * instruction: called whenever CS or CPL change (seg_update_checks() on CS),
 * on TLB flushes and on code invalidation. */
void cpu_fetch_reset(struct cpu *c);
/* System accesses (descriptor tables, TSS, IDT): supervisor, no segment. */
static inline uint32_t sys_read(struct cpu *c, uint32_t lin, int size) { return lin_read(c, lin, size, 0); }
static inline void sys_write(struct cpu *c, uint32_t lin, uint32_t v, int size) { lin_write(c, lin, v, size, 0); }

_Noreturn void seg_fault(struct cpu *c, int idx);
/* Segment-relative accesses with limit and rights checks. */
static inline uint32_t seg_lin(struct cpu *c, int idx, uint32_t off, int size, int right)
{
	const struct seg *s = &c->seg[idx];
	/* off < lo wraps to above hi - lo; no right makes span -1. */
	if (__builtin_expect((int64_t)(uint32_t)(off - s->lo) + (size - 1) > s->span[right - 1], 0))
		seg_fault(c, idx);
	return s->base + off;
}
/* The TLB hit paths of lin_read()/lin_write() for accesses within a page
 * of plain memory, inline; anything else takes the call. */
static inline uint32_t mem_rd(struct cpu *c, int seg, uint32_t off, int size)
{
	uint32_t lin = seg_lin(c, seg, off, size, SEGR_READ);
	const struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
	uint32_t o = lin & 0xfffu;
	/* The last byte's page: a page-crossing access misses too. */
	if (__builtin_expect(e->rtag[c->cpl & 3] == ((lin + (unsigned)size - 1) & ~0xfffu), 1)) {
		const uint8_t *p = e->host_r + o;
		if (size == 1)
			return p[0];
		if (size == 2)
			return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
		return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
		       ((uint32_t)p[3] << 24);
	}
	return lin_read(c, lin, size, c->cpl == 3);
}
static inline void mem_wr(struct cpu *c, int seg, uint32_t off, uint32_t v, int size)
{
	uint32_t lin = seg_lin(c, seg, off, size, SEGR_WRITE);
	const struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
	uint32_t o = lin & 0xfffu;
	if (__builtin_expect(e->wtag[c->cpl & 3] == ((lin + (unsigned)size - 1) & ~0xfffu), 1)) {
		uint8_t *p = e->host_w + o;
		p[0] = (uint8_t)v;
		if (size >= 2)
			p[1] = (uint8_t)(v >> 8);
		if (size == 4) {
			p[2] = (uint8_t)(v >> 16);
			p[3] = (uint8_t)(v >> 24);
		}
		return;
	}
	lin_write(c, lin, v, size, c->cpl == 3);
}
/* Check a write would succeed (segment and page), without writing. */
static inline void mem_wr_check(struct cpu *c, int seg, uint32_t off, int size)
{
	lin_check_write(c, seg_lin(c, seg, off, size, SEGR_WRITE), size, c->cpl == 3);
}

/* ---- stack (cpu/stack.c) ---- */
void stack_push(struct cpu *c, uint32_t v, int size);
uint32_t stack_pop(struct cpu *c, int size);
/* Read at ESP+off without popping (commit-later sequences). */
uint32_t stack_peek(struct cpu *c, uint32_t off, int size);
static inline uint32_t stack_sp(const struct cpu *c)
{
	return cpu_ss32(c) ? c->r[CPU_ESP] : (c->r[CPU_ESP] & 0xffff);
}
static inline void stack_set_sp(struct cpu *c, uint32_t sp)
{
	if (cpu_ss32(c))
		c->r[CPU_ESP] = sp;
	else
		set_reg16(c, CPU_ESP, (uint16_t)sp);
}

/* ---- control flow helpers ---- */
/* A near branch's target: 16 bits wide without a 32-bit operand size (the
 * CS limit check is the caller's: #GP(0) beyond it, SDM Vol. 2, JMP). */
static inline uint32_t near_target(const struct insn *i, uint32_t target)
{
	return (i->flags & INSN_OSZ32) ? target : (target & 0xffff);
}
/* Port I/O permission (IOPL and the TSS bitmap, SDM Vol. 1 §18.5). */
void io_check(struct cpu *c, uint16_t port, int size);
uint32_t io_in(struct cpu *c, uint16_t port, int size);
void io_out(struct cpu *c, uint16_t port, uint32_t v, int size);

/* Control register writes with their side effects (cpu/system.c). */
void cpu_write_cr(struct cpu *c, int n, uint32_t v);
int cpu_interrupt_pending(const struct cpu *c);
void cpu_enter_smm(struct cpu *c);
void cpu_update_mode(struct cpu *c);

#endif
