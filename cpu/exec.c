/*
 * cpu/exec.c: the CPU object, reset, and the run loop: instruction fetch
 * through the decoded-instruction cache (keyed by physical address and code
 * size, invalidated through mem/'s code-page tracking), retirement
 * (icount, cycles, hooks), interrupt acceptance at instruction boundaries
 * with the MOV SS/POP SS/STI shadow, and exception delivery.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/internal.h"
#include "cpu/ops.h"
#include "mem/mem.h"

/* Decoded instructions, direct-mapped by physical address: the 4096 bytes
 * of a page occupy a contiguous run of slots, so a page is invalidated by
 * scanning one run. */
#define IC_BITS 14
#define IC_SIZE (1u << IC_BITS)
struct ic_entry {
	uint64_t key;          /* ic_key() of the decode, 0 when empty */
	struct insn insn;
};
#define IC_INVALID 0xffffffffu   /* an instruction there is never cached */

#define PGEN_SIZE 1024
/* Which bytes of a physical page hold cached instructions, so a CPU write
 * to data sharing the page keeps the page's decoded code (per hashed slot;
 * a slot taken over by another page makes writes to the old one invalidate
 * conservatively). */
#define CMAP_SIZE 256
struct code_map {
	uint32_t page;         /* IC_INVALID when unused */
	uint8_t bits[4096 / 8];
};
struct block_cache {
	struct code_map cmap[CMAP_SIZE];
	/* Per physical page (hashed), starting at 1: bumping one drops a
	 * page's entries, bumping all drops every entry. */
	uint32_t pgen[PGEN_SIZE];
	struct ic_entry e[IC_SIZE];
};

static inline uint32_t *page_gen(struct cpu *c, uint32_t phys)
{
	return &c->bc->pgen[(phys >> 12) & (PGEN_SIZE - 1)];
}

/* An entry is valid when its key equals the key of the lookup: physical
 * address, code size and the page's generation (never 0: pgen >= 1). */
static inline uint64_t ic_key(struct cpu *c, uint32_t phys, int code32)
{
	return ((uint64_t)*page_gen(c, phys) << 33) | ((uint64_t)code32 << 32) | phys;
}

void cpu_fetch_reset(struct cpu *c)
{
	c->fc_lo = 1;
	c->fc_span = 0;
	c->fc_key = ~0ull;     /* no key: ic_key() of IC_INVALID is never stored */
	c->fc_ents = c->bc->e;
}

void cpu_code_flush_all(struct cpu *c)
{
	for (unsigned k = 0; k < PGEN_SIZE; k++) {
		if (++c->bc->pgen[k] >= (1u << 31)) {
			/* would wrap out of the key: really clear */
			for (unsigned j = 0; j < IC_SIZE; j++)
				c->bc->e[j].key = 0;
			for (unsigned j = 0; j < PGEN_SIZE; j++)
				c->bc->pgen[j] = 1;
			break;
		}
	}
	cpu_fetch_reset(c);
}

static struct code_map *code_map(struct cpu *c, uint32_t phys)
{
	return &c->bc->cmap[(phys >> 12) & (CMAP_SIZE - 1)];
}

/* Drops the page's entries (and those of pages sharing its pgen slot). */
static void code_invalidate_page(struct cpu *c, uint32_t page)
{
	if (++*page_gen(c, page) >= (1u << 31)) {
		cpu_code_flush_all(c);
		return;
	}
	cpu_fetch_reset(c);
	struct code_map *m = code_map(c, page);
	if (m->page == page)
		memset(m->bits, 0, sizeof(m->bits));
}

static void code_map_add(struct cpu *c, uint32_t phys, unsigned len)
{
	struct code_map *m = code_map(c, phys);
	uint32_t page = phys & ~0xfffu;
	if (m->page != page) {
		m->page = page;
		memset(m->bits, 0, sizeof(m->bits));
	}
	for (unsigned k = 0, o = phys & 0xfffu; k < len && o + k < 4096; k++)
		m->bits[(o + k) >> 3] |= (uint8_t)(1u << ((o + k) & 7));
}

/* Does the CPU write in progress (c->wr_pa/len) miss every cached byte? */
static int write_misses_code(struct cpu *c, uint32_t page)
{
	if (!c->wr_len || (c->wr_pa & ~0xfffu) != page)
		return 0;
	struct code_map *m = code_map(c, page);
	if (m->page != page)
		return 0;
	for (unsigned k = 0, o = c->wr_pa & 0xfffu; k < c->wr_len && o + k < 4096; k++)
		if (m->bits[(o + k) >> 3] & (1u << ((o + k) & 7)))
			return 0;
	return 1;
}

static void code_write_handler(void *opaque, uint64_t pa, uint64_t len)
{
	struct cpu *c = opaque;
	if (len == 0)
		return;
	uint64_t first = pa & ~0xfffull, last = (pa + len - 1) & ~0xfffull;
	if (first == last && first < (1ull << 32) && write_misses_code(c, (uint32_t)first)) {
		/* A data write next to code: keep the decoded instructions and
		 * keep the page marked (mem/ unmarked it before calling). */
		mem_mark_code_page(c->mem, first);
		return;
	}
	if (last - first > (uint64_t)IC_SIZE * 4096) {
		cpu_code_flush_all(c);
		return;
	}
	for (uint64_t p = first; p <= last && p < (1ull << 32); p += 4096)
		code_invalidate_page(c, (uint32_t)p);
}

void cpu_model_default(struct cpu_model *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->vendor, "GenuineIntel", 13);
	/* Family 6, model 3 (Pentium II class), stepping 3. */
	m->signature = 0x00000633;
	m->features_edx = CPU_FEAT_DE | CPU_FEAT_PSE | CPU_FEAT_TSC | CPU_FEAT_MSR |
			  CPU_FEAT_CX8 | CPU_FEAT_SEP | CPU_FEAT_PGE | CPU_FEAT_CMOV;
	m->features_ecx = 0;
}

struct cpu *cpu_new(struct mem *mem, const struct cpu_bus *bus, const struct cpu_model *model)
{
	struct cpu *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->bc = calloc(1, sizeof(*c->bc));
	if (!c->bc) {
		free(c);
		return NULL;
	}
	for (unsigned k = 0; k < PGEN_SIZE; k++)
		c->bc->pgen[k] = 1;   /* calloc'd entries carry key 0: never valid */
	cpu_fetch_reset(c);
	for (unsigned k = 0; k < CMAP_SIZE; k++)
		c->bc->cmap[k].page = IC_INVALID;
	c->mem = mem;
	if (bus)
		c->bus = *bus;
	if (model)
		c->model = *model;
	else
		cpu_model_default(&c->model);
	c->model.vendor[12] = 0;
	decoder_init(&c->dec);
	c->a20 = 1;
	c->a20_mask = 0xffffffffu;
	c->delivering = -1;
	c->apic_base = 0xfee00900u;
	mem_set_code_write_handler(mem, code_write_handler, c);
	cpu_reset(c);
	return c;
}

void cpu_free(struct cpu *c)
{
	if (!c)
		return;
	mem_set_code_write_handler(c->mem, NULL, NULL);
	free(c->bc);
	free(c);
}

/* Reset state: SDM Vol. 3 §9.1.1, table 9-1. */
void cpu_reset(struct cpu *c)
{
	memset(c->r, 0, sizeof(c->r));
	c->r[CPU_EDX] = c->model.signature;
	c->eip = 0xfff0;
	c->eflags = 2;
	c->lf.op = LF_NONE;
	c->cr0 = 0x60000010u;
	c->cr2 = c->cr3 = c->cr4 = 0;
	memset(c->dr, 0, sizeof(c->dr));
	c->dr[6] = 0xffff0ff0u;
	c->dr[7] = 0x400;
	for (int k = 0; k < 6; k++) {
		struct seg *s = &c->seg[k];
		s->sel = 0;
		s->base = 0;
		s->limit = 0xffff;
		s->attr = 0x93;
	}
	c->seg[SEG_CS].sel = 0xf000;
	c->seg[SEG_CS].base = 0xffff0000u;
	c->seg[SEG_CS].attr = 0x9b;
	c->gdt_base = c->idt_base = 0;
	c->gdt_limit = c->idt_limit = 0xffff;
	memset(&c->ldtr, 0, sizeof(c->ldtr));
	c->ldtr.limit = 0xffff;
	c->ldtr.attr = 0x82;
	memset(&c->tr, 0, sizeof(c->tr));
	c->tr.limit = 0xffff;
	c->tr.attr = 0x8b;
	c->cpl = 0;
	c->halted = 0;
	c->inhibit = 0;
	c->nmi_pending = c->smi_pending = c->nmi_blocked = c->in_smm = 0;
	c->smbase = 0x30000;
	c->sysenter_cs = c->sysenter_esp = c->sysenter_eip = 0;
	c->delivering = -1;
	c->shutdown = 0;
	seg_update_all(c);
	tlb_flush(c);
	cpu_code_flush_all(c);
	c->mem_gen = mem_generation(c->mem);
}

void cpu_init(struct cpu *c)
{
	uint32_t smbase = c->smbase;
	cpu_reset(c);
	c->smbase = smbase;
}

void cpu_flush_caches(struct cpu *c)
{
	tlb_flush(c);
	cpu_code_flush_all(c);
	c->mem_gen = mem_generation(c->mem);
}

void cpu_set_hooks(struct cpu *c, const struct cpu_hooks *h)
{
	if (h)
		c->hooks = *h;
	else
		memset(&c->hooks, 0, sizeof(c->hooks));
}

/* Open the fetch window on the code page of CS:eip (linear lin, physical
 * phys): EIPs from the page's first byte (or 0) to its last byte under the
 * current CS and CPL. Only when the whole rest of the page is within the
 * CS limit, so a cached instruction (never crossing the page) found through
 * the window needs no limit check. */
static void fetch_window_set(struct cpu *c, uint32_t eip, uint32_t lin, uint32_t phys,
			     int code32)
{
	const struct seg *cs = &c->seg[SEG_CS];
	uint32_t o = lin & 0xfffu;
	uint32_t lo = eip >= o ? eip - o : 0;
	uint64_t hi = (uint64_t)eip + (0xfffu - o);
	if (hi > cs->limit)
		return;
	uint32_t phys_lo = phys - (eip - lo);
	c->fc_lo = lo;
	c->fc_span = (uint32_t)(hi - lo);
	c->fc_key = ic_key(c, phys_lo, code32);
	c->fc_ents = &c->bc->e[phys_lo & (IC_SIZE - 1)];
	c->fc_ipmask = code32 ? 0xffffffffu : 0xffffu;
}

/* Fetch and decode the instruction at CS:EIP. Returns a cached decode, or
 * *tmp for instructions that cross a page (never cached). */
static const struct insn *fetch(struct cpu *c, struct insn *tmp)
{
	const struct seg *cs = &c->seg[SEG_CS];
	uint32_t eip = c->eip;
	if (eip > cs->limit)
		cpu_gp0(c);
	uint32_t lin = cs->base + eip;
	int code32 = (cs->attr & ATTR_DB) != 0;
	uint32_t phys;
	uint8_t user = c->cpl == 3;
	/* The last code page's translation stays valid until a TLB flush. */
	if ((lin & ~0xfffu) == c->fetch_page && user == c->fetch_user) {
		phys = c->fetch_phys | (lin & 0xfffu);
	} else {
		mmu_code_page(c, lin, &phys);
		c->fetch_page = lin & ~0xfffu;
		c->fetch_phys = phys & ~0xfffu;
		c->fetch_user = user;
	}
	struct ic_entry *e = &c->bc->e[phys & (IC_SIZE - 1)];
	if (e->key == ic_key(c, phys, code32)) {
		if (eip + e->insn.len - 1 > cs->limit)
			cpu_gp0(c);
		fetch_window_set(c, eip, lin, phys, code32);
		return &e->insn;
	}
	const uint8_t *host = mmu_code_page(c, lin, &phys);
	uint8_t buf[16];
	uint32_t room = cs->limit - eip;          /* bytes after the first */
	int avail = room >= 14 ? 15 : (int)room + 1;
	int in_page = (int)(0x1000u - (lin & 0xfffu));
	int n = avail < in_page ? avail : in_page;
	for (int k = 0; k < n; k++)
		buf[k] = host ? host[(phys & 0xfffu) + (unsigned)k]
			      : (uint8_t)mem_read(c->mem, phys + (unsigned)k, 1);
	int len = decode_insn(&c->dec, buf, n, code32, tmp);
	int crossed = 0;
	if (len == DECODE_MORE && n < avail) {
		for (int k = n; k < avail; k++)
			buf[k] = lin_fetch8(c, lin + (uint32_t)k);
		crossed = 1;
		len = decode_insn(&c->dec, buf, avail, code32, tmp);
	}
	if (len == DECODE_MORE) {
		/* The instruction runs past the CS limit (SDM Vol. 3 §5.3). */
		cpu_gp0(c);
	}
	if (len == DECODE_LONG) {
		tmp->fn = op_TOOLONG;
		tmp->len = 15;
		tmp->cost = 1;
		tmp->id = INSN_BAD;
		return tmp;
	}
	if (crossed || phys == IC_INVALID)
		return tmp;
	e->key = ic_key(c, phys, code32);
	e->insn = *tmp;
	/* The new instruction's bytes, not the slot's previous occupant's. */
	code_map_add(c, phys, e->insn.len);
	if (!mem_code_page_marked(c->mem, phys)) {
		mem_mark_code_page(c->mem, phys);
		tlb_drop_write_ptrs(c, phys & ~0xfffu);
	}
	fetch_window_set(c, eip, lin, phys, code32);
	return &e->insn;
}

/* Double-fault classes (SDM Vol. 3 §6.15, table 6-5). */
static int exc_class(int v)
{
	if (v == EXC_PF)
		return 2;
	if (v == EXC_DE || (v >= EXC_TS && v <= EXC_GP))
		return 1;
	return 0;
}

static int irq_pending(const struct cpu *c)
{
	return c->smi_pending || (c->nmi_pending && !c->nmi_blocked) ||
	       (c->intr && (c->eflags & FL_IF));
}

void cpu_enter_smm(struct cpu *c);

/* Accept a pending SMI, NMI or INTR at an instruction boundary. */
static void take_interrupt(struct cpu *c)
{
	if (c->smi_pending && !c->in_smm) {
		c->smi_pending = 0;
		cpu_enter_smm(c);      /* saves and clears the halted state */
		return;
	}
	if (c->nmi_pending && !c->nmi_blocked) {
		c->nmi_pending = 0;
		c->nmi_blocked = 1;
		c->halted = 0;
		cpu_deliver(c, EXC_NMI, EXC_NO_ERROR, INT_NMI, c->eip);
		return;
	}
	if (c->intr && (c->eflags & FL_IF)) {
		int vec = c->bus.intr_ack ? c->bus.intr_ack(c->bus.opaque) : 0;
		c->halted = 0;
		cpu_deliver(c, vec & 0xff, EXC_NO_ERROR, INT_HARD, c->eip);
	}
}

static void do_shutdown(struct cpu *c)
{
	c->shutdown = 1;
	c->delivering = -1;
	if (c->bus.shutdown)
		c->bus.shutdown(c->bus.opaque);
}

/* Retire the current instruction: icount, cycles, hooks. */
static inline void retire(struct cpu *c, const struct insn *i, uint16_t cs, uint32_t eip)
{
	c->icount++;
	c->cycles += i->cost;
	if (c->hooks.retire)
		c->hooks.retire(c->hooks.opaque, c, cs, eip);
}

/* A completed, non-final REP iteration (cpu/ops_string.c). */
void cpu_rep_retire(struct cpu *c, const struct insn *i)
{
	retire(c, i, c->seg[SEG_CS].sel, c->eip);
}

/* The slow half of an instruction boundary after a handler ran: interrupt
 * shadow countdown, REP early exits, the single-step trap and HLT. Same
 * order as the fast path in run_loop() takes when none of them applies. */
static void finish_slow(struct cpu *c, const struct insn *i, uint16_t cs, uint32_t eip,
			uint32_t tf)
{
	if (c->inhibit)
		c->inhibit--;
	if (c->skip_retire)
		return;
	retire(c, i, cs, eip);
	if (tf) {
		/* Single-step trap after the instruction (SDM Vol. 3 §17.3.1.4). */
		c->dr[6] |= 0x4000;
		c->delivering = EXC_DB;
		cpu_deliver(c, EXC_DB, EXC_NO_ERROR, INT_EXCEPTION, c->eip);
		c->delivering = -1;
	}
	if (c->halted) {
		if (c->hooks.hlt)
			c->hooks.hlt(c->hooks.opaque, c);
	}
}

/* Instruction boundaries until a stop. Kept out of cpu_run() so the
 * setjmp there does not force this loop's state into memory. */
static __attribute__((noinline)) enum cpu_stop run_loop(struct cpu *c)
{
	struct insn tmp;
	for (;;) {
		/* One test for the rare boundary work: stop requests, pending
		 * SMI/NMI/INTR lines, HLT, an interrupt shadow, a yielded REP. */
		if (__builtin_expect(c->ev != 0, 0)) {
			if (c->stop_request) {
				c->stop_request = 0;
				return CPU_STOP_REQUEST;
			}
			if (c->icount >= c->icount_limit || c->cycles >= c->cycle_limit)
				return CPU_STOP_DEADLINE;
			if (c->inhibit == 0 && irq_pending(c)) {
				take_interrupt(c);
				/* A hook that asked to stop on this delivery stops at
				 * the handler's first instruction, before it runs. */
				if (c->stop_request)
					continue;
			} else if (c->halted) {
				return CPU_STOP_HLT;
			}
		} else if (c->icount >= c->icount_limit || c->cycles >= c->cycle_limit) {
			return CPU_STOP_DEADLINE;
		}
		uint32_t eip = c->eip;
		const struct insn *i;
		uint32_t next;
		/* Fast path: the fetch window of the current code page. */
		uint32_t off = eip - c->fc_lo;
		const struct ic_entry *e = c->fc_ents + off;
		if (__builtin_expect(off <= c->fc_span, 1) && e->key == c->fc_key + off) {
			i = &e->insn;
			next = (eip + i->len) & c->fc_ipmask;
		} else {
			i = fetch(c, &tmp);
			next = (c->seg[SEG_CS].attr & ATTR_DB) ? eip + i->len
							       : ((eip + i->len) & 0xffff);
		}
		uint16_t cs = c->seg[SEG_CS].sel;
		uint32_t tf = c->eflags & FL_TF;
		c->eip_next = next;
		c->cur_len = i->len;
		c->skip_retire = 0;
		i->fn(c, i);
		c->eip = c->eip_next;
		if (__builtin_expect((c->ev & EV_AFTER_MASK) | tf, 0)) {
			finish_slow(c, i, cs, eip, tf);
			continue;
		}
		retire(c, i, cs, eip);
	}
}

enum cpu_stop cpu_run(struct cpu *c, uint64_t icount_limit, uint64_t cycle_limit)
{
	c->icount_limit = icount_limit;
	c->cycle_limit = cycle_limit;
	c->stop_request = 0;
	if (c->shutdown)
		return CPU_STOP_SHUTDOWN;
	mmu_check_generation(c);
	cpu_fetch_reset(c);    /* CS or CPL may have been set from outside */
	if (setjmp(c->jb)) {
		/* A fault: the instruction did not retire; deliver the exception. */
		int vec = c->fault_vec, err = c->fault_err;
		if (c->delivering >= 0) {
			int prev = c->delivering;
			if (prev == EXC_DF) {
				do_shutdown(c);
				return CPU_STOP_SHUTDOWN;
			}
			int a = exc_class(prev), b = exc_class(vec);
			if ((a == 1 && b == 1) || (a == 2 && b != 0)) {
				vec = EXC_DF;
				err = 0;
			}
		}
		c->delivering = (int8_t)vec;
		cpu_deliver(c, vec, err, INT_EXCEPTION, c->eip);
		c->delivering = -1;
		c->inhibit = 0;
		cpu_fetch_reset(c);
	}
	return run_loop(c);
}

void cpu_request_stop(struct cpu *c) { c->stop_request = 1; }

void cpu_set_cycle_limit(struct cpu *c, uint64_t cycle_limit) { c->cycle_limit = cycle_limit; }

uint64_t cpu_icount(const struct cpu *c) { return c->icount; }

const uint64_t *cpu_cycles_ptr(const struct cpu *c) { return &c->cycles; }

void cpu_add_cycles(struct cpu *c, uint64_t n) { c->cycles += n; }

void cpu_set_intr(struct cpu *c, int level) { c->intr = level != 0; }

void cpu_raise_nmi(struct cpu *c) { c->nmi_pending = 1; }

void cpu_raise_smi(struct cpu *c) { c->smi_pending = 1; }

void cpu_set_a20(struct cpu *c, int enabled)
{
	enabled = enabled != 0;
	if (enabled == c->a20)
		return;
	c->a20 = (uint8_t)enabled;
	c->a20_mask = enabled ? 0xffffffffu : ~(1u << 20);
	tlb_flush(c);
}

int cpu_halted(const struct cpu *c) { return c->halted; }

int cpu_interrupt_pending(const struct cpu *c) { return irq_pending(c); }

void op_UD(struct cpu *c, const struct insn *i) { (void)i; cpu_ud(c); }

void op_BAD(struct cpu *c, const struct insn *i) { (void)i; cpu_ud(c); }

void op_TOOLONG(struct cpu *c, const struct insn *i) { (void)i; cpu_gp0(c); }
