/*
 * debugger/core.h: the debug core shared by the monitor and the gdb stub:
 * one breakpoint/watchpoint table, one stepping engine, one choke point for
 * writes into guest state. It observes the machine through a machine_hooks
 * set (attached on dbg_new; the costly retire hook only while something needs
 * it) and stops it with machine_request_stop at instruction boundaries, so
 * debugging never changes what the guest does.
 *
 * Stop positions: an execution breakpoint stops before the instruction at
 * its address runs; `break int`, `break io`, `break mode`, `break milestone`
 * and watchpoints stop after the instruction that caused them (for a
 * delivered interrupt: at the handler's first instruction).
 */
#ifndef LS_DEBUGGER_CORE_H
#define LS_DEBUGGER_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "debugger/expr.h"
#include "machine/machine.h"

struct dbg;

enum dbg_bp_kind {
	DBG_BP_PHYS,       /* execution at a physical address, every alias of the byte */
	DBG_BP_SEGOFF,     /* execution at CS selector:EIP */
	DBG_BP_LINEAR,     /* execution at CS.base+EIP */
	DBG_BP_INT,        /* vector delivered (soft, hard, exception) */
	DBG_BP_IO,         /* port access in [lo, hi] */
	DBG_BP_MODE,       /* real/protected/paging/V86 transition */
	DBG_BP_MILESTONE,  /* a milestone reached */
	DBG_BP_WATCH,      /* physical memory changed (w), accessed (r) */
};

#define DBG_ACC_R 1
#define DBG_ACC_W 2

struct dbg_bp {
	int id;
	enum dbg_bp_kind kind;
	int enabled;
	int temporary;        /* deleted when hit (until, next) */
	int owner;            /* 0 monitor, 1 gdb (Z packets) */
	uint64_t addr;        /* phys / linear address, watch start */
	uint16_t seg;         /* DBG_BP_SEGOFF */
	uint32_t len;         /* watch length */
	int access;           /* DBG_ACC_* for io and watch */
	int vector;           /* DBG_BP_INT */
	uint16_t port_lo, port_hi;
	int milestone;
	char *cond;           /* expression, or NULL */
	uint64_t ignore;      /* hits still to ignore */
	uint64_t hits;
	uint8_t *shadow;      /* watch: the bytes last seen */
	int mem_watch;        /* read watch: mem_watch_add handle while installed, else -1 */
	struct dbg_bp *next;
};

enum dbg_stop_kind {
	DBG_STOP_DONE,         /* the step count or icount target was reached */
	DBG_STOP_BREAK,        /* a breakpoint or watchpoint (bp_id) */
	DBG_STOP_INTERRUPTED,  /* Ctrl-C, gdb 0x03 */
	DBG_STOP_MACHINE,      /* the machine stopped on its own (mstop) */
	DBG_STOP_REPLAY,       /* the replay stopped it: end of the trace, a divergence
				* (detail), or reverse execution reached the start */
};

struct dbg_stop {
	enum dbg_stop_kind kind;
	enum machine_stop mstop;
	int bp_id;
	enum dbg_bp_kind bp_kind;
	uint64_t watch_addr;  /* for watchpoints: the first changed byte */
	char detail[320];     /* one line, no newline */
};

/* A write into guest state: every monitor and gdb modification goes through
 * dbg_apply_write, which a recording turns into an INPUT event (the
 * encoding of replay/replayer.h: replay_apply_monitor_input). */
enum dbg_write_kind { DBG_WRITE_REG, DBG_WRITE_SEG, DBG_WRITE_MEM, DBG_WRITE_RESET };
struct dbg_write {
	enum dbg_write_kind kind;
	int reg;              /* enum cpu_reg or enum cpu_seg */
	uint32_t value;       /* register value, segment selector, reset cause */
	uint64_t addr;        /* physical address of a memory write */
	uint32_t len;
	const uint8_t *data;
};

/* Attach a debugger to m. Returns NULL if no hook slot is free. */
struct dbg *dbg_new(struct machine *m);
void dbg_free(struct dbg *d);
struct machine *dbg_machine(struct dbg *d);

/* Called with every valid write just before it is applied, as the INPUT
 * event that records it (kind TRACE_INPUT_MONITOR_MEM or _REG, addr, bytes):
 * the recorder attaches here, so the event precedes what the write causes
 * (a reset's events). */
void dbg_set_write_observer(struct dbg *d,
			    void (*fn)(void *opaque, int kind, uint64_t addr, const uint8_t *data,
				       uint32_t len),
			    void *opaque);
/* Apply w to the machine. Returns 0, or -1 with a message in err (memory that
 * is not plain RAM/ROM, bad register, a read-only session). */
int dbg_apply_write(struct dbg *d, const struct dbg_write *w, char *err, size_t errlen);
/* Refuse every write with this message (a replay: the trace decides what
 * happens); NULL allows them again. The string must outlive d. */
void dbg_set_read_only(struct dbg *d, const char *why);

/* How dbg_resume advances the machine: machine_run unless set (a recording
 * runs through recorder_run, a replay through replay_session_run). A run
 * that stops for a reason of its own fills note (one line) and returns;
 * dbg_resume then reports DBG_STOP_REPLAY with it. */
typedef enum machine_stop (*dbg_run_fn)(void *opaque, const struct machine_until *until,
					char *note, size_t notelen);
void dbg_set_runner(struct dbg *d, dbg_run_fn run, void *opaque);

/* Polled between slices of a running guest (the gdb stub's Ctrl-C). Returns
 * nonzero to stop. NULL: no slicing. */
void dbg_set_poll(struct dbg *d, int (*poll)(void *opaque), void *opaque);
/* Async-signal-safe: stop a running guest (Ctrl-C). */
void dbg_interrupt(struct dbg *d);

/* ---- breakpoints ---- */

/* Add a breakpoint (copied; cond is duplicated). Returns its id (> 0). */
int dbg_bp_add(struct dbg *d, const struct dbg_bp *bp);
int dbg_bp_delete(struct dbg *d, int id);
/* Delete all breakpoints (owner -1: of every owner). */
void dbg_bp_delete_all(struct dbg *d, int owner);
struct dbg_bp *dbg_bp_find(struct dbg *d, int id);
/* First breakpoint of the list (ordered by id); iterate with ->next. */
struct dbg_bp *dbg_bp_first(struct dbg *d);
/* Find a gdb-owned breakpoint by kind and address (z packets). */
struct dbg_bp *dbg_bp_find_gdb(struct dbg *d, enum dbg_bp_kind kind, uint64_t addr, int access);
/* Set or clear (cond NULL) a condition; -1 if the expression does not parse
 * now (message in err). */
int dbg_bp_set_cond(struct dbg *d, int id, const char *cond, char *err, size_t errlen);
/* What bp watches, e.g. "break int 0x19" (no newline). */
void dbg_bp_what(const struct dbg_bp *bp, char *buf, size_t len);
/* One line of `info breakpoints`: id, enabled, what, condition, counts. */
void dbg_bp_describe(struct dbg *d, const struct dbg_bp *bp, char *buf, size_t len);

/* ---- running ---- */

/* Run until a breakpoint, the icount target (UINT64_MAX: none), an interrupt
 * request, or a machine stop. step_over_lin (UINT64_MAX: none) makes the
 * run end at DBG_STOP_DONE when the next instruction is at that linear
 * address with ESP >= step_over_esp (`next`, `step over-rep`). */
void dbg_resume(struct dbg *d, uint64_t icount_target, uint64_t step_over_lin,
		uint32_t step_over_esp, struct dbg_stop *out);

/* ---- reverse execution (debugger/reverse.c) ---- */

struct replay_session;
/* Attach the replay the machine belongs to (lockstep replay --monitor): sets
 * the runner and makes the session read-only. NULL: no replay. */
void dbg_set_replay(struct dbg *d, struct replay_session *s);
struct replay_session *dbg_replay(struct dbg *d);
/* The error every reverse command gives without a replay. */
extern const char dbg_needs_replay[];
/* Go to exactly icount (breakpoints do not stop it). Returns 0, or -1 with a
 * message in err. note gets a divergence found on the way, or where a
 * Ctrl-C (replay_session_interrupt) stopped it short, else "". */
int dbg_goto(struct dbg *d, uint64_t icount, char *note, size_t notelen);
/* Back n instructions (to the start of the trace when fewer retired: *out
 * is DBG_STOP_REPLAY then), stopping at the last breakpoint or watchpoint
 * hit on the way as dbg_reverse_continue does. Returns 0 or -1 with a
 * message in out->detail. */
int dbg_reverse_step(struct dbg *d, uint64_t n, struct dbg_stop *out);
/* Back to the last breakpoint or watchpoint hit strictly before the current
 * icount (*out as the forward run reported it), or to the start of the
 * trace (DBG_STOP_REPLAY). Every hit met going back counts, and uses up an
 * ignore count if the breakpoint has one (then it does not stop), as gdb
 * does on a reverse-running target. A Ctrl-C stops the scan where it is
 * (DBG_STOP_INTERRUPTED, detail says where; counts unchanged). Returns 0
 * or -1 (detail). */
int dbg_reverse_continue(struct dbg *d, struct dbg_stop *out);
/* "icount N, after MILESTONE (boot B) +D" for the current position. */
void dbg_when(struct dbg *d, char *buf, size_t len);

/* ---- helpers shared by the front ends ---- */

/* Register names the expressions know ("eax", "ax", "al", "eip", "cr0",
 * ...): returns 0 with the cpu_reg, the size in bytes and the bit shift
 * (8 for ah..bh), or -1. */
int dbg_reg_lookup(const char *name, int *reg, int *size, int *shift);
/* "es".."gs" -> 0..5 (enum cpu_seg order), or -1. */
int dbg_seg_lookup(const char *name);

/* The expression environment over this machine's registers and memory. */
const struct expr_env *dbg_expr_env(struct dbg *d);
/* CS.base + EIP. */
uint32_t dbg_pc_linear(struct dbg *d);
/* "real", "protected", "protected+paging", "v86", "v86+paging". */
const char *dbg_mode_name(struct dbg *d);
/* Length and text of the instruction at a linear address in the current
 * code size (or forced: code32 0/1, -1 = from CS). Returns the length (0 if
 * unreadable); text is "bytes  mnemonic". */
int dbg_disas(struct dbg *d, uint32_t lin, int code32, char *text, size_t len);
/* Whether the instruction at lin is a CALL, INT or REP string instruction
 * (what `next` steps over); *len gets its length. */
int dbg_insn_steps_over(struct dbg *d, uint32_t lin, int *len);

#endif
