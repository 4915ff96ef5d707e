/*
 * debugger/: the readline monitor, breakpoints and watchpoints, the
 * expression parser and the gdb stub. May use every module; nothing includes
 * it. This header is what the command line (lockstep.c) calls; the debug
 * core both front ends share is debugger/core.h. The commands are described
 * in docs/monitor.md.
 */
#ifndef LS_DEBUGGER_H
#define LS_DEBUGGER_H

struct machine;
struct recorder;
struct replay_session;

struct monitor_options {
	const char *script;      /* -x FILE: commands run first, or NULL */
	int batch;               /* --batch: exit after the script; without one, read a
				  * non-TTY stdin, never a TTY */
	const char *gdb;         /* --gdb tcp:HOST:PORT, or NULL */
	const char *history;     /* history file; NULL: $LOCKSTEP_HISTORY, else ~/.lockstep_history */
	const char *banner;      /* first line printed, or NULL for the default */
	struct recorder *recorder;      /* run --monitor --record: the machine runs through
					 * it, guest-state writes become INPUT events */
	struct replay_session *replay;  /* replay --monitor: m is its machine; reverse
					 * commands work, writes are refused */
};

/* Run the monitor on m, which is stopped where the caller left it (a new
 * machine: at the reset vector). Commands come from the script, then from
 * stdin (readline with history and completion on a TTY, plain lines
 * otherwise, echoed after the prompt so transcripts are stable). With gdb,
 * it first serves one gdb remote-protocol session on that address
 * (loopback unless a host is given) sharing the same breakpoints. Ctrl-C
 * stops a running guest and returns to the prompt. The caller keeps
 * ownership of m. Returns the process exit status: the value given to
 * `quit N`, else 1 when a command failed in a non-interactive session,
 * else 0 (1 also when the replay diverged); 2 for an unusable option (bad
 * --gdb address, unreadable script); 130 when SIGTERM or SIGHUP ended the
 * session (the guest is stopped and the prompt left, for the caller to
 * finish a recording; handlers installed for the session's duration). */
int monitor_main(struct machine *m, const struct monitor_options *o);

#endif
