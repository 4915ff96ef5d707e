/*
 * debugger/monitor_internal.h: what the monitor's files share: the session
 * state, the command table and the helpers that print in the monitor's
 * stable text format.
 */
#ifndef LS_DEBUGGER_MONITOR_INTERNAL_H
#define LS_DEBUGGER_MONITOR_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "debugger/core.h"

struct monitor {
	struct machine *m;
	struct dbg *d;
	FILE *out;
	int interactive;     /* readline on a TTY */
	int quit;
	int status;          /* exit status set by quit */
	int errors;          /* failed commands */
};

/* A command: fn gets the text after the name (never NULL) and the /FMT
 * suffix of the name (x/16xb), or "" if none. Returns 0, or -1 after
 * printing an error. */
struct mon_cmd {
	const char *name;
	const char *aliases;   /* space-separated */
	int (*fn)(struct monitor *mon, char *args, const char *fmt);
	const char *usage;
	const char *help;
	int repeat;            /* an empty line repeats it */
};
extern const struct mon_cmd mon_cmds[];
extern const char *const mon_info_topics[];

/* Print "error: ..." and return -1. */
int mon_error(struct monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Evaluate an expression, printing the error. */
int mon_eval(struct monitor *mon, const char *s, uint64_t *v);
/* The current position: "[icount N] cs:ip (linear L): bytes insn". */
void mon_print_where(struct monitor *mon);
void mon_print_stop(struct monitor *mon, const struct dbg_stop *st);
/* Resume (running the guest with Ctrl-C armed) and print the stop. */
void mon_resume(struct monitor *mon, uint64_t icount_target, uint64_t over_lin, uint32_t over_esp);
/* Split off the first whitespace-separated word; returns it ("" at the end). */
char *mon_word(char **args);

/* Command handlers (debugger/monitor_run.c and debugger/monitor_show.c). */
int mon_cmd_continue(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_step(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_next(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_until(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_run_to(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_reset(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_break(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_lbreak(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_watch(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_delete(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_enable(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_disable(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_condition(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_ignore(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_reverse_step(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_reverse_continue(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_goto(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_when(struct monitor *mon, char *args, const char *fmt);
int mon_print_breakpoints(struct monitor *mon);

int mon_cmd_regs(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_x(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_xp(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_disas(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_info(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_print(struct monitor *mon, char *args, const char *fmt);
int mon_cmd_set(struct monitor *mon, char *args, const char *fmt);

#endif
