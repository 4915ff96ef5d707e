/*
 * cpu/exec.c: the CPU object, reset, and the run loop: instruction fetch
 * through the decoded-instruction cache (keyed by physical address and code
 * size, invalidated through mem/'s code-page tracking), retirement
 * (icount, cycles, hooks), interrupt acceptance at instruction boundaries
 * with the MOV SS/POP SS/STI shadow, and exception delivery.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/internal.h"
#include "cpu/ops_common.h"
#include "mem/mem.h"

/*
 * Decoded blocks. A block is a run of instructions decoded once from one
 * physical page: it starts at any address and ends after an A_END
 * instruction (control flow, mode and segment changes, I/O), after a REP
 * string instruction, before an instruction that would cross the page, or
 * after BLK_MAX_INSNS. Blocks are found by (physical address, CS.D) in a
 * hash table and linked to their successors; see docs/cpu.md.
 */
#define BLK_MAX_INSNS 48
#define BLK_POOL 8192          /* blocks */
#define BLK_INSN_POOL 65536    /* decoded instructions, shared by all blocks */
#define BLK_HASH_BITS 13
#define BLK_HASH (1u << BLK_HASH_BITS)
#define PGEN_SIZE 1024
#define CMAP_SIZE 256
#define BLK_LINKS 2
/* The handler number of the end marker after each block's last instruction
 * (threaded dispatch runs into it instead of testing for the end). */
#define H_BLKEND H_COUNT

/* A successor found from this block: valid while its epoch is the CPU's
 * (no CS, CPL, paging or code change since) and EIP matches. */
struct blk_link {
	uint64_t key;          /* link_key(): epoch << 32 | EIP; epoch 0: unused */
	struct block *b;
};

/* The CPU's epoch is never 0, so a zeroed link never matches. */
static inline uint64_t link_key(const struct cpu *c, uint32_t eip)
{
	return (uint64_t)c->epoch << 32 | eip;
}

struct block {
	uint32_t phys;         /* physical address of the first byte */
	uint32_t pgen;         /* *page_gen() at decode time */
	uint16_t bytes;        /* length of all instructions */
	uint8_t n;             /* instructions, 1..BLK_MAX_INSNS */
	uint8_t code32;        /* decoded with CS.D = 1 */
	uint32_t cost_head;    /* cycles of all instructions but the last */
	struct block *hnext;   /* hash chain */
	struct insn *ins;
	struct blk_link link[BLK_LINKS];
	uint8_t link_next;     /* link slot replaced next */
};

/* Which bytes of a physical page hold decoded instructions, so a CPU write
 * to data sharing the page keeps the page's blocks (per hashed slot; a slot
 * taken over by another page makes writes to the old one invalidate
 * conservatively). */
struct code_map {
	uint32_t page;         /* CMAP_NONE when unused */
	uint8_t bits[4096 / 8];
};
#define CMAP_NONE 0xffffffffu

struct block_cache {
	const void *const *labels;   /* run_loop()'s, by handler number */
	struct block *hash[BLK_HASH];
	unsigned nblocks, ninsns;
	/* Per physical page (hashed), starting at 1: bumping one makes the
	 * page's blocks stale. */
	uint32_t pgen[PGEN_SIZE];
	struct code_map cmap[CMAP_SIZE];
	struct block blocks[BLK_POOL];
	struct insn insns[BLK_INSN_POOL];
};

static inline uint32_t *page_gen(struct cpu *c, uint32_t phys)
{
	return &c->bc->pgen[(phys >> 12) & (PGEN_SIZE - 1)];
}

static inline unsigned blk_hash(uint32_t phys, int code32)
{
	uint32_t h = (phys ^ (phys >> 13) ^ ((uint32_t)code32 << 12)) * 0x9e3779b1u;
	return h >> (32 - BLK_HASH_BITS);
}

void cpu_fetch_reset(struct cpu *c)
{
	c->brk = 1;
	if (++c->epoch == 0) {
		/* Wrapped: forget every link so no stale one can match. */
		for (unsigned k = 0; k < c->bc->nblocks; k++)
			for (unsigned j = 0; j < BLK_LINKS; j++)
				c->bc->blocks[k].link[j].key = 0;
		c->resume_key = 0;
		c->epoch = 1;
	}
}

void cpu_code_flush_all(struct cpu *c)
{
	struct block_cache *bc = c->bc;
	memset(bc->hash, 0, sizeof(bc->hash));
	bc->nblocks = 0;
	bc->ninsns = 0;
	cpu_fetch_reset(c);
}

static struct code_map *code_map(struct cpu *c, uint32_t phys)
{
	return &c->bc->cmap[(phys >> 12) & (CMAP_SIZE - 1)];
}

/* Makes the page's blocks (and those of pages sharing its pgen slot) stale. */
static void code_invalidate_page(struct cpu *c, uint32_t page)
{
	if (++*page_gen(c, page) >= (1u << 31)) {
		/* Restart the generations with an empty cache. */
		for (unsigned k = 0; k < PGEN_SIZE; k++)
			c->bc->pgen[k] = 1;
		cpu_code_flush_all(c);
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

/* mem/'s code-write filter: does a write of [pa, pa + len), inside one
 * page, miss every decoded byte? (A data write next to code keeps the
 * page's blocks and its mark.) */
static int code_write_filter(void *opaque, uint64_t pa, uint64_t len)
{
	struct cpu *c = opaque;
	if (pa >= (1ull << 32))
		return 0;
	uint32_t page = (uint32_t)pa & ~0xfffu;
	struct code_map *m = code_map(c, page);
	if (m->page != page)
		return 0;      /* the slot belongs to another page: unknown */
	for (unsigned o = (uint32_t)pa & 0xfffu, e = o + (unsigned)len; o < e && o < 4096; o++)
		if (m->bits[o >> 3] & (1u << (o & 7)))
			return 0;
	return 1;
}

static void code_write_handler(void *opaque, uint64_t pa, uint64_t len)
{
	struct cpu *c = opaque;
	if (len == 0)
		return;
	uint64_t first = pa & ~0xfffull, last = (pa + len - 1) & ~0xfffull;
	if (last - first >= (uint64_t)PGEN_SIZE * 4096) {
		cpu_code_flush_all(c);
		return;
	}
	for (uint64_t p = first; p <= last && p < (1ull << 32); p += 4096)
		code_invalidate_page(c, (uint32_t)p);
}

/* Decode a block at phys (host: its page) into the pool and hash it.
 * Returns NULL when the first instruction cannot be part of a block (it
 * crosses the page or is too long): the caller executes it alone. */
static struct block *block_build(struct cpu *c, uint32_t phys, const uint8_t *host, int code32,
				 unsigned h)
{
	struct block_cache *bc = c->bc;
	if (bc->nblocks == BLK_POOL || bc->ninsns + BLK_MAX_INSNS + 1 > BLK_INSN_POOL) {
		cpu_code_flush_all(c);
		h = blk_hash(phys, code32);
	}
	struct block *b = &bc->blocks[bc->nblocks];
	struct insn *ins = &bc->insns[bc->ninsns];
	unsigned off = phys & 0xfffu, bytes = 0, n = 0, cost = 0, last_cost = 0;
	while (n < BLK_MAX_INSNS && off + bytes < 4096) {
		unsigned room = 4096 - (off + bytes);
		int len = decode_insn(&c->dec, host + off + bytes, room < 15 ? (int)room : 15, code32,
				      &ins[n]);
		if (len < 0)
			break;     /* crosses the page, or too long: executed alone */
		struct insn *i = &ins[n];
		i->idx = (uint8_t)n;
		i->cum = (uint16_t)cost;
		i->off = (uint16_t)bytes;
		code_map_add(c, phys + bytes, (unsigned)len);
		bytes += (unsigned)len;
		cost += i->cost;
		last_cost = i->cost;
		n++;
		/* A Jcc does not end the block: when it is not taken, the block
		 * goes on (its handler's tail checks where EIP went). */
		uint8_t attr = insn_table[i->id].attr;
		if ((attr & A_END) && !(i->h >= H_JCC0 && i->h < H_JCC0 + 16))
			break;
		if ((attr & A_REP) && (i->flags & (INSN_REP | INSN_REPNE)))
			break;
	}
	if (n == 0)
		return NULL;
	if (!mem_code_page_marked(c->mem, phys)) {
		mem_mark_code_page(c->mem, phys);
		tlb_drop_write_ptrs(c, phys & ~0xfffu);
	}
	ins[n] = (struct insn){ .h = H_BLKEND, .idx = (uint8_t)n, .cum = (uint16_t)cost,
				.off = (uint16_t)bytes };
	if (bc->labels)
		for (unsigned k = 0; k <= n; k++)
			ins[k].lab = bc->labels[ins[k].h];
	bc->nblocks++;
	bc->ninsns += n + 1;
	b->phys = phys;
	b->pgen = *page_gen(c, phys);
	b->bytes = (uint16_t)bytes;
	b->n = (uint8_t)n;
	b->code32 = (uint8_t)code32;
	b->cost_head = cost - last_cost;
	b->ins = ins;
	memset(b->link, 0, sizeof(b->link));
	b->link_next = 0;
	b->hnext = bc->hash[h];
	bc->hash[h] = b;
	return b;
}

/* The block at CS:EIP, or NULL when the instruction there must be executed
 * alone (crossing a page, not plain memory, near the CS limit or the 16-bit
 * EIP wrap). Raises #PF for an unmapped code page. */
static struct block *block_find(struct cpu *c)
{
	const struct seg *cs = &c->seg[SEG_CS];
	uint32_t eip = c->eip;
	if (eip > cs->limit)
		return NULL;
	uint32_t lin = cs->base + eip;
	int code32 = (cs->attr & ATTR_DB) != 0;
	uint8_t user = c->cpl == 3;
	uint32_t phys;
	const uint8_t *host;
	/* The last code page's translation stays valid until a TLB flush. */
	if ((lin & ~0xfffu) == c->fetch_page && user == c->fetch_user) {
		phys = c->fetch_phys | (lin & 0xfffu);
		host = c->fetch_host;
	} else {
		host = mmu_code_page(c, lin, &phys);
		c->fetch_page = lin & ~0xfffu;
		c->fetch_phys = phys & ~0xfffu;
		c->fetch_user = user;
		c->fetch_host = host;
	}
	if (!host)
		return NULL;
	unsigned h = blk_hash(phys, code32);
	struct block **pp = &c->bc->hash[h], *b;
	while ((b = *pp) != NULL) {
		if (b->phys == phys && b->code32 == code32) {
			if (b->pgen == *page_gen(c, phys))
				break;
			*pp = b->hnext;    /* stale: unhash it (its memory waits for a flush) */
			continue;
		}
		pp = &b->hnext;
	}
	if (!b) {
		b = block_build(c, phys, host, code32, h);
		if (!b)
			return NULL;
	}
	/* The whole block within the CS limit, and no 16-bit EIP wrap in it. */
	uint64_t end = (uint64_t)eip + b->bytes;
	if (end - 1 > cs->limit || (!code32 && end > 0xffff))
		return NULL;
	return b;
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
		c->bc->pgen[k] = 1;
	for (unsigned k = 0; k < CMAP_SIZE; k++)
		c->bc->cmap[k].page = CMAP_NONE;
	c->epoch = 1;
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
	mem_set_code_write_filter(mem, code_write_filter);
	cpu_reset(c);
	return c;
}

void cpu_free(struct cpu *c)
{
	if (!c)
		return;
	mem_set_code_write_handler(c->mem, NULL, NULL);
	mem_set_code_write_filter(c->mem, NULL);
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
	c->brk = 1;    /* a running block stops: the loop runs hooked code one by one */
}

/* Fetch and decode the instruction at CS:EIP into *out, for instructions
 * executed alone (see block_find()); always from the current bytes. */
static void fetch_one(struct cpu *c, struct insn *out)
{
	const struct seg *cs = &c->seg[SEG_CS];
	uint32_t eip = c->eip;
	if (eip > cs->limit)
		cpu_gp0(c);
	uint32_t lin = cs->base + eip;
	int code32 = (cs->attr & ATTR_DB) != 0;
	uint32_t phys;
	const uint8_t *host = mmu_code_page(c, lin, &phys);
	uint8_t buf[16];
	uint32_t room = cs->limit - eip;          /* bytes after the first */
	int avail = room >= 14 ? 15 : (int)room + 1;
	int in_page = (int)(0x1000u - (lin & 0xfffu));
	int n = avail < in_page ? avail : in_page;
	for (int k = 0; k < n; k++)
		buf[k] = host ? host[(phys & 0xfffu) + (unsigned)k]
			      : (uint8_t)mem_fetch(c->mem, phys + (unsigned)k, 1);
	int len = decode_insn(&c->dec, buf, n, code32, out);
	if (len == DECODE_MORE && n < avail) {
		for (int k = n; k < avail; k++)
			buf[k] = lin_fetch8(c, lin + (uint32_t)k);
		len = decode_insn(&c->dec, buf, avail, code32, out);
	}
	if (len == DECODE_MORE) {
		/* The instruction runs past the CS limit (SDM Vol. 3 §5.3). */
		cpu_gp0(c);
	}
	if (len == DECODE_LONG) {
		out->fn = op_TOOLONG;
		out->h = H_TOOLONG;
		out->len = 15;
		out->cost = 1;
		out->id = INSN_BAD;
	}
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
		c->hooks.retire(c->hooks.opaque, c, c->blk_cs, eip);
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
	if (c->skip_retire) {
		c->skip_retire = 0;
		return;
	}
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

/* Execute the instruction at CS:EIP alone, decoded from its current bytes:
 * single-stepping (TF) and instructions that are in no block. */
static void step_one(struct cpu *c)
{
	struct insn tmp;
	fetch_one(c, &tmp);
	uint32_t eip = c->eip;
	uint16_t cs = c->seg[SEG_CS].sel;
	uint32_t tf = c->eflags & FL_TF;
	c->eip_next = (c->seg[SEG_CS].attr & ATTR_DB) ? eip + tmp.len : ((eip + tmp.len) & 0xffff);
	tmp.fn(c, &tmp);
	c->eip = c->eip_next;
	if (__builtin_expect((c->ev & EV_AFTER_MASK) | tf, 0)) {
		finish_slow(c, &tmp, cs, eip, tf);
		return;
	}
	retire(c, &tmp, cs, eip);
}

/* The bit mask of one byte of cpu.ev. */
#define EV_BYTE(field) ev_byte(offsetof(struct cpu, field) - offsetof(struct cpu, ev))
static inline uint64_t ev_byte(size_t k)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return 0xffull << (8 * k);
#else
	return 0xffull << (8 * (7 - k));
#endif
}

/* The bytes of cpu.ev that must end a block: all but the interrupt lines
 * that cannot be taken now (INTR with IF = 0, NMI while blocked, SMI in
 * SMM). Whatever lifts one of these conditions also breaks the block: STI
 * sets the interrupt shadow, flags_set() (POPF, IRET) sets brk when IF goes
 * to 1, and IRET and RSM reload CS. */
static inline uint64_t ev_block_mask(const struct cpu *c)
{
	uint64_t m = ~0ull;
	if (!(c->eflags & FL_IF))
		m &= ~EV_BYTE(intr);
	if (c->nmi_blocked)
		m &= ~EV_BYTE(nmi_pending);
	if (c->in_smm)
		m &= ~EV_BYTE(smi_pending);
	return m;
}

/* Threaded dispatch: each handler's label ends in its own indirect jump to
 * the next instruction's handler (GCC's labels as values). Without it, one
 * indirect call per instruction (-DCPU_DISPATCH_CALL). */
#if defined(__GNUC__) && !defined(CPU_DISPATCH_CALL)
#define CPU_THREADED 1
#else
#define CPU_THREADED 0
#endif

#if CPU_THREADED
/* Handlers that touch nothing but registers and EFLAGS' arithmetic and
 * direction bits: no memory access (so no MMIO, no code write), no port,
 * segment, IF or mode change. None of them can change cpu.ev, so their
 * tail skips the event test (a fault longjmps out of the loop anyway). */
#define RO(id) [H_##id] = 1,
#define RO_R(id) [H_##id##_R] = 1,
#define RO_ALU(op) \
	RO_R(op##_EbGb) RO_R(op##_EwGw) RO_R(op##_EdGd) RO_R(op##_GbEb) RO_R(op##_GwEw) \
	RO_R(op##_GdEd) RO(op##_ALIb) RO(op##_AXIw) RO(op##_EAXId) RO_R(op##_EbIb) \
	RO_R(op##_EwIw) RO_R(op##_EdId) RO_R(op##_EwIb) RO_R(op##_EdIb)
#define RO_BWD(op) RO_R(op##_Eb) RO_R(op##_Ew) RO_R(op##_Ed)
#define RO_SH(op) \
	RO_R(op##_EbIb) RO_R(op##_EwIb) RO_R(op##_EdIb) RO_R(op##_Eb1) RO_R(op##_Ew1) \
	RO_R(op##_Ed1) RO_R(op##_EbCL) RO_R(op##_EwCL) RO_R(op##_EdCL)
static const uint8_t h_regonly[H_COUNT] = {
	RO_ALU(ADD) RO_ALU(OR) RO_ALU(ADC) RO_ALU(SBB) RO_ALU(AND) RO_ALU(SUB) RO_ALU(XOR)
	RO_ALU(CMP)
	RO_R(TEST_EbGb) RO_R(TEST_EwGw) RO_R(TEST_EdGd) RO(TEST_ALIb) RO(TEST_AXIw)
	RO(TEST_EAXId) RO_R(TEST_EbIb) RO_R(TEST_EwIw) RO_R(TEST_EdId)
	RO_R(MOV_EbGb) RO_R(MOV_EwGw) RO_R(MOV_EdGd) RO_R(MOV_GbEb) RO_R(MOV_GwEw)
	RO_R(MOV_GdEd) RO_R(MOV_EbIb) RO_R(MOV_EwIw) RO_R(MOV_EdId)
	RO(MOV_ZbIb) RO(MOV_ZwIw) RO(MOV_ZdId) RO(INC_Zw) RO(INC_Zd) RO(DEC_Zw) RO(DEC_Zd)
	RO(XCHG_ZwAX) RO(XCHG_ZdEAX) RO(BSWAP_Zd) RO(NOP)
	RO_R(XCHG_EbGb) RO_R(XCHG_EwGw) RO_R(XCHG_EdGd)
	RO_R(MOVZX_GwEb) RO_R(MOVZX_GdEb) RO_R(MOVZX_GwEw) RO_R(MOVZX_GdEw)
	RO_R(MOVSX_GwEb) RO_R(MOVSX_GdEb) RO_R(MOVSX_GwEw) RO_R(MOVSX_GdEw)
	RO_R(CMOV_GwEw) RO_R(CMOV_GdEd) RO_R(SETCC_Eb)
	RO_BWD(INC) RO_BWD(DEC) RO_BWD(NOT) RO_BWD(NEG) RO_BWD(MUL) RO_BWD(IMUL)
	RO_R(IMUL_GwEwIw) RO_R(IMUL_GdEdId) RO_R(IMUL_GwEwIb) RO_R(IMUL_GdEdIb)
	RO_R(IMUL_GwEw) RO_R(IMUL_GdEd)
	RO_SH(ROL) RO_SH(ROR) RO_SH(RCL) RO_SH(RCR) RO_SH(SHL) RO_SH(SHR) RO_SH(SAR)
	RO_R(BT_EwGw) RO_R(BT_EdGd) RO_R(BT_EwIb) RO_R(BT_EdIb)
	RO_R(BSF_GwEw) RO_R(BSF_GdEd) RO_R(BSR_GwEw) RO_R(BSR_GdEd)
	[H_LEA_GwM_M] = 1, [H_LEA_GdM_M] = 1,
	RO(CBW) RO(CWDE) RO(CWD) RO(CDQ) RO(LAHF) RO(SAHF) RO(CMC) RO(CLC) RO(STC)
	RO(CLD) RO(STD)
	[H_JCC0 ... H_COUNT - 1] = 1,
};
#undef RO
#undef RO_R
#undef RO_ALU
#undef RO_BWD
#undef RO_SH
#endif


/* prev's linked successor for key (link_key()), or NULL. */
static inline struct block *link_find(const struct block *prev, uint64_t key)
{
	for (unsigned k = 0; k < BLK_LINKS; k++)
		if (prev->link[k].key == key)
			return prev->link[k].b;
	return NULL;
}

/* prev's linked successor at eip when the whole of it runs before the
 * icount and cycle limits from (icount, cycles), else NULL. */
static inline struct block *link_fit(const struct cpu *c, const struct block *prev, uint32_t eip,
				     uint64_t icount, uint64_t cycles)
{
	struct block *nb = link_find(prev, link_key(c, eip));
	if (nb && icount + nb->n <= c->icount_limit && cycles + nb->cost_head < c->cycle_limit)
		return nb;
	return NULL;
}

/* The most frequent handlers in the bench guest and in firmware, inlined in
 * their threaded labels (the same bodies as their op_ functions, from
 * ops_common.h): no call, no callee-saved registers. Only a few: inlining
 * every handler made the loop spill (docs/cpu.md, "Speed"). Folded away for
 * every other handler number (h is a constant in each label). */
#ifdef __OPTIMIZE__
static inline __attribute__((always_inline)) int run_hot(struct cpu *c, const struct insn *i,
							 int h)
{
	switch (h) {
	case H_MOV_EdGd_M: mov_eg(c, i, 1, 4); return 1;
	case H_MOV_EdGd_R: mov_eg(c, i, 0, 4); return 1;
	case H_MOV_GdEd_M: mov_ge(c, i, 1, 4); return 1;
	case H_MOV_GdEd_R: mov_ge(c, i, 0, 4); return 1;
	case H_MOV_ZdId: c->r[i->reg] = i->imm; return 1;
	case H_CMP_EdGd_M: alu_ev(c, i, 1, ALU_CMP, 4, 0); return 1;
	case H_CMP_EdGd_R: alu_ev(c, i, 0, ALU_CMP, 4, 0); return 1;
	case H_SUB_EdGd_R: alu_ev(c, i, 0, ALU_SUB, 4, 0); return 1;
	case H_ADD_EdGd_R: alu_ev(c, i, 0, ALU_ADD, 4, 0); return 1;
	case H_XOR_EdGd_R: alu_ev(c, i, 0, ALU_XOR, 4, 0); return 1;
	case H_CMP_EdId_R: alu_ev(c, i, 0, ALU_CMP, 4, 1); return 1;
	case H_ADD_EdIb_R: alu_ev(c, i, 0, ALU_ADD, 4, 1); return 1;
	case H_SUB_EdIb_R: alu_ev(c, i, 0, ALU_SUB, 4, 1); return 1;
	case H_AND_EdIb_R: alu_ev(c, i, 0, ALU_AND, 4, 1); return 1;
	case H_CMP_EdIb_R: alu_ev(c, i, 0, ALU_CMP, 4, 1); return 1;
	case H_AND_EAXId: alu_acc(c, i, ALU_AND, 4); return 1;
	case H_INC_Zd: incdec_z(c, i, 0, 4); return 1;
	case H_DEC_Zd: incdec_z(c, i, 1, 4); return 1;
	case H_SHR_Ed1_R: shift_lr_r32(c, i, 1, 0); return 1;
	case H_SHL_EdIb_R: shift_lr_r32(c, i, 0, 2); return 1;
	case H_NEG_Ed_R: neg_e(c, i, 0, 4); return 1;
	case H_TEST_EdGd_R: test_eg(c, i, 0, 4, 0); return 1;
	case H_MOV_EbIb_M: mov_ei(c, i, 1, 1); return 1;
	case H_MOV_EbGb_M: mov_eg(c, i, 1, 1); return 1;
	case H_MOVZX_GdEb_M: movx(c, i, 1, 4, 1, 0); return 1;
	case H_CMP_EbIb_M: alu_ev(c, i, 1, ALU_CMP, 1, 1); return 1;
	case H_INC_Ed_M: incdec_e(c, i, 1, 0, 4); return 1;
	case H_LEA_GdM_M: c->r[i->reg] = insn_ea(c, i); return 1;
	default: return 0;
	}
}
#else
/* Unoptimised (--enable-debug, the sanitizer build) the switch above is not
 * folded, and every one of the loop's labels would carry all of it: exec.c
 * took ten minutes to compile under ASan. There the handlers are called
 * (the same bodies, from ops_common.h). */
#define run_hot(c, i, h) 0
#endif

/* GCC's SLP vectoriser turns the icount and cycle updates of every
 * instruction tail into vector loads and stores: slower here. */
#if defined(__GNUC__) && !defined(__clang__)
#define RUN_LOOP_ATTR __attribute__((noinline, optimize("no-tree-slp-vectorize")))
#else
#define RUN_LOOP_ATTR __attribute__((noinline))
#endif

/* Instruction boundaries until a stop. Kept out of cpu_run() so the
 * setjmp there does not force this loop's state into memory.
 *
 * The loop runs blocks: at a block's start it does the boundary work
 * (pending events, run limits, TF) once and works out how many of the
 * block's instructions fit before the icount and cycle limits; then each
 * instruction costs its handler, one test of cpu.ev (any event: an
 * interrupt line, HLT, a shadow, a code or CS change, a new limit), the
 * retire counters and one test of the retire hook (and, after a Jcc, one
 * test of where EIP went). An event leaves the block at that instruction's
 * boundary and the loop starts over there; at the block's end it goes on
 * to a linked successor directly when nothing is pending. */
static RUN_LOOP_ATTR enum cpu_stop run_loop(struct cpu *c)
{
#if CPU_THREADED
	static const void *const labels[H_COUNT + 1] = {
#define INSN(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) [H_##id] = &&L_##id,
#define INSN_RM(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) \
		[H_##id##_R] = &&L_##id##_R, [H_##id##_M] = &&L_##id##_M,
#define INSN_M(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) [H_##id##_M] = &&L_##id##_M,
#include "cpu/insn.def"
#undef INSN
#undef INSN_RM
#undef INSN_M
		[H_UD] = &&L_UD, [H_TOOLONG] = &&L_TOOLONG,
		[H_JCC0] = &&L_JCC0, &&L_JCC1, &&L_JCC2, &&L_JCC3, &&L_JCC4, &&L_JCC5, &&L_JCC6,
		&&L_JCC7, &&L_JCC8, &&L_JCC9, &&L_JCC10, &&L_JCC11, &&L_JCC12, &&L_JCC13, &&L_JCC14,
		&&L_JCC15, [H_BLKEND] = &&L_BLKEND,
	};
#define NEXT() goto *i->lab
	c->bc->labels = labels;
#else
#define NEXT() goto dispatch
#endif
/* After a handler: leave on an event, retire, leave at the block's (or
 * the run limit's) end, else on to the next instruction. Only a block's
 * last instruction (A_END or REP, see block_build()) and a Jcc can jump
 * (TAIL_J checks where EIP went); any other change of EIP (a fault, a REP
 * yield) comes with an event. TAIL_J is the tail of the generic loop at
 * dispatch (one indirect call per instruction): a block cut short by the
 * run limits or a retire hook (then one instruction at a time, the hook
 * called at blk_exit; cpu_set_hooks() breaks the running block), and
 * every block without threaded dispatch. LABEL(), the threaded tail, runs
 * whole blocks only and has no end test: the block's end marker
 * (H_BLKEND) leads to the next block or to blk_exit. */
#define TAIL_J() do { \
		if (__builtin_expect((c->ev & evmask) != 0, 0)) \
			goto blk_event; \
		c->icount++; \
		c->cycles += i->cost; \
		if (c->eip_next != eip + i->len || ++i == end) \
			goto blk_exit; \
		eip = c->eip_next; \
		c->eip = eip; \
		c->eip_next = eip + i->len; \
		goto dispatch; \
	} while (0)
/*
 * The threaded labels keep EIP, icount and cycles as the values at the
 * running block's first instruction (b_eip, b_ic, b_cyc, in registers):
 * instruction i's are those plus its offset, index and the cycles before it
 * in the block (struct insn off, idx, cum, set by block_build()), so a
 * register-only handler's tail is the dispatch alone. Before any other
 * handler (memory, I/O, control flow: everything that can fault, read them
 * or end the block) SYNC_OUT() writes the current values to struct cpu, so
 * the handler, a fault and the boundary paths see the same state as
 * without the locals. A block's last instruction (A_END, REP) may change
 * them: its tail retires it from struct cpu.
 */
#define CUR_EIP() (b_eip + i->off)
#define CUR_IC() (b_ic + i->idx)
#define CUR_CYC() (b_cyc + i->cum)
/* Start the locals at instruction i (of the block) with these values. */
#define SET_BASE(ic, cyc, eipv) do { \
		b_ic = (ic) - i->idx; \
		b_cyc = (cyc) - i->cum; \
		b_eip = (eipv) - i->off; \
	} while (0)
/* The same at a block's first instruction (offset, index, cycles 0). */
#define SET_BASE0(ic, cyc, eipv) do { \
		b_ic = (ic); \
		b_cyc = (cyc); \
		b_eip = (eipv); \
	} while (0)
/* Handlers that cannot jump (neither A_END nor REP) do not read
 * c->eip_next: the event path sets it for them. */
#define SYNC_OUT_SEQ() do { \
		c->eip = CUR_EIP(); \
		c->icount = CUR_IC(); \
		c->cycles = CUR_CYC(); \
	} while (0)
#define SYNC_OUT() do { \
		SYNC_OUT_SEQ(); \
		c->eip_next = c->eip + i->len; \
	} while (0)
#define NO_CALL(c, i) ((void)0)
/* A taken near jump by i->imm (Jcc, JMP rel): #GP(0) beyond the CS limit
 * (SDM Vol. 2, JMP), else retired and on to the successor. */
#define TAKE_JUMP() do { \
		uint32_t t = near_target(i, CUR_EIP() + i->len + i->imm); \
		if (t > c->seg[SEG_CS].limit) { \
			SYNC_OUT(); \
			cpu_gp0(c); \
		} \
		icount = CUR_IC() + 1; \
		cycles = CUR_CYC() + i->cost; \
		eip = t; \
		goto blk_jump; \
	} while (0)
#define LABEL(h, call, attr) do { \
		if ((h) == H_JMP_Jb || (h) == H_JMP_Jw || (h) == H_JMP_Jd) \
			TAKE_JUMP(); \
		if (h_regonly[h]) { \
			if (!run_hot(c, i, h)) \
				call(c, i); \
		} else { \
			if ((attr) & (A_END | A_REP)) \
				SYNC_OUT(); \
			else \
				SYNC_OUT_SEQ(); \
			if (!run_hot(c, i, h)) \
				call(c, i); \
			if (__builtin_expect((c->ev & evmask) != 0, 0)) { \
				eip = c->eip; \
				if (!((attr) & (A_END | A_REP))) \
					c->eip_next = eip + i->len; \
				goto blk_event; \
			} \
			if ((attr) & (A_END | A_REP)) { \
				icount = c->icount + 1; \
				cycles = c->cycles + i->cost; \
				eip = c->eip_next; \
				goto blk_jump; \
			} \
		} \
		i++; \
		NEXT(); \
	} while (0)

	struct block *prev = NULL;
#if CPU_THREADED
	/* The threaded labels' state: the running block's base values (see
	 * CUR_EIP()), and the next instruction's values at a block's end. */
	uint64_t b_ic = 0, b_cyc = 0, icount = 0, cycles = 0;
	uint32_t b_eip = 0;
#else
#undef SET_BASE
#undef SET_BASE0
#define SET_BASE(ic, cyc, eipv) ((void)0)
#define SET_BASE0(ic, cyc, eipv) ((void)0)
#endif
	for (;;) {
		uint64_t evmask = ~0ull;
		/* One test for the rare boundary work: stop requests, pending
		 * SMI/NMI/INTR lines, HLT, an interrupt shadow, a yielded REP,
		 * a block break. */
		if (__builtin_expect(c->ev != 0, 0)) {
			if (c->stop_request) {
				c->stop_request = 0;
				return CPU_STOP_REQUEST;
			}
			c->brk = 0;
			if (c->icount >= c->icount_limit || c->cycles >= c->cycle_limit)
				return CPU_STOP_DEADLINE;
			if (c->inhibit == 0 && irq_pending(c)) {
				take_interrupt(c);
				/* A hook that asked to stop on this delivery stops at
				 * the handler's first instruction, before it runs. */
				if (c->stop_request)
					continue;
				c->brk = 0;
			} else if (c->halted) {
				return CPU_STOP_HLT;
			}
			evmask = ev_block_mask(c);
			/* Something that can be taken is still pending (an
			 * interrupt shadow, a line it defers): one instruction
			 * alone, so that every instruction inside a block starts
			 * with nothing pending (the h_regonly tails rely on it). */
			if (__builtin_expect((c->ev & evmask) != 0, 0)) {
				prev = NULL;
				step_one(c);
				continue;
			}
		} else if (c->icount >= c->icount_limit || c->cycles >= c->cycle_limit) {
			return CPU_STOP_DEADLINE;
		}
		if (__builtin_expect(c->eflags & FL_TF, 0)) {
			step_one(c);
			continue;
		}
		uint32_t eip = c->eip;
		uint64_t key = link_key(c, eip);
		struct block *b = NULL;
		const struct insn *i;
		if (c->resume_key == key) {
			/* Go on inside the block a run limit or the hook stopped. */
			b = c->resume_b;
			i = c->resume_i;
			c->resume_key = 0;
			goto run;
		}
		if (prev)
			b = link_find(prev, key);
		if (!b) {
			b = block_find(c);
			if (!b) {
				prev = NULL;
				step_one(c);
				continue;
			}
			/* A link only says "this CS:EIP is block b in this epoch",
			 * true whichever block holds it, even after a flush
			 * reused prev's slot. */
			if (prev) {
				prev->link[prev->link_next] = (struct blk_link){ link_key(c, eip), b };
				prev->link_next = (uint8_t)((prev->link_next + 1) % BLK_LINKS);
			}
		}
		i = b->ins;
	run:
		prev = b;
		/* How many instructions run before the icount and cycle limits
		 * (one with a retire hook). */
		unsigned n = (unsigned)(b->ins + b->n - i);
		uint64_t left = c->icount_limit - c->icount;
		if (left < n)
			n = (unsigned)left;
		int whole = 0;
		if (__builtin_expect(c->hooks.retire != NULL, 0))
			n = 1;
		else if (__builtin_expect(i != b->ins || c->cycles + b->cost_head >= c->cycle_limit, 0)) {
			uint64_t cyc = c->cycles;
			unsigned k = 0;
			while (k < n && cyc < c->cycle_limit)
				cyc += i[k++].cost;
			n = k;
			whole = n == (unsigned)(b->ins + b->n - i);
		} else {
			whole = n == (unsigned)(b->ins + b->n - i);
		}
		const struct insn *end = i + n;
		c->blk_cs = c->seg[SEG_CS].sel;
		c->eip_next = eip + i->len;
		if (__builtin_expect(!whole, 0))
			goto dispatch;
		SET_BASE(c->icount, c->cycles, eip);
		NEXT();

#if CPU_THREADED
#define INSN(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) \
	L_##id: LABEL(H_##id, op_##id, attr);
#define INSN_RM(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) \
	L_##id##_R: LABEL(H_##id##_R, op_##id##_R, attr); \
	L_##id##_M: LABEL(H_##id##_M, op_##id##_M, attr);
#define INSN_M(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) \
	L_##id##_M: LABEL(H_##id##_M, op_##id##_M, attr);
#include "cpu/insn.def"
#undef INSN
#undef INSN_RM
#undef INSN_M
/* Jcc inline (as op_jcc_cc[k]): taken, it leaves the block; not taken,
 * the block goes on. It cannot change cpu.ev. */
#define JCC_LABEL(k) L_JCC##k: \
	if (flags_cond(c, k)) \
		TAKE_JUMP(); \
	LABEL(H_JCC0 + k, NO_CALL, 0);
	JCC_LABEL(0) JCC_LABEL(1) JCC_LABEL(2) JCC_LABEL(3) JCC_LABEL(4) JCC_LABEL(5)
	JCC_LABEL(6) JCC_LABEL(7) JCC_LABEL(8) JCC_LABEL(9) JCC_LABEL(10) JCC_LABEL(11)
	JCC_LABEL(12) JCC_LABEL(13) JCC_LABEL(14) JCC_LABEL(15)
#undef JCC_LABEL
	L_UD: SYNC_OUT(); op_UD(c, i);
	L_TOOLONG: SYNC_OUT(); op_TOOLONG(c, i);
	L_BLKEND:
		icount = CUR_IC();
		cycles = CUR_CYC();
		eip = CUR_EIP();
		if (__builtin_expect((c->ev & evmask) != 0, 0))
			goto blk_sync_exit;
	blk_jump:
		/* The block's end, or a taken Jcc (it changed no event state and
		 * nothing was pending before it): on to a linked successor that
		 * fits before the limits, the locals still in charge; else the
		 * general exit. A retire hook never runs threaded blocks. */
		{
			struct block *nb = link_fit(c, prev, eip, icount, cycles);
			if (nb) {
				prev = nb;
				i = nb->ins;
				SET_BASE0(icount, cycles, eip);
				NEXT();
			}
		}
	blk_sync_exit:
		/* eip is already the next instruction's. */
		c->eip = c->eip_next = eip;
		c->icount = icount;
		c->cycles = cycles;
		end = prev->ins + prev->n;
		goto blk_exit;
#endif
	dispatch:
		i->fn(c, i);
		TAIL_J();

	blk_event:
		/* The instruction finished with an event pending: the general
		 * boundary path takes over. */
		c->eip = c->eip_next;
		finish_slow(c, i, c->blk_cs, eip, 0);
		continue;
	blk_exit:
		c->eip = c->eip_next;
		if (i == end && end != prev->ins + prev->n) {
			/* Stopped by the run limit or for the hook, falling
			 * through to the block's next instruction. */
			c->resume_b = prev;
			c->resume_i = i;
			c->resume_key = link_key(c, c->eip);
		}
		if (__builtin_expect(c->hooks.retire != NULL, 0)) {
			c->hooks.retire(c->hooks.opaque, c, c->blk_cs, eip);
			continue;
		}
		/* Straight on to a linked successor when nothing that can be
		 * taken is pending and all of it fits before the limits; else
		 * the full boundary. evmask still holds: whatever lets a masked
		 * line in (IF set, NMI unblocked, SMM left) breaks the block. */
		if ((c->ev & evmask) != 0)
			continue;
		eip = c->eip;
		{
			struct block *nb = link_fit(c, prev, eip, c->icount, c->cycles);
			if (nb) {
				prev = nb;
				i = nb->ins;
				end = i + nb->n;
				c->eip_next = eip + i->len;
				SET_BASE0(c->icount, c->cycles, eip);
				NEXT();
			}
		}
		continue;
	}
#undef NEXT
#undef LABEL
#undef SYNC_OUT
#undef SYNC_OUT_SEQ
#undef NO_CALL
#undef CUR_EIP
#undef CUR_IC
#undef CUR_CYC
#undef SET_BASE
#undef SET_BASE0
#undef TAKE_JUMP
}

enum cpu_stop cpu_run(struct cpu *c, uint64_t icount_limit, uint64_t cycle_limit)
{
	c->icount_limit = icount_limit;
	c->cycle_limit = cycle_limit;
	c->stop_request = 0;
	if (c->shutdown)
		return CPU_STOP_SHUTDOWN;
	/* Block links stay valid across calls: every change made from outside
	 * (registers, segments, CRs, A20, memory, state loads) moves the epoch
	 * or invalidates code itself; mem/ layout changes are checked here. */
	mmu_check_generation(c);
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
		c->skip_retire = 0;
		cpu_fetch_reset(c);
	}
	return run_loop(c);
}

void cpu_request_stop(struct cpu *c) { c->stop_request = 1; }

/* A new limit or extra cycles end the running block: it worked out how many
 * of its instructions fit before the limits. */
void cpu_set_cycle_limit(struct cpu *c, uint64_t cycle_limit)
{
	c->cycle_limit = cycle_limit;
	c->brk = 1;
}

uint64_t cpu_icount(const struct cpu *c) { return c->icount; }

const uint64_t *cpu_cycles_ptr(const struct cpu *c) { return &c->cycles; }

void cpu_add_cycles(struct cpu *c, uint64_t n)
{
	c->cycles += n;
	c->brk = 1;
}

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
