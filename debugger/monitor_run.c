/*
 * debugger/monitor_run.c: the monitor's execution and breakpoint commands
 * (continue, step, next, until, run-to, reset; break, lbreak, watch, delete,
 * enable, disable, condition, ignore) and the stop report they print.
 */
#include <ctype.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "debugger/monitor_internal.h"
#include "machine/info.h"
#include "mem/mem.h"
#include "replay/replayer.h"

void mon_print_where(struct monitor *mon)
{
	struct cpu *c = machine_cpu(mon->m);
	struct cpu_segment cs;
	char text[160];
	uint32_t eip = cpu_get_reg(c, CPU_EIP);

	cpu_get_seg(c, CPU_CS, &cs);
	dbg_disas(mon->d, cs.base + eip, -1, text, sizeof(text));
	if (eip <= 0xffff && !(cs.attr & 0x4000))
		fprintf(mon->out, "[icount %" PRIu64 "] %04x:%04x (linear 0x%08x): %s\n", cpu_icount(c),
			cs.selector, eip, cs.base + eip, text);
	else
		fprintf(mon->out, "[icount %" PRIu64 "] %04x:%08x (linear 0x%08x): %s\n", cpu_icount(c),
			cs.selector, eip, cs.base + eip, text);
}

void mon_print_stop(struct monitor *mon, const struct dbg_stop *st)
{
	char summary[320];

	switch (st->kind) {
	case DBG_STOP_DONE:
		break;
	case DBG_STOP_BREAK:
		fprintf(mon->out, "stopped: %s\n", st->detail);
		break;
	case DBG_STOP_INTERRUPTED:
		fprintf(mon->out, "stopped: interrupted%s%s\n", st->detail[0] ? " " : "", st->detail);
		break;
	case DBG_STOP_REPLAY:
		machine_flush_output(mon->m);
		fprintf(mon->out, "stopped: %s\n", st->detail);
		break;
	case DBG_STOP_MACHINE:
		machine_flush_output(mon->m);
		if (st->detail[0])
			fprintf(mon->out, "stopped: %s\n", st->detail);
		machine_format_summary(mon->m, st->mstop, summary, sizeof(summary));
		fprintf(mon->out, "machine %s\n", summary);
		break;
	}
	mon_print_where(mon);
}

/* The front end's one piece of global state: the debugger (and the replay
 * whose seeks) a SIGINT stops. */
static struct dbg *volatile sigint_dbg;
static struct replay_session *volatile sigint_replay;

static void on_sigint(int sig)
{
	(void)sig;
	if (sigint_replay)
		replay_session_interrupt(sigint_replay);
	if (sigint_dbg)
		dbg_interrupt(sigint_dbg);
}

/* Ctrl-C stops what runs between arm and disarm (a resume, a goto, a
 * reverse scan) instead of the process. */
static void sigint_arm(struct monitor *mon, struct sigaction *old)
{
	struct sigaction sa;

	fflush(mon->out);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigint_replay = dbg_replay(mon->d);
	sigint_dbg = mon->d;
	sigaction(SIGINT, &sa, old);
}

static void sigint_disarm(const struct sigaction *old)
{
	sigaction(SIGINT, old, NULL);
	sigint_dbg = NULL;
	sigint_replay = NULL;
}

void mon_resume(struct monitor *mon, uint64_t icount_target, uint64_t over_lin, uint32_t over_esp)
{
	struct sigaction old;
	struct dbg_stop st;

	sigint_arm(mon, &old);
	dbg_resume(mon->d, icount_target, over_lin, over_esp, &st);
	sigint_disarm(&old);
	mon_print_stop(mon, &st);
}

int mon_cmd_continue(struct monitor *mon, char *args, const char *fmt)
{
	if (*args)
		return mon_error(mon, "usage: continue");
	mon_resume(mon, UINT64_MAX, UINT64_MAX, 0);
	return 0;
}

static int parse_count(struct monitor *mon, char *args, uint64_t *n)
{
	*n = 1;
	if (*args && (mon_eval(mon, args, n) || !*n))
		return *n ? -1 : mon_error(mon, "count must be at least 1");
	return 0;
}

/* Run over the instruction at CS:EIP (CALL, INT, REP): stop when the next
 * instruction is reached with the stack no deeper than now. */
static void step_over(struct monitor *mon, int len)
{
	struct cpu *c = machine_cpu(mon->m);
	struct cpu_segment cs;
	uint32_t eip = cpu_get_reg(c, CPU_EIP) + (uint32_t)len;

	cpu_get_seg(c, CPU_CS, &cs);
	if (!(cs.attr & 0x4000))
		eip &= 0xffff;
	mon_resume(mon, UINT64_MAX, cs.base + eip, cpu_get_reg(c, CPU_ESP));
}

int mon_cmd_step(struct monitor *mon, char *args, const char *fmt)
{
	uint64_t n;
	int len;

	if (!strcmp(args, "over-rep")) {
		char text[160];
		dbg_disas(mon->d, dbg_pc_linear(mon->d), -1, text, sizeof(text));
		if (dbg_insn_steps_over(mon->d, dbg_pc_linear(mon->d), &len) && strstr(text, " rep"))
			step_over(mon, len);
		else
			mon_resume(mon, cpu_icount(machine_cpu(mon->m)) + 1, UINT64_MAX, 0);
		return 0;
	}
	if (parse_count(mon, args, &n))
		return -1;
	mon_resume(mon, cpu_icount(machine_cpu(mon->m)) + n, UINT64_MAX, 0);
	return 0;
}

int mon_cmd_next(struct monitor *mon, char *args, const char *fmt)
{
	uint64_t n;
	int len;

	if (parse_count(mon, args, &n))
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		if (dbg_insn_steps_over(mon->d, dbg_pc_linear(mon->d), &len))
			step_over(mon, len);
		else
			mon_resume(mon, cpu_icount(machine_cpu(mon->m)) + 1, UINT64_MAX, 0);
	}
	return 0;
}

int mon_cmd_run_to(struct monitor *mon, char *args, const char *fmt)
{
	char *what = mon_word(&args);
	uint64_t n, now = cpu_icount(machine_cpu(mon->m));

	if (strcmp(what, "icount") || !*args)
		return mon_error(mon, "usage: run-to icount N");
	if (mon_eval(mon, args, &n))
		return -1;
	if (n < now && dbg_replay(mon->d))
		return mon_error(mon, "icount %" PRIu64 " is in the past: goto icount %" PRIu64
				 " goes back", n, n);
	if (n < now)
		return mon_error(mon, "icount %" PRIu64 " is in the past (%s)", n, dbg_needs_replay);
	mon_resume(mon, n, UINT64_MAX, 0);
	return 0;
}

int mon_cmd_reset(struct monitor *mon, char *args, const char *fmt)
{
	struct dbg_write w = { .kind = DBG_WRITE_RESET, .value = 2 /* ISA_RESET_SYSTEM */ };
	char err[256];

	if (dbg_apply_write(mon->d, &w, err, sizeof(err)))
		return mon_error(mon, "%s", err);
	fprintf(mon->out, "system reset\n");
	mon_print_where(mon);
	return 0;
}

/* ---- reverse execution (replay only) ---- */

static int need_replay(struct monitor *mon)
{
	if (dbg_replay(mon->d))
		return 0;
	return mon_error(mon, "%s", dbg_needs_replay);
}

int mon_cmd_reverse_step(struct monitor *mon, char *args, const char *fmt)
{
	struct sigaction old;
	struct dbg_stop st;
	uint64_t n;
	int r;

	if (need_replay(mon) || parse_count(mon, args, &n))
		return -1;
	sigint_arm(mon, &old);
	r = dbg_reverse_step(mon->d, n, &st);
	sigint_disarm(&old);
	if (r)
		return mon_error(mon, "%s", st.detail);
	mon_print_stop(mon, &st);
	return 0;
}

int mon_cmd_reverse_continue(struct monitor *mon, char *args, const char *fmt)
{
	struct sigaction old;
	struct dbg_stop st;
	int r;

	if (need_replay(mon))
		return -1;
	if (*args)
		return mon_error(mon, "usage: reverse-continue");
	sigint_arm(mon, &old);
	r = dbg_reverse_continue(mon->d, &st);
	sigint_disarm(&old);
	if (r)
		return mon_error(mon, "%s", st.detail);
	mon_print_stop(mon, &st);
	return 0;
}

int mon_cmd_goto(struct monitor *mon, char *args, const char *fmt)
{
	char *what = mon_word(&args), note[1024];
	struct sigaction old;
	uint64_t n;
	int r;

	if (need_replay(mon))
		return -1;
	if (strcmp(what, "icount") || !*args)
		return mon_error(mon, "usage: goto icount N");
	if (mon_eval(mon, args, &n))
		return -1;
	sigint_arm(mon, &old);
	r = dbg_goto(mon->d, n, note, sizeof(note));
	sigint_disarm(&old);
	if (r)
		return mon_error(mon, "%s", note);
	if (note[0])
		fprintf(mon->out, "stopped: %s\n", note);
	mon_print_where(mon);
	return 0;
}

int mon_cmd_when(struct monitor *mon, char *args, const char *fmt)
{
	char buf[256];

	if (need_replay(mon))
		return -1;
	if (*args)
		return mon_error(mon, "usage: when");
	dbg_when(mon->d, buf, sizeof(buf));
	fprintf(mon->out, "%s\n", buf);
	return 0;
}

/* ---- breakpoints ---- */

/* Split "SPEC if COND" at a whole-word "if". */
static char *split_cond(char *args)
{
	for (char *p = args; (p = strstr(p, "if")); p++)
		if ((p == args || p[-1] == ' ' || p[-1] == '\t') && (p[2] == ' ' || p[2] == '\t')) {
			if (p > args)
				p[-1] = 0;
			else
				*p = 0;
			return p + 3;
		}
	return NULL;
}

/* "r", "w", "rw" (default def). */
static int parse_access(struct monitor *mon, const char *s, int def)
{
	if (!*s)
		return def;
	if (!strcmp(s, "r"))
		return DBG_ACC_R;
	if (!strcmp(s, "w"))
		return DBG_ACC_W;
	if (!strcmp(s, "rw") || !strcmp(s, "wr"))
		return DBG_ACC_R | DBG_ACC_W;
	return mon_error(mon, "access must be r, w or rw, not '%s'", s);
}

/* Top-level ':' (outside brackets) that separates SEG:OFF. */
static char *find_segoff(char *s)
{
	int depth = 0;
	for (char *p = s; *p; p++) {
		if (*p == '(' || *p == '[')
			depth++;
		else if (*p == ')' || *p == ']')
			depth--;
		else if (*p == ':' && !depth)
			return p;
	}
	return NULL;
}

static int add_bp(struct monitor *mon, struct dbg_bp *bp, const char *cond)
{
	char desc[400], err[160];
	uint64_t v;
	int id;

	if (cond && expr_eval(dbg_expr_env(mon->d), cond, &v, err, sizeof(err)))
		return mon_error(mon, "condition: %s", err);
	bp->enabled = 1;
	bp->cond = (char *)cond;
	id = dbg_bp_add(mon->d, bp);
	if (id < 0)
		return mon_error(mon, "cannot add it: out of memory, or %d read watchpoints already",
				 MEM_MAX_WATCH);
	dbg_bp_what(dbg_bp_find(mon->d, id), desc, sizeof(desc));
	if (!bp->temporary)
		fprintf(mon->out, "breakpoint %d: %s%s%s\n", id, desc, cond ? " if " : "", cond ? cond : "");
	return id;
}

/* Fill bp for an execution location: SEG:OFF or a physical address. */
static int parse_location(struct monitor *mon, char *spec, struct dbg_bp *bp)
{
	char *colon = find_segoff(spec);
	uint64_t a, b;

	if (colon) {
		char left[64];
		size_t n = (size_t)(colon - spec);
		while (n && (spec[n - 1] == ' ' || spec[n - 1] == '\t'))
			n--;
		if (n >= sizeof(left))
			return mon_error(mon, "segment expression too long");
		memcpy(left, spec, n);
		left[n] = 0;
		/* A segment register name means its current selector. */
		if (mon_eval(mon, left, &a) || mon_eval(mon, colon + 1, &b))
			return -1;
		if (a > 0xffff || b > 0xffffffffull)
			return mon_error(mon, "SEG:OFF out of range");
		bp->kind = DBG_BP_SEGOFF;
		bp->seg = (uint16_t)a;
		bp->addr = b;
		return 0;
	}
	if (mon_eval(mon, spec, &a))
		return -1;
	if (a > 0xffffffffull)
		return mon_error(mon, "physical address 0x%" PRIx64 " is beyond 4 GiB", a);
	bp->kind = DBG_BP_PHYS;
	bp->addr = a;
	return 0;
}

int mon_cmd_break(struct monitor *mon, char *args, const char *fmt)
{
	struct dbg_bp bp;
	char *cond = split_cond(args);
	char *rest = args;
	char *word = mon_word(&rest);
	uint64_t a, b;

	memset(&bp, 0, sizeof(bp));
	if (!*word)
		return mon_print_breakpoints(mon);
	if (!strcmp(word, "int")) {
		if (!*rest || mon_eval(mon, rest, &a))
			return *rest ? -1 : mon_error(mon, "usage: break int VECTOR");
		if (a > 255)
			return mon_error(mon, "vector 0x%" PRIx64 " is beyond 0xff", a);
		bp.kind = DBG_BP_INT;
		bp.vector = (int)a;
	} else if (!strcmp(word, "io")) {
		char *range = mon_word(&rest), *dash = strchr(range, '-');
		int acc;
		if (!*range)
			return mon_error(mon, "usage: break io PORT[-PORT] [r|w|rw]");
		if (dash)
			*dash = 0;
		if (mon_eval(mon, range, &a) || (dash && mon_eval(mon, dash + 1, &b)))
			return -1;
		if (!dash)
			b = a;
		if (a > 0xffff || b > 0xffff || b < a)
			return mon_error(mon, "bad port range");
		if ((acc = parse_access(mon, mon_word(&rest), DBG_ACC_R | DBG_ACC_W)) < 0)
			return -1;
		if (*rest)
			return mon_error(mon, "unexpected '%s'", rest);
		bp.kind = DBG_BP_IO;
		bp.port_lo = (uint16_t)a;
		bp.port_hi = (uint16_t)b;
		bp.access = acc;
	} else if (!strcmp(word, "mode")) {
		if (*rest)
			return mon_error(mon, "usage: break mode");
		bp.kind = DBG_BP_MODE;
	} else if (!strcmp(word, "milestone")) {
		int id = milestone_parse(rest);
		if (id < 0) {
			mon_error(mon, "unknown milestone '%s'; one of:", rest);
			for (int i = 0; i < MILESTONE_COUNT; i++)
				fprintf(mon->out, " %s", milestone_name(i));
			fputc('\n', mon->out);
			return -1;
		}
		bp.kind = DBG_BP_MILESTONE;
		bp.milestone = id;
	} else {
		if (parse_location(mon, args, &bp))
			return -1;
	}
	return add_bp(mon, &bp, cond) < 0 ? -1 : 0;
}

int mon_cmd_lbreak(struct monitor *mon, char *args, const char *fmt)
{
	struct dbg_bp bp;
	char *cond = split_cond(args);
	uint64_t a;

	memset(&bp, 0, sizeof(bp));
	if (!*args)
		return mon_error(mon, "usage: lbreak LINEAR [if EXPR]");
	if (mon_eval(mon, args, &a))
		return -1;
	if (a > 0xffffffffull)
		return mon_error(mon, "linear address 0x%" PRIx64 " is beyond 4 GiB", a);
	bp.kind = DBG_BP_LINEAR;
	bp.addr = a;
	return add_bp(mon, &bp, cond) < 0 ? -1 : 0;
}

int mon_cmd_watch(struct monitor *mon, char *args, const char *fmt)
{
	struct dbg_bp bp;
	char *cond = split_cond(args);
	char *addr = mon_word(&args), *w2 = mon_word(&args), *w3 = mon_word(&args);
	uint64_t a, len = 1;
	int acc = DBG_ACC_W;

	memset(&bp, 0, sizeof(bp));
	if (!*addr || *args)
		return mon_error(mon, "usage: watch PHYS [LEN] [r|w|rw] [if EXPR]");
	if (mon_eval(mon, addr, &a))
		return -1;
	if (*w2 && isdigit((unsigned char)*w2)) {
		if (mon_eval(mon, w2, &len))
			return -1;
		w2 = w3;
	} else if (*w3) {
		return mon_error(mon, "usage: watch PHYS [LEN] [r|w|rw] [if EXPR]");
	}
	if ((acc = parse_access(mon, w2, DBG_ACC_W)) < 0)
		return -1;
	if (!len || len > 4096 || a + len > 0x100000000ull)
		return mon_error(mon, "length must be 1..4096 within 4 GiB");
	bp.kind = DBG_BP_WATCH;
	bp.addr = a;
	bp.len = (uint32_t)len;
	bp.access = acc;
	return add_bp(mon, &bp, cond) < 0 ? -1 : 0;
}

int mon_print_breakpoints(struct monitor *mon)
{
	char desc[400];
	struct dbg_bp *bp = dbg_bp_first(mon->d);

	if (!bp) {
		fprintf(mon->out, "no breakpoints\n");
		return 0;
	}
	fprintf(mon->out, "Num Enb What\n");
	for (; bp; bp = bp->next) {
		dbg_bp_describe(mon->d, bp, desc, sizeof(desc));
		fprintf(mon->out, "%s\n", desc);
	}
	return 0;
}

/* Apply fn to every id in args (all breakpoints when empty). */
static int for_ids(struct monitor *mon, char *args, void (*fn)(struct monitor *, struct dbg_bp *))
{
	char *w;
	int r = 0;

	if (!*args) {
		for (struct dbg_bp *bp = dbg_bp_first(mon->d), *next; bp; bp = next) {
			next = bp->next;
			fn(mon, bp);
		}
		return 0;
	}
	while (*(w = mon_word(&args))) {
		char *end;
		long id = strtol(w, &end, 10);
		struct dbg_bp *bp = *end ? NULL : dbg_bp_find(mon->d, (int)id);
		if (!bp)
			r = mon_error(mon, "no breakpoint number %s", w);
		else
			fn(mon, bp);
	}
	return r;
}

static void do_delete(struct monitor *mon, struct dbg_bp *bp) { dbg_bp_delete(mon->d, bp->id); }
static void do_enable(struct monitor *mon, struct dbg_bp *bp) { bp->enabled = 1; }
static void do_disable(struct monitor *mon, struct dbg_bp *bp) { bp->enabled = 0; }

int mon_cmd_delete(struct monitor *mon, char *args, const char *fmt) { return for_ids(mon, args, do_delete); }
int mon_cmd_enable(struct monitor *mon, char *args, const char *fmt) { return for_ids(mon, args, do_enable); }
int mon_cmd_disable(struct monitor *mon, char *args, const char *fmt) { return for_ids(mon, args, do_disable); }

int mon_cmd_condition(struct monitor *mon, char *args, const char *fmt)
{
	char *w = mon_word(&args), *end, err[160];
	long id = strtol(w, &end, 10);

	if (!*w || *end)
		return mon_error(mon, "usage: condition N [EXPR]");
	if (dbg_bp_set_cond(mon->d, (int)id, *args ? args : NULL, err, sizeof(err)))
		return mon_error(mon, "%s", err);
	return 0;
}

int mon_cmd_ignore(struct monitor *mon, char *args, const char *fmt)
{
	char *w = mon_word(&args), *end;
	long id = strtol(w, &end, 10);
	uint64_t n;
	struct dbg_bp *bp;

	if (!*w || *end || !*args)
		return mon_error(mon, "usage: ignore N COUNT");
	if (!(bp = dbg_bp_find(mon->d, (int)id)))
		return mon_error(mon, "no breakpoint number %s", w);
	if (mon_eval(mon, args, &n))
		return -1;
	bp->ignore = n;
	fprintf(mon->out, "will ignore the next %" PRIu64 " hits of breakpoint %d\n", n, bp->id);
	return 0;
}

int mon_cmd_until(struct monitor *mon, char *args, const char *fmt)
{
	struct dbg_bp bp;
	int id;

	memset(&bp, 0, sizeof(bp));
	if (!*args)
		return mon_error(mon, "usage: until PHYS | SEG:OFF");
	if (parse_location(mon, args, &bp))
		return -1;
	bp.temporary = 1;
	if ((id = add_bp(mon, &bp, NULL)) < 0)
		return -1;
	mon_resume(mon, UINT64_MAX, UINT64_MAX, 0);
	dbg_bp_delete(mon->d, id);   /* still there if something else stopped the run */
	return 0;
}
