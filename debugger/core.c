/*
 * debugger/core.c: the debug core (see debugger/core.h): the breakpoint
 * table, the hooks that check it, the run/step engine and the write choke
 * point. Hooks only read guest state and call machine_request_stop; a hit
 * is kept as the pending stop and reported when machine_run returns.
 */
#include "debugger/core.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/decode.h"
#include "debugger/disas.h"
#include "machine/info.h"
#include "mem/mem.h"
#include "replay/event.h"
#include "replay/replayer.h"

/* Instructions per slice when a poll callback is set (gdb's Ctrl-C). */
#define DBG_SLICE 1000000ull

enum { MODE_REAL, MODE_PROT, MODE_V86 };

struct dbg {
	struct machine *m;
	struct cpu *cpu;
	int handle;
	struct machine_hooks hooks;
	int retire_on;
	struct dbg_bp *bps;
	int next_id;

	int running;
	int pending;
	/* The pending stop was asked during a delivery that is not an
	 * instruction (IRQ, exception, NMI, SMI): the machine stops at the
	 * handler with the icount of the interrupted boundary. */
	int pending_in_delivery;
	int stopped_in_delivery;   /* the last stop was such a one */
	struct dbg_stop pend;
	volatile sig_atomic_t interrupted;
	int last_mode;
	uint64_t over_lin;
	uint32_t over_esp;

	int (*poll)(void *opaque);
	void *poll_opaque;
	void (*wobs)(void *opaque, int kind, uint64_t addr, const uint8_t *data, uint32_t len);
	void *wobs_opaque;
	const char *read_only;
	dbg_run_fn run;
	void *run_opaque;
	struct replay_session *replay;

	struct expr_env env;
	struct decoder dec;
	struct bios_layout bios;
};

/* ---- expression environment ---- */

static const struct { const char *name; int reg, size, shift; } reg_names[] = {
	{ "eax", CPU_EAX, 4, 0 }, { "ecx", CPU_ECX, 4, 0 }, { "edx", CPU_EDX, 4, 0 },
	{ "ebx", CPU_EBX, 4, 0 }, { "esp", CPU_ESP, 4, 0 }, { "ebp", CPU_EBP, 4, 0 },
	{ "esi", CPU_ESI, 4, 0 }, { "edi", CPU_EDI, 4, 0 }, { "eip", CPU_EIP, 4, 0 },
	{ "eflags", CPU_EFLAGS, 4, 0 }, { "cr0", CPU_CR0, 4, 0 }, { "cr2", CPU_CR2, 4, 0 },
	{ "cr3", CPU_CR3, 4, 0 }, { "cr4", CPU_CR4, 4, 0 }, { "dr0", CPU_DR0, 4, 0 },
	{ "dr1", CPU_DR1, 4, 0 }, { "dr2", CPU_DR2, 4, 0 }, { "dr3", CPU_DR3, 4, 0 },
	{ "dr6", CPU_DR6, 4, 0 }, { "dr7", CPU_DR7, 4, 0 },
	{ "ax", CPU_EAX, 2, 0 }, { "cx", CPU_ECX, 2, 0 }, { "dx", CPU_EDX, 2, 0 },
	{ "bx", CPU_EBX, 2, 0 }, { "sp", CPU_ESP, 2, 0 }, { "bp", CPU_EBP, 2, 0 },
	{ "si", CPU_ESI, 2, 0 }, { "di", CPU_EDI, 2, 0 }, { "ip", CPU_EIP, 2, 0 },
	{ "flags", CPU_EFLAGS, 2, 0 }, { "pc", CPU_EIP, 4, 0 },
	{ "al", CPU_EAX, 1, 0 }, { "cl", CPU_ECX, 1, 0 }, { "dl", CPU_EDX, 1, 0 },
	{ "bl", CPU_EBX, 1, 0 }, { "ah", CPU_EAX, 1, 8 }, { "ch", CPU_ECX, 1, 8 },
	{ "dh", CPU_EDX, 1, 8 }, { "bh", CPU_EBX, 1, 8 },
};
static const char *const seg_names[6] = { "es", "cs", "ss", "ds", "fs", "gs" };
static const enum cpu_seg seg_ids[6] = { CPU_ES, CPU_CS, CPU_SS, CPU_DS, CPU_FS, CPU_GS };

int dbg_reg_lookup(const char *name, int *reg, int *size, int *shift)
{
	for (size_t i = 0; i < sizeof(reg_names) / sizeof(reg_names[0]); i++)
		if (!strcmp(name, reg_names[i].name)) {
			*reg = reg_names[i].reg;
			*size = reg_names[i].size;
			*shift = reg_names[i].shift;
			return 0;
		}
	return -1;
}

int dbg_seg_lookup(const char *name)
{
	for (int i = 0; i < 6; i++)
		if (!strcmp(name, seg_names[i]))
			return i;
	return -1;
}

static int env_reg(void *opaque, const char *name, uint64_t *value, int *segreg)
{
	struct dbg *d = opaque;
	int reg, size, shift, s;

	*segreg = -1;
	if (!dbg_reg_lookup(name, &reg, &size, &shift)) {
		uint32_t v = cpu_get_reg(d->cpu, (enum cpu_reg)reg) >> shift;
		*value = size == 4 ? v : v & ((1u << (size * 8)) - 1);
		return 0;
	}
	if ((s = dbg_seg_lookup(name)) >= 0) {
		struct cpu_segment seg;
		cpu_get_seg(d->cpu, seg_ids[s], &seg);
		*value = seg.selector;
		*segreg = s;
		return 0;
	}
	if (!strcmp(name, "icount")) {
		*value = cpu_icount(d->cpu);
		return 0;
	}
	return -1;
}

static int env_mem(void *opaque, uint64_t lin, int size, uint64_t *value)
{
	struct dbg *d = opaque;
	uint8_t b[4] = { 0 };

	if (lin > 0xffffffffull || machine_debug_read_lin(d->m, (uint32_t)lin, b, (size_t)size))
		return -1;
	*value = 0;
	for (int i = size - 1; i >= 0; i--)
		*value = *value << 8 | b[i];
	return 0;
}

static int env_seg_base(void *opaque, int segreg, uint64_t selector, uint64_t *base)
{
	struct dbg *d = opaque;
	uint32_t b;

	if (segreg >= 0 && segreg < 6) {
		struct cpu_segment seg;
		cpu_get_seg(d->cpu, seg_ids[segreg], &seg);
		*base = seg.base;
		return 0;
	}
	if (selector > 0xffff || machine_debug_selector_base(d->m, (uint16_t)selector, &b))
		return -1;
	*base = b;
	return 0;
}

const struct expr_env *dbg_expr_env(struct dbg *d) { return &d->env; }
struct machine *dbg_machine(struct dbg *d) { return d->m; }

uint32_t dbg_pc_linear(struct dbg *d)
{
	struct cpu_segment cs;
	cpu_get_seg(d->cpu, CPU_CS, &cs);
	return cs.base + cpu_get_reg(d->cpu, CPU_EIP);
}

static int cur_mode(struct dbg *d)
{
	uint32_t cr0 = cpu_get_reg(d->cpu, CPU_CR0);
	int mode = !(cr0 & 1) ? MODE_REAL : (cpu_get_reg(d->cpu, CPU_EFLAGS) & 0x20000) ? MODE_V86
										    : MODE_PROT;
	return mode | ((cr0 & 0x80000000u) ? 4 : 0);
}

static const char *mode_name(int mode)
{
	static const char *const names[8] = { "real", "protected", "v86", "?", "real+paging",
					      "protected+paging", "v86+paging", "?" };
	return names[mode & 7];
}

const char *dbg_mode_name(struct dbg *d) { return mode_name(cur_mode(d)); }

static int code32(struct dbg *d)
{
	struct cpu_segment cs;
	cpu_get_seg(d->cpu, CPU_CS, &cs);
	return (cpu_get_reg(d->cpu, CPU_CR0) & 1) && !(cpu_get_reg(d->cpu, CPU_EFLAGS) & 0x20000) &&
	       (cs.attr & 0x4000);
}

int dbg_disas(struct dbg *d, uint32_t lin, int c32, char *text, size_t len)
{
	struct cpu_segment cs;
	uint8_t buf[16];
	int avail = 16;

	/* Branch targets are shown as offsets in CS, as the CPU sees them. */
	cpu_get_seg(d->cpu, CPU_CS, &cs);
	if (c32 < 0)
		c32 = code32(d);
	/* Bytes past an unreadable page are not part of the instruction. */
	while (avail > 0 && machine_debug_read_lin(d->m, lin, buf, (size_t)avail))
		avail--;
	if (!avail) {
		snprintf(text, len, "(unreadable)");
		return 0;
	}
	return dbg_format_insn(&d->dec, buf, avail, lin - cs.base, c32, text, len, NULL);
}

int dbg_insn_steps_over(struct dbg *d, uint32_t lin, int *len)
{
	uint8_t buf[16];
	char text[128];
	int over = 0, avail = 16;

	while (avail > 0 && machine_debug_read_lin(d->m, lin, buf, (size_t)avail))
		avail--;
	*len = dbg_format_insn(&d->dec, buf, avail, 0, code32(d), text, sizeof(text), &over);
	return *len > 0 && over;
}

/* ---- breakpoint table ---- */

int dbg_bp_add(struct dbg *d, const struct dbg_bp *bp)
{
	struct dbg_bp *n = calloc(1, sizeof(*n)), **pp;

	if (!n)
		return -1;
	*n = *bp;
	n->id = ++d->next_id;
	n->next = NULL;
	n->hits = 0;
	n->cond = bp->cond ? strdup(bp->cond) : NULL;
	n->shadow = NULL;
	n->mem_watch = -1;
	if (n->kind == DBG_BP_WATCH) {
		n->shadow = malloc(n->len ? n->len : 1);
		if (n->shadow)
			machine_debug_read_phys(d->m, n->addr, n->shadow, n->len);
		if (n->enabled && (n->access & DBG_ACC_R) &&
		    (n->mem_watch = mem_watch_add(machine_mem(d->m), n->addr, n->len)) < 0) {
			free(n->shadow);
			free(n->cond);
			free(n);
			return -1;   /* MEM_MAX_WATCH read watches at most */
		}
	}
	for (pp = &d->bps; *pp; pp = &(*pp)->next)
		;
	*pp = n;
	return n->id;
}

static void bp_free(struct dbg *d, struct dbg_bp *bp)
{
	if (bp->mem_watch >= 0)
		mem_watch_remove(machine_mem(d->m), bp->mem_watch);
	free(bp->cond);
	free(bp->shadow);
	free(bp);
}

int dbg_bp_delete(struct dbg *d, int id)
{
	for (struct dbg_bp **pp = &d->bps; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			struct dbg_bp *bp = *pp;
			*pp = bp->next;
			bp_free(d, bp);
			return 0;
		}
	return -1;
}

void dbg_bp_delete_all(struct dbg *d, int owner)
{
	for (struct dbg_bp **pp = &d->bps; *pp;) {
		struct dbg_bp *bp = *pp;
		if (owner < 0 || bp->owner == owner) {
			*pp = bp->next;
			bp_free(d, bp);
		} else {
			pp = &bp->next;
		}
	}
}

struct dbg_bp *dbg_bp_find(struct dbg *d, int id)
{
	for (struct dbg_bp *bp = d->bps; bp; bp = bp->next)
		if (bp->id == id)
			return bp;
	return NULL;
}

struct dbg_bp *dbg_bp_first(struct dbg *d) { return d->bps; }

struct dbg_bp *dbg_bp_find_gdb(struct dbg *d, enum dbg_bp_kind kind, uint64_t addr, int access)
{
	for (struct dbg_bp *bp = d->bps; bp; bp = bp->next)
		if (bp->owner == 1 && bp->kind == kind && bp->addr == addr &&
		    (kind != DBG_BP_WATCH || bp->access == access))
			return bp;
	return NULL;
}

int dbg_bp_set_cond(struct dbg *d, int id, const char *cond, char *err, size_t errlen)
{
	struct dbg_bp *bp = dbg_bp_find(d, id);
	uint64_t v;

	if (!bp) {
		snprintf(err, errlen, "no breakpoint number %d", id);
		return -1;
	}
	if (cond && expr_eval(&d->env, cond, &v, err, errlen))
		return -1;
	free(bp->cond);
	bp->cond = cond ? strdup(cond) : NULL;
	return 0;
}

void dbg_bp_what(const struct dbg_bp *bp, char *what, size_t wlen)
{
	static const char *const acc[4] = { "", "r", "w", "rw" };

	switch (bp->kind) {
	case DBG_BP_PHYS: snprintf(what, wlen, "break phys 0x%08" PRIx64, bp->addr); break;
	case DBG_BP_SEGOFF:
		snprintf(what, wlen, "break %04x:%08" PRIx64, bp->seg, bp->addr);
		break;
	case DBG_BP_LINEAR: snprintf(what, wlen, "break linear 0x%08" PRIx64, bp->addr); break;
	case DBG_BP_INT: snprintf(what, wlen, "break int 0x%02x", bp->vector); break;
	case DBG_BP_IO:
		if (bp->port_lo == bp->port_hi)
			snprintf(what, wlen, "break io 0x%04x %s", bp->port_lo, acc[bp->access & 3]);
		else
			snprintf(what, wlen, "break io 0x%04x-0x%04x %s", bp->port_lo, bp->port_hi,
				 acc[bp->access & 3]);
		break;
	case DBG_BP_MODE: snprintf(what, wlen, "break mode"); break;
	case DBG_BP_MILESTONE:
		snprintf(what, wlen, "break milestone %s", milestone_name(bp->milestone));
		break;
	case DBG_BP_WATCH:
		snprintf(what, wlen, "watch phys 0x%08" PRIx64 " len %u %s", bp->addr, bp->len,
			 acc[bp->access & 3]);
		break;
	default: snprintf(what, wlen, "?"); break;
	}
}

void dbg_bp_describe(struct dbg *d, const struct dbg_bp *bp, char *buf, size_t len)
{
	char what[128];
	int n;

	dbg_bp_what(bp, what, sizeof(what));
	n = snprintf(buf, len, "%-3d %-3s %s%s", bp->id, bp->enabled ? "y" : "n", what,
		     bp->owner ? " (gdb)" : "");
	if (bp->cond && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " if %s", bp->cond);
	if (bp->ignore && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " ignore %" PRIu64, bp->ignore);
	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " hits %" PRIu64, bp->hits);
}

/* ---- hits ---- */

/* A breakpoint matched: apply its condition and ignore count, then make it
 * the pending stop (the first hit of a run wins). */
static void bp_hit(struct dbg *d, struct dbg_bp *bp, const char *detail)
{
	char err[160];
	uint64_t v = 1;

	if (d->pending)
		return;
	if (bp->cond && expr_eval(&d->env, bp->cond, &v, err, sizeof(err))) {
		snprintf(d->pend.detail, sizeof(d->pend.detail), "%s; condition error: %s", detail, err);
		v = 1;
	} else {
		snprintf(d->pend.detail, sizeof(d->pend.detail), "%s", detail);
	}
	if (!v)
		return;
	if (bp->ignore) {
		bp->ignore--;
		bp->hits++;
		return;
	}
	bp->hits++;
	d->pending = 1;
	d->pend.kind = DBG_STOP_BREAK;
	d->pend.bp_id = bp->id;
	d->pend.bp_kind = bp->kind;
	machine_request_stop(d->m, 0);
}

static int is_exec(const struct dbg_bp *bp)
{
	return bp->enabled && (bp->kind == DBG_BP_PHYS || bp->kind == DBG_BP_SEGOFF ||
			       bp->kind == DBG_BP_LINEAR);
}

/* Execution breakpoints against the instruction about to run at CS:EIP. */
static void check_exec(struct dbg *d, const char *how)
{
	struct cpu_segment cs;
	uint32_t eip = cpu_get_reg(d->cpu, CPU_EIP), lin;
	uint64_t pa = 0;
	int have_pa = -1;
	struct phys_key key;
	char detail[300];

	cpu_get_seg(d->cpu, CPU_CS, &cs);
	lin = cs.base + eip;
	for (struct dbg_bp *bp = d->bps; bp && !d->pending; bp = bp->next) {
		if (!is_exec(bp))
			continue;
		if (bp->kind == DBG_BP_SEGOFF) {
			if (cs.selector != bp->seg || eip != (uint32_t)bp->addr)
				continue;
			snprintf(detail, sizeof(detail), "breakpoint %d at %04x:%08x (linear 0x%08x)%s",
				 bp->id, cs.selector, eip, lin, how);
		} else if (bp->kind == DBG_BP_LINEAR) {
			if (lin != (uint32_t)bp->addr)
				continue;
			snprintf(detail, sizeof(detail), "breakpoint %d at linear 0x%08x (%04x:%08x)%s",
				 bp->id, lin, cs.selector, eip, how);
		} else {
			struct phys_key bk;
			char desc[96];
			if (have_pa < 0) {
				have_pa = machine_debug_translate(d->m, lin, &pa) == 0;
				key.rom = 0;
				/* Only the BIOS windows have aliases worth resolving. */
				if (have_pa && ((pa >= 0xC0000 && pa < 0x100000) || pa >= 0xFF000000u))
					machine_debug_phys_key_fast(d->m, &d->bios, pa, &key);
			}
			if (!have_pa)
				continue;
			if (bp->addr != pa) {
				if (!key.rom)
					continue;
				machine_debug_phys_key_fast(d->m, &d->bios, bp->addr, &bk);
				if (!bk.rom || bk.offset != key.offset)
					continue;
			}
			machine_debug_describe_phys(d->m, pa, desc, sizeof(desc));
			if (pa == bp->addr && !key.rom)
				snprintf(detail, sizeof(detail),
					 "breakpoint %d at phys 0x%08" PRIx64 ": %04x:%08x linear 0x%08x%s",
					 bp->id, bp->addr, cs.selector, eip, lin, how);
			else
				snprintf(detail, sizeof(detail),
					 "breakpoint %d at phys 0x%08" PRIx64 " hit via phys 0x%08" PRIx64
					 " (%s): %04x:%08x linear 0x%08x%s",
					 bp->id, bp->addr, pa, desc, cs.selector, eip, lin, how);
		}
		bp_hit(d, bp, detail);
	}
}

static void check_watch(struct dbg *d, uint16_t cs, uint32_t eip)
{
	uint8_t now[64];

	for (struct dbg_bp *bp = d->bps; bp; bp = bp->next) {
		if (bp->kind != DBG_BP_WATCH || !bp->enabled || !(bp->access & DBG_ACC_W) || !bp->shadow)
			continue;
		for (uint32_t off = 0; off < bp->len; off += sizeof(now)) {
			uint32_t n = bp->len - off < sizeof(now) ? bp->len - off : sizeof(now);
			machine_debug_read_phys(d->m, bp->addr + off, now, n);
			if (!memcmp(now, bp->shadow + off, n))
				continue;
			uint32_t i = 0;
			while (now[i] == bp->shadow[off + i])
				i++;
			char detail[300];
			snprintf(detail, sizeof(detail),
				 "watchpoint %d: phys 0x%08" PRIx64 " changed 0x%02x -> 0x%02x, written by "
				 "the instruction at %04x:%08x", bp->id, bp->addr + off + i,
				 bp->shadow[off + i], now[i], cs, eip);
			memcpy(bp->shadow + off, now, n);
			if (!d->pending)
				d->pend.watch_addr = bp->addr + off + i;
			bp_hit(d, bp, detail);
		}
	}
}

/* Whether the instruction at CS:EIP is a REP string instruction between two
 * iterations (it retired an iteration and stays at its own address). */
static int rep_in_progress(struct dbg *d, uint16_t cs, uint32_t eip)
{
	struct cpu_segment cur;
	int len;

	cpu_get_seg(d->cpu, CPU_CS, &cur);
	if (cur.selector != cs || cpu_get_reg(d->cpu, CPU_EIP) != eip)
		return 0;
	return dbg_insn_steps_over(d, cur.base + eip, &len) && len > 0;
}

static void check_mode(struct dbg *d, const char *how)
{
	int mode = cur_mode(d);

	if (mode == d->last_mode)
		return;
	for (struct dbg_bp *bp = d->bps; bp; bp = bp->next)
		if (bp->enabled && bp->kind == DBG_BP_MODE) {
			char detail[200];
			struct cpu_segment cs;
			cpu_get_seg(d->cpu, CPU_CS, &cs);
			snprintf(detail, sizeof(detail), "breakpoint %d: mode %s -> %s%s, next %04x:%08x",
				 bp->id, mode_name(d->last_mode), mode_name(mode), how, cs.selector,
				 cpu_get_reg(d->cpu, CPU_EIP));
			bp_hit(d, bp, detail);
		}
	d->last_mode = mode;
}

static void on_retire(void *opaque, uint16_t cs, uint32_t eip)
{
	struct dbg *d = opaque;

	if (!d->running)
		return;
	check_watch(d, cs, eip);
	check_mode(d, "");
	if (d->over_lin != UINT64_MAX && !d->pending && dbg_pc_linear(d) == (uint32_t)d->over_lin &&
	    cpu_get_reg(d->cpu, CPU_ESP) >= d->over_esp) {
		d->pending = 1;
		d->pend.kind = DBG_STOP_DONE;
		d->pend.detail[0] = 0;
		machine_request_stop(d->m, 0);
	}
	if (!rep_in_progress(d, cs, eip))
		check_exec(d, "");
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case CPU_INT_EXCEPTION: return "exception";
	case CPU_INT_SOFT: return "software";
	case CPU_INT_HARD: return "hardware";
	case CPU_INT_NMI: return "nmi";
	case CPU_INT_SMI: return "smi";
	default: return "?";
	}
}

static void on_interrupt(void *opaque, int vector, int kind, int error, uint16_t cs, uint32_t eip,
			 uint16_t new_cs, uint32_t new_eip)
{
	struct dbg *d = opaque;
	char detail[300], table[80] = "";
	int was_pending = d->pending;

	if (!d->running)
		return;
	for (struct dbg_bp *bp = d->bps; bp; bp = bp->next) {
		if (!bp->enabled || bp->kind != DBG_BP_INT || bp->vector != vector || d->pending)
			continue;
		if (!(cpu_get_reg(d->cpu, CPU_CR0) & 1)) {
			struct cpu_segment idtr;
			uint8_t b[4];
			cpu_get_seg(d->cpu, CPU_IDTR, &idtr);
			if (!machine_debug_read_lin(d->m, idtr.base + 4u * (uint32_t)vector, b, 4))
				snprintf(table, sizeof(table), ", IVT[0x%02x] = %04x:%04x", vector,
					 b[2] | b[3] << 8, b[0] | b[1] << 8);
		}
		snprintf(detail, sizeof(detail),
			 "breakpoint %d: int 0x%02x (%s%s) from %04x:%08x to handler %04x:%08x%s",
			 bp->id, vector, kind_name(kind), error >= 0 ? ", error code" : "", cs, eip,
			 new_cs, new_eip, table);
		if (error >= 0) {
			size_t l = strlen(detail);
			snprintf(detail + l, sizeof(detail) - l, " error 0x%x", (unsigned)error);
		}
		bp_hit(d, bp, detail);
	}
	/* Software interrupts reach the handler through the retire hook. */
	if (kind != CPU_INT_SOFT && d->retire_on) {
		char how[64];
		snprintf(how, sizeof(how), " (entered by %s int 0x%02x)", kind_name(kind), vector);
		check_exec(d, how);
	}
	if (!was_pending && d->pending && kind != CPU_INT_SOFT)
		d->pending_in_delivery = 1;
}

static void on_io(void *opaque, uint16_t port, int size, int is_write, uint32_t value)
{
	struct dbg *d = opaque;

	if (!d->running)
		return;
	for (struct dbg_bp *bp = d->bps; bp; bp = bp->next) {
		if (!bp->enabled || bp->kind != DBG_BP_IO || port < bp->port_lo || port > bp->port_hi ||
		    !(bp->access & (is_write ? DBG_ACC_W : DBG_ACC_R)))
			continue;
		char detail[200];
		struct cpu_segment cs;
		cpu_get_seg(d->cpu, CPU_CS, &cs);
		snprintf(detail, sizeof(detail),
			 "breakpoint %d: io %s port 0x%04x size %d value 0x%0*x by the instruction at "
			 "%04x:%08x", bp->id, is_write ? "write" : "read", port, size, size * 2, value,
			 cs.selector, cpu_get_reg(d->cpu, CPU_EIP));
		bp_hit(d, bp, detail);
	}
}

static void on_milestone(void *opaque, enum milestone id, uint32_t boot, uint64_t icount)
{
	struct dbg *d = opaque;

	if (!d->running)
		return;
	for (struct dbg_bp *bp = d->bps; bp; bp = bp->next)
		if (bp->enabled && bp->kind == DBG_BP_MILESTONE && bp->milestone == (int)id) {
			char detail[160];
			snprintf(detail, sizeof(detail), "breakpoint %d: milestone %s (boot %u, icount %"
				 PRIu64 ")", bp->id, milestone_name(id), boot, icount);
			bp_hit(d, bp, detail);
		}
}

static void after_reset(struct dbg *d, const char *how)
{
	if (!d->running)
		return;
	check_mode(d, how);
	check_exec(d, how);
}

static void on_system_reset(void *opaque, int cause)
{
	after_reset(opaque, " (after a system reset)");
}

static void on_cpu_reset(void *opaque)
{
	after_reset(opaque, " (after a CPU INIT)");
}

/* A CPU read overlapping an installed read watch (mem/'s watch_read hook,
 * during the instruction): stops after it. */
static void on_watch_read(void *opaque, uint64_t pa, int size, uint32_t value)
{
	struct dbg *d = opaque;
	struct cpu_segment cs;

	if (!d->running)
		return;
	cpu_get_seg(d->cpu, CPU_CS, &cs);
	for (struct dbg_bp *bp = d->bps; bp; bp = bp->next) {
		char detail[300];
		if (bp->kind != DBG_BP_WATCH || !bp->enabled || !(bp->access & DBG_ACC_R) ||
		    bp->addr >= pa + (uint64_t)size || bp->addr + bp->len <= pa)
			continue;
		snprintf(detail, sizeof(detail),
			 "watchpoint %d: phys 0x%08" PRIx64 " read (%d bytes at 0x%08" PRIx64
			 ", value 0x%0*x) by the instruction at %04x:%08x", bp->id,
			 pa > bp->addr ? pa : bp->addr, size, pa, 2 * size, value, cs.selector,
			 cpu_get_reg(d->cpu, CPU_EIP));
		if (!d->pending)
			d->pend.watch_addr = pa > bp->addr ? pa : bp->addr;
		bp_hit(d, bp, detail);
	}
}

/* Install mem/ read watches for enabled read watchpoints, remove the rest.
 * Returns whether any is installed. */
static int sync_read_watches(struct dbg *d)
{
	struct mem *mem = machine_mem(d->m);
	int any = 0;

	for (struct dbg_bp *bp = d->bps; bp; bp = bp->next) {
		int want = bp->kind == DBG_BP_WATCH && bp->enabled && (bp->access & DBG_ACC_R);
		if (want && bp->mem_watch < 0)
			bp->mem_watch = mem_watch_add(mem, bp->addr, bp->len);
		else if (!want && bp->mem_watch >= 0) {
			mem_watch_remove(mem, bp->mem_watch);
			bp->mem_watch = -1;
		}
		any |= bp->mem_watch >= 0;
	}
	return any;
}

/* Attach the retire and read-watch hooks only while something needs them. */
static void update_hooks(struct dbg *d)
{
	int need = d->over_lin != UINT64_MAX;
	int reads = sync_read_watches(d);

	for (struct dbg_bp *bp = d->bps; bp && !need; bp = bp->next)
		need = bp->enabled && (is_exec(bp) || bp->kind == DBG_BP_MODE ||
				       (bp->kind == DBG_BP_WATCH && (bp->access & DBG_ACC_W)));
	if (need == d->retire_on && reads == (d->hooks.watch_read != NULL))
		return;
	d->retire_on = need;
	d->hooks.retire = need ? on_retire : NULL;
	d->hooks.watch_read = reads ? on_watch_read : NULL;
	machine_set_hooks(d->m, d->handle, &d->hooks);
}

/* ---- life cycle ---- */

struct dbg *dbg_new(struct machine *m)
{
	struct dbg *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->m = m;
	d->cpu = machine_cpu(m);
	d->over_lin = UINT64_MAX;
	d->hooks = (struct machine_hooks){
		.opaque = d, .interrupt = on_interrupt, .io = on_io, .milestone = on_milestone,
		.system_reset = on_system_reset, .cpu_reset = on_cpu_reset,
	};
	d->handle = machine_add_hooks(m, &d->hooks);
	if (d->handle < 0) {
		free(d);
		return NULL;
	}
	d->env = (struct expr_env){ .opaque = d, .reg = env_reg, .mem = env_mem,
				    .seg_base = env_seg_base };
	decoder_init(&d->dec);
	machine_debug_bios_layout(m, &d->bios);
	d->last_mode = cur_mode(d);
	return d;
}

void dbg_free(struct dbg *d)
{
	if (!d)
		return;
	machine_set_hooks(d->m, d->handle, NULL);
	dbg_bp_delete_all(d, -1);
	free(d);
}

void dbg_set_write_observer(struct dbg *d,
			    void (*fn)(void *opaque, int kind, uint64_t addr, const uint8_t *data,
				       uint32_t len),
			    void *opaque)
{
	d->wobs = fn;
	d->wobs_opaque = opaque;
}

void dbg_set_read_only(struct dbg *d, const char *why) { d->read_only = why; }

void dbg_set_runner(struct dbg *d, dbg_run_fn run, void *opaque)
{
	d->run = run;
	d->run_opaque = opaque;
}

const char dbg_needs_replay[] =
	"reverse execution needs a replay: record with --record, then lockstep replay FILE --monitor";
static const char replay_read_only[] =
	"a replay's guest state comes from the trace: set, set mem and reset are refused "
	"(record changes with run --monitor --record)";

static enum machine_stop run_replay(void *opaque, const struct machine_until *until, char *note,
				    size_t notelen)
{
	return replay_session_run(opaque, until, note, notelen);
}

void dbg_set_replay(struct dbg *d, struct replay_session *s)
{
	d->replay = s;
	dbg_set_runner(d, s ? run_replay : NULL, s);
	dbg_set_read_only(d, s ? replay_read_only : NULL);
}

struct replay_session *dbg_replay(struct dbg *d) { return d->replay; }

void dbg_set_poll(struct dbg *d, int (*poll)(void *opaque), void *opaque)
{
	d->poll = poll;
	d->poll_opaque = opaque;
}

void dbg_interrupt(struct dbg *d)
{
	d->interrupted = 1;
	machine_request_stop(d->m, 0);
}

int dbg_apply_write(struct dbg *d, const struct dbg_write *w, char *err, size_t errlen)
{
	uint8_t bytes[4];
	const uint8_t *data = bytes;
	uint64_t addr;
	uint32_t len;
	int kind = TRACE_INPUT_MONITOR_REG;

	if (d->read_only) {
		snprintf(err, errlen, "%s", d->read_only);
		return -1;
	}
	/* A recorded write is replayed at the icount of the stop; a stop inside
	 * a delivery shares its icount with the boundary before the delivery,
	 * where replay would apply it. */
	if (d->wobs && d->stopped_in_delivery) {
		snprintf(err, errlen, "stopped inside an interrupt delivery, where a recorded "
			 "change cannot be replayed: step once first");
		return -1;
	}
	/* Check everything first: an observer records only writes that happen. */
	switch (w->kind) {
	case DBG_WRITE_REG:
		if (w->reg < 0 || w->reg >= CPU_NREGS) {
			snprintf(err, errlen, "bad register");
			return -1;
		}
		addr = (uint64_t)w->reg;
		len = 4;
		for (int i = 0; i < 4; i++)
			bytes[i] = (uint8_t)(w->value >> (8 * i));
		break;
	case DBG_WRITE_SEG: {
		uint32_t base;
		if (w->reg < 0 || w->reg > CPU_GS) {
			snprintf(err, errlen, "bad segment register");
			return -1;
		}
		if (machine_debug_selector_base(d->m, (uint16_t)w->value, &base)) {
			snprintf(err, errlen, "selector 0x%04x is outside the descriptor table",
				 w->value & 0xffff);
			return -1;
		}
		addr = REPLAY_MONREG_SEG + (uint64_t)w->reg;
		len = 2;
		bytes[0] = (uint8_t)w->value;
		bytes[1] = (uint8_t)(w->value >> 8);
		break;
	}
	case DBG_WRITE_RESET:
		addr = REPLAY_MONREG_RESET;
		len = 0;
		break;
	case DBG_WRITE_MEM:
		kind = TRACE_INPUT_MONITOR_MEM;
		addr = w->addr;
		len = w->len;
		data = w->data;
		if (addr >= 0x100000000ull || len > 0x100000000ull - addr || len > TRACE_EVENT_MAX_DATA) {
			snprintf(err, errlen, "phys 0x%08" PRIx64 ": beyond 4 GiB", addr);
			return -1;
		}
		for (uint64_t p = addr & ~4095ull; p < addr + len; p += 4096) {
			uint8_t b;
			if (machine_debug_read_phys(d->m, p < addr ? addr : p, &b, 1)) {
				snprintf(err, errlen, "phys 0x%08" PRIx64 ": not plain memory (device or "
					 "unmapped); not written", addr);
				return -1;
			}
		}
		break;
	default:
		snprintf(err, errlen, "bad write");
		return -1;
	}
	if (d->wobs)
		d->wobs(d->wobs_opaque, kind, addr, data, len);
	if (replay_apply_monitor_input(d->m, kind, addr, data, len, err, errlen))
		return -1;
	if (w->kind == DBG_WRITE_MEM) {
		uint8_t back[64];
		/* ROM and write-protected shadow drop the write, as for the guest. */
		for (uint32_t off = 0; off < w->len; off += sizeof(back)) {
			uint32_t n = w->len - off < sizeof(back) ? w->len - off : sizeof(back);
			machine_debug_read_phys(d->m, w->addr + off, back, n);
			if (memcmp(back, w->data + off, n)) {
				snprintf(err, errlen, "phys 0x%08" PRIx64 ": the write was dropped (ROM or "
					 "write-protected shadow RAM)", w->addr);
				return -1;
			}
		}
	}
	return 0;
}

/* ---- running ---- */

void dbg_resume(struct dbg *d, uint64_t icount_target, uint64_t step_over_lin,
		uint32_t step_over_esp, struct dbg_stop *out)
{
	uint64_t cap = machine_icount_cap(d->m);
	int spurious = 0;
	char note[sizeof(out->detail)];

	memset(out, 0, sizeof(*out));
	memset(&d->pend, 0, sizeof(d->pend));
	d->pending = 0;
	d->pending_in_delivery = 0;
	d->interrupted = 0;
	d->over_lin = step_over_lin;
	d->over_esp = step_over_esp;
	d->last_mode = cur_mode(d);
	for (struct dbg_bp *bp = d->bps; bp; bp = bp->next)
		if (bp->kind == DBG_BP_WATCH && bp->shadow)
			machine_debug_read_phys(d->m, bp->addr, bp->shadow, bp->len);
	update_hooks(d);
	d->running = 1;
	for (;;) {
		uint64_t ic = cpu_icount(d->cpu), limit = icount_target;
		struct machine_until until = { UNTIL_ICOUNT, 0 };
		enum machine_stop r;

		if (ic >= icount_target) {
			out->kind = DBG_STOP_DONE;
			break;
		}
		if (d->poll) {
			uint64_t slice_end = ic + DBG_SLICE;
			if (slice_end < limit)
				limit = slice_end;
			if (cap < limit)
				limit = cap > ic ? cap : ic + 1;
		}
		until.value = limit;
		note[0] = 0;
		if (d->run)
			r = d->run(d->run_opaque, limit == UINT64_MAX ? NULL : &until, note, sizeof(note));
		else
			r = machine_run(d->m, limit == UINT64_MAX ? NULL : &until);
		if (d->pending && (r == MACHINE_STOP_REQUEST || r == MACHINE_STOP_UNTIL ||
				   r == MACHINE_STOP_SIGNAL)) {
			*out = d->pend;
			break;
		}
		if (note[0]) {
			out->kind = DBG_STOP_REPLAY;
			snprintf(out->detail, sizeof(out->detail), "%s", note);
			break;
		}
		if (d->interrupted) {
			out->kind = DBG_STOP_INTERRUPTED;
			break;
		}
		if (r == MACHINE_STOP_UNTIL) {
			if (cpu_icount(d->cpu) >= icount_target) {
				out->kind = DBG_STOP_DONE;
				break;
			}
			if (cpu_icount(d->cpu) >= cap) {
				out->kind = DBG_STOP_MACHINE;
				out->mstop = MACHINE_STOP_CAP;
				break;
			}
			if (d->poll && d->poll(d->poll_opaque)) {
				out->kind = DBG_STOP_INTERRUPTED;
				break;
			}
			continue;
		}
		/* A stop request left over from a hit that coincided with another
		 * stop reason: it returns at once, without progress. */
		if (r == MACHINE_STOP_REQUEST && cpu_icount(d->cpu) == ic && !spurious++)
			continue;
		out->kind = DBG_STOP_MACHINE;
		out->mstop = r;
		if (d->pending) {
			out->bp_id = d->pend.bp_id;
			out->bp_kind = d->pend.bp_kind;
			snprintf(out->detail, sizeof(out->detail), "%s", d->pend.detail);
		}
		break;
	}
	d->running = 0;
	d->stopped_in_delivery = d->pending && d->pending_in_delivery;
	d->over_lin = UINT64_MAX;
	if (out->kind == DBG_STOP_BREAK) {
		struct dbg_bp *bp = dbg_bp_find(d, out->bp_id);
		if (bp && bp->temporary)
			dbg_bp_delete(d, bp->id);
	}
	update_hooks(d);
}
