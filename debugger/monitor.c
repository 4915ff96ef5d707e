/*
 * debugger/monitor.c: the monitor's front end: input (script file, readline
 * with history and completion on a TTY, plain lines otherwise), the command
 * table and dispatch, help. Commands are in monitor_run.c and
 * monitor_show.c; docs/monitor.md is the user's reference.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "debugger/debugger.h"
#include "debugger/gdbstub.h"
#include "debugger/monitor_internal.h"
#include "replay/recorder.h"
#include "replay/replayer.h"

#define PROMPT "(lockstep) "

static int cmd_help(struct monitor *mon, char *args, const char *fmt);
static int cmd_quit(struct monitor *mon, char *args, const char *fmt);

const struct mon_cmd mon_cmds[] = {
	{ "continue", "c cont", mon_cmd_continue, "continue",
	  "Run until a breakpoint, Ctrl-C, or the machine stops.", 0 },
	{ "step", "s si stepi", mon_cmd_step, "step [N | over-rep]",
	  "Execute N instructions (default 1). Each iteration of a REP string instruction counts "
	  "as one, like icount; `step over-rep` runs a whole REP instruction.", 1 },
	{ "next", "n ni nexti", mon_cmd_next, "next [N]",
	  "Like step, but runs over CALL, INT n and REP instructions (stops at the next "
	  "instruction with the stack no deeper).", 1 },
	{ "until", "", mon_cmd_until, "until PHYS | SEG:OFF",
	  "Continue to a location (a temporary breakpoint).", 0 },
	{ "run-to", "", mon_cmd_run_to, "run-to icount N",
	  "Continue until exactly N instructions have retired (breakpoints still stop).", 0 },
	{ "reset", "", mon_cmd_reset, "reset",
	  "System reset: CPU, devices, PAM; RAM and CMOS survive. A new boot starts (traced "
	  "as a SYSTEM_RESET with cause monitor).", 0 },
	{ "break", "b pb vb", mon_cmd_break,
	  "break PHYS | SEG:OFF | int N | io PORT[-PORT] [r|w|rw] | mode | milestone NAME "
	  "[if EXPR]",
	  "Set a breakpoint. PHYS matches every alias of the byte (the BIOS at 0xFFFFFxxx and "
	  "below 1 MiB while PAM reads ROM); SEG:OFF matches CS selector and EIP; `int N` stops "
	  "at the handler when vector N is delivered; `io` after the port access; `mode` on "
	  "real/protected/paging/V86 changes; milestones: reset reset-vector pam-unlock "
	  "shadow-done pam-lock int19 boot-read mbr exit. Without arguments: list.", 0 },
	{ "lbreak", "lb", mon_cmd_lbreak, "lbreak LINEAR [if EXPR]",
	  "Breakpoint on a linear address (CS.base + EIP).", 0 },
	{ "watch", "", mon_cmd_watch, "watch PHYS [LEN] [r|w|rw] [if EXPR]",
	  "Stop after an instruction that changes (w, the default) or reads (r) physical "
	  "memory [PHYS, PHYS+LEN) (LEN default 1, at most 4096; at most 32 read watches). "
	  "Reads are the CPU's data reads: not instruction fetches, DMA or the monitor's.", 0 },
	{ "delete", "d", mon_cmd_delete, "delete [N...]", "Delete breakpoints (all without N).", 0 },
	{ "enable", "", mon_cmd_enable, "enable [N...]", "Enable breakpoints.", 0 },
	{ "disable", "", mon_cmd_disable, "disable [N...]", "Disable breakpoints.", 0 },
	{ "condition", "", mon_cmd_condition, "condition N [EXPR]",
	  "Stop at breakpoint N only when EXPR is non-zero (no EXPR: always).", 0 },
	{ "ignore", "", mon_cmd_ignore, "ignore N COUNT", "Ignore the next COUNT hits of N.", 0 },
	{ "regs", "r registers", mon_cmd_regs, "regs",
	  "General registers, EFLAGS decoded, segments with their descriptor caches, "
	  "descriptor-table registers, control and debug registers.", 0 },
	{ "x", "", mon_cmd_x, "x/FMT LINEAR",
	  "Examine memory at a linear address. FMT = [count][format][unit]: formats x d u o t c "
	  "i (instructions) s (string), units b h w g (1 2 4 8 bytes). x/16xb, x/4xw, x/2i cs:ip.", 0 },
	{ "xp", "", mon_cmd_xp, "xp/FMT PHYS", "Examine physical memory (formats as x, without i).", 0 },
	{ "disas", "u disassemble", mon_cmd_disas, "disas[/16|/32] [LINEAR] [N]",
	  "Disassemble N (default 8) instructions from LINEAR (default CS:EIP) in the code size "
	  "of CS (16-bit in real and V86 mode), or the size given.", 0 },
	{ "info", "", mon_cmd_info, "info TOPIC",
	  "breakpoints registers pam roms mtree ivt [V [N]] gdt idt tlb pci fwcfg devices "
	  "milestones hashes (topics may be abbreviated; hashes: the CPU, RAM and device "
	  "hashes a CHECKPOINT stores).", 0 },
	{ "print", "p", mon_cmd_print, "print[/x|/d] EXPR",
	  "Evaluate: numbers (0x10, 10, 0f000h), registers (eax ax al, $eip, cs, icount), "
	  "+ - * / % << >> & | ^ ~ ! == != < > <= >= && ||, [lin] byte[lin] word[lin] dword[lin] "
	  "*lin, SEG:OFF -> linear (cs:ip uses CS's cached base).", 0 },
	{ "set", "", mon_cmd_set, "set REG = EXPR | set mem[/b|/w|/d] PHYS = VALUE",
	  "Change a register (segment registers load base = selector*16 in real mode, the "
	  "descriptor's base in protected mode) or physical memory (RAM/ROM only; ROM and "
	  "write-protected shadow drop the write as the guest's would).", 0 },
	{ "reverse-step", "rs", mon_cmd_reverse_step, "reverse-step [N]",
	  "Replay only: go back N instructions (default 1) to exactly the state the forward run "
	  "had there, stopping earlier at the last breakpoint or watchpoint hit on the way "
	  "(ignore counts apply). Ctrl-C interrupts it.", 1 },
	{ "reverse-continue", "rc", mon_cmd_reverse_continue, "reverse-continue",
	  "Replay only: go back to the last breakpoint or watchpoint hit before the current "
	  "icount, or to the start of the trace when there is none. Every hit met counts; a "
	  "breakpoint's ignore count passes over that many hits, nearest first. Ctrl-C "
	  "interrupts it.", 0 },
	{ "goto", "", mon_cmd_goto, "goto icount N",
	  "Replay only: go to exactly icount N, backwards or forwards (breakpoints do not stop "
	  "it). Ctrl-C interrupts it and says where the machine stands.", 0 },
	{ "when", "", mon_cmd_when, "when",
	  "Replay only: the current icount, the last milestone reached and the distance from "
	  "it.", 0 },
	{ "help", "h ?", cmd_help, "help [COMMAND]", "List commands, or describe one.", 0 },
	{ "quit", "q exit", cmd_quit, "quit [STATUS]", "Leave the monitor (exit status, default 0).", 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};

int mon_error(struct monitor *mon, const char *fmt, ...)
{
	va_list ap;

	fprintf(mon->out, "error: ");
	va_start(ap, fmt);
	vfprintf(mon->out, fmt, ap);
	va_end(ap);
	fputc('\n', mon->out);
	mon->errors++;
	return -1;
}

int mon_eval(struct monitor *mon, const char *s, uint64_t *v)
{
	char err[160];

	if (expr_eval(dbg_expr_env(mon->d), s, v, err, sizeof(err)))
		return mon_error(mon, "%s", err);
	return 0;
}

char *mon_word(char **args)
{
	char *p = *args, *w;

	while (*p == ' ' || *p == '\t')
		p++;
	w = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	*args = p;
	return w;
}

static int has_alias(const struct mon_cmd *c, const char *name)
{
	size_t n = strlen(name);
	for (const char *a = c->aliases; (a = strstr(a, name)); a += n)
		if ((a == c->aliases || a[-1] == ' ') && (a[n] == ' ' || !a[n]))
			return 1;
	return 0;
}

static const struct mon_cmd *find_cmd(const char *name)
{
	for (const struct mon_cmd *c = mon_cmds; c->name; c++)
		if (!strcmp(c->name, name) || has_alias(c, name))
			return c;
	return NULL;
}

static int cmd_help(struct monitor *mon, char *args, const char *fmt)
{
	const struct mon_cmd *c;

	if (!*args) {
		fprintf(mon->out, "Commands (help COMMAND for details):\n");
		for (c = mon_cmds; c->name; c++)
			fprintf(mon->out, "  %-58s %s%s\n", c->usage, *c->aliases ? "aliases: " : "",
				c->aliases);
		fprintf(mon->out, "An empty line repeats step or next; Ctrl-C stops a running guest.\n");
		return 0;
	}
	if (!(c = find_cmd(args)))
		return mon_error(mon, "no command '%s' (try help)", args);
	fprintf(mon->out, "usage: %s\n%s\n", c->usage, c->help);
	if (*c->aliases)
		fprintf(mon->out, "aliases: %s\n", c->aliases);
	return 0;
}

static int cmd_quit(struct monitor *mon, char *args, const char *fmt)
{
	uint64_t v = 0;

	if (*args && mon_eval(mon, args, &v))
		return -1;
	mon->quit = 1;
	mon->status = *args ? (int)(v & 0xff) : -1;
	return 0;
}

/* Run one command line. Returns the command (for repeat), or NULL. */
static const struct mon_cmd *execute(struct monitor *mon, const char *line)
{
	char buf[1024], name[32];
	char *p = buf, *args;
	const char *fmt = "";
	size_t n = 0;
	const struct mon_cmd *c;

	if (strlen(line) >= sizeof(buf)) {
		mon_error(mon, "line too long");
		return NULL;
	}
	strcpy(buf, line);
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#')
		return NULL;
	while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '/' && n < sizeof(name) - 1) {
		name[n] = p[n];
		n++;
	}
	name[n] = 0;
	args = p + n;
	if (*args == '/') {
		char *f = ++args;
		while (*args && *args != ' ' && *args != '\t')
			args++;
		if (*args)
			*args++ = 0;
		fmt = f;
	}
	while (*args == ' ' || *args == '\t')
		args++;
	for (char *e = args + strlen(args); e > args && (e[-1] == ' ' || e[-1] == '\t' ||
							  e[-1] == '\r' || e[-1] == '\n');)
		*--e = 0;
	if (!(c = find_cmd(name))) {
		mon_error(mon, "unknown command '%s' (try help)", name);
		return NULL;
	}
	c->fn(mon, args, fmt);
	fflush(mon->out);
	return c;
}

/* ---- completion (no generator state: the whole match list is built here) ---- */

static void add_match(char ***v, size_t *n, const char *word, const char *text)
{
	char **nv;

	if (strncmp(word, text, strlen(text)))
		return;
	for (size_t i = 1; i <= *n; i++)
		if (!strcmp((*v)[i], word))
			return;
	nv = realloc(*v, (*n + 3) * sizeof(char *));
	if (!nv)
		return;
	*v = nv;
	(*v)[++*n] = strdup(word);
	(*v)[*n + 1] = NULL;
}

static char **complete(const char *text, int start, int end)
{
	static const char *const regs[] = {
		"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags", "ax", "cx",
		"dx", "bx", "sp", "bp", "si", "di", "ip", "flags", "al", "cl", "dl", "bl", "ah", "ch",
		"dh", "bh", "cs", "ds", "es", "fs", "gs", "ss", "cr0", "cr2", "cr3", "cr4", "icount",
		"mem", NULL,
	};
	static const char *const break_words[] = { "int", "io", "mode", "milestone", NULL };
	const char *line = rl_line_buffer;
	char **v = calloc(2, sizeof(char *));
	size_t n = 0, common;

	rl_attempted_completion_over = 1;
	if (!v)
		return NULL;
	while (*line == ' ')
		line++;
	if (line - rl_line_buffer >= start) {
		for (const struct mon_cmd *c = mon_cmds; c->name; c++)
			add_match(&v, &n, c->name, text);
	} else if (!strncmp(line, "info ", 5)) {
		for (int i = 0; mon_info_topics[i]; i++)
			add_match(&v, &n, mon_info_topics[i], text);
	} else if (!strncmp(line, "break milestone ", 16) || !strncmp(line, "b milestone ", 12)) {
		for (int i = 0; i < MILESTONE_COUNT; i++)
			add_match(&v, &n, milestone_name(i), text);
	} else {
		if (!strncmp(line, "break ", 6) || !strncmp(line, "b ", 2))
			for (int i = 0; break_words[i]; i++)
				add_match(&v, &n, break_words[i], text);
		for (int i = 0; regs[i]; i++)
			add_match(&v, &n, regs[i], text);
	}
	if (!n) {
		free(v);
		return NULL;
	}
	common = strlen(v[1]);
	for (size_t i = 2; i <= n; i++) {
		size_t k = 0;
		while (k < common && v[i][k] == v[1][k])
			k++;
		common = k;
	}
	v[0] = strndup(v[1], common);
	if (n == 1) {
		free(v[0]);
		v[0] = v[1];
		v[1] = NULL;
	}
	(void)end;
	return v;
}

/* ---- SIGTERM and SIGHUP: leave the session cleanly ---- */

/* The session a SIGTERM or SIGHUP ends (one at a time): the handler stops
 * the running guest (or the replay's seek), and the prompt is left at the
 * next line, so the caller finishes a recording. The front end's own
 * global state, outside the emulation path. */
static volatile sig_atomic_t term_signal;
static struct machine *volatile term_machine;
static struct replay_session *volatile term_replay;
static volatile sig_atomic_t term_close_stdin;

static void on_term(int sig)
{
	term_signal = sig;
	if (term_replay)
		replay_session_interrupt(term_replay);
	if (term_machine)
		machine_request_stop(term_machine, sig);
	/* A read of piped commands must end too, even one about to start. */
	if (term_close_stdin)
		close(0);
}

static int leaving(const struct monitor *mon)
{
	return mon->quit || term_signal;
}

/* ---- input ---- */

static void history_path(const struct monitor_options *o, char *buf, size_t len)
{
	const char *env = getenv("LOCKSTEP_HISTORY"), *home = getenv("HOME");

	buf[0] = 0;
	if (o->history)
		snprintf(buf, len, "%s", o->history);
	else if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (home && *home)
		snprintf(buf, len, "%s/.lockstep_history", home);
}

/* Lines from f, echoed after the prompt (scripts, piped stdin). */
static void run_lines(struct monitor *mon, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while (!leaving(mon) && (n = getline(&line, &cap, f)) >= 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			continue;
		fprintf(mon->out, "%s%s\n", PROMPT, line);
		execute(mon, line);
	}
	free(line);
}

static void run_readline(struct monitor *mon, const struct monitor_options *o)
{
	char hist[4096], *line;
	const struct mon_cmd *last = NULL;

	history_path(o, hist, sizeof(hist));
	rl_readline_name = "lockstep";
	rl_attempted_completion_function = complete;
	stifle_history(1000);
	if (hist[0])
		read_history(hist);
	/* readline (8.x) returns at a SIGTERM or SIGHUP, after passing it to
	 * on_term. */
	while (!leaving(mon) && (line = readline(PROMPT))) {
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p) {
			if (last && last->repeat)
				execute(mon, last->name);
		} else {
			add_history(line);
			last = execute(mon, line);
		}
		free(line);
	}
	if (!mon->quit)
		fputc('\n', mon->out);
	if (hist[0] && write_history(hist) && errno != ENOENT)
		fprintf(stderr, "lockstep monitor: cannot write history %s\n", hist);
}

/* run --monitor --record: the recorder runs the machine and records the
 * monitor's writes. A write error stops the run and says why. */
static enum machine_stop run_recording(void *opaque, const struct machine_until *until, char *note,
				       size_t notelen)
{
	enum machine_stop why = recorder_run(opaque, until);
	const char *e = recorder_error(opaque);

	note[0] = 0;
	if (e)
		snprintf(note, notelen, "the recording failed: %s; the machine cannot run on "
			 "(quit ends the session)", e);
	return why;
}

static void record_write(void *opaque, int kind, uint64_t addr, const uint8_t *data, uint32_t len)
{
	recorder_monitor_input(opaque, kind, addr, data, len);
}

int monitor_main(struct machine *m, const struct monitor_options *o)
{
	struct monitor mon = { .m = m, .out = stdout };
	struct sigaction sa, old_term, old_hup;
	int status;

	mon.d = dbg_new(m);
	if (!mon.d) {
		fprintf(stderr, "lockstep monitor: no free hook slot on the machine\n");
		return 2;
	}
	if (o->recorder) {
		dbg_set_runner(mon.d, run_recording, o->recorder);
		dbg_set_write_observer(mon.d, record_write, o->recorder);
	}
	if (o->replay)
		dbg_set_replay(mon.d, o->replay);
	if (o->script && access(o->script, R_OK)) {
		fprintf(stderr, "lockstep monitor: -x %s: %s\n", o->script, strerror(errno));
		dbg_free(mon.d);
		return 2;
	}
	term_signal = 0;
	term_machine = m;
	term_replay = o->replay;
	term_close_stdin = !isatty(0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;   /* no SA_RESTART: a blocked read returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	fprintf(mon.out, "%s\n", o->banner ? o->banner
		: "lockstep monitor: the machine is stopped; help lists the commands");
	mon_print_where(&mon);
	fflush(mon.out);
	if (o->gdb) {
		int r = gdbstub_serve(mon.d, o->gdb, mon.out);
		if (r < 0) {
			status = 2;
			goto out;
		}
		if (r > 0) {
			mon.quit = 1;   /* gdb killed the session */
			mon.status = -1;
		}
	}
	if (o->script && !leaving(&mon)) {
		FILE *f = fopen(o->script, "r");
		if (f) {
			run_lines(&mon, f);
			fclose(f);
		}
	}
	if (leaving(&mon)) {
		/* quit, or a signal */
	} else if (o->batch) {
		if (!o->script && !isatty(0))
			run_lines(&mon, stdin);   /* lockstep monitor --batch < commands */
	} else {
		mon.interactive = isatty(0);
		if (mon.interactive)
			run_readline(&mon, o);
		else
			run_lines(&mon, stdin);
	}
	fflush(mon.out);
	machine_flush_output(m);
	status = mon.quit && mon.status >= 0 ? mon.status : (mon.errors && !mon.interactive) ? 1 : 0;
	if (o->replay && !(mon.quit && mon.status >= 0)) {
		char sum[1100];
		if (replay_session_summary(o->replay, sum, sizeof(sum)))
			status = 1;
	}
	if (term_signal) {
		fprintf(stderr, "lockstep monitor: %s: leaving\n",
			term_signal == SIGHUP ? "SIGHUP" : "SIGTERM");
		status = 130;
	}
out:
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	term_machine = NULL;
	term_replay = NULL;
	dbg_free(mon.d);
	return status;
}
