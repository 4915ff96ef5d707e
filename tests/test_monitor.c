/*
 * tests/test_monitor.c: scripted monitor sessions on SeaBIOS, compared with
 * tests/monitor/NAME.out. Each script is run by tests/monitor_driver with
 * -x NAME.cmd --batch (the serial console off). Regenerate the expected
 * files after an intended change with LOCKSTEP_UPDATE_EXPECTED=1 make check,
 * then read the diff.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "debugger/core.h"
#include "machine/state.h"
#include "replay/replayer.h"
#include "tests/testutil.h"

#define SEABIOS "/usr/share/seabios/bios.bin"

/* A whole file as a NUL-terminated string (malloc'd), or NULL. */
static char *read_text(const char *path)
{
	size_t size;
	uint8_t *data = tu_read_file(path, &size);
	char *s;

	if (!data)
		return NULL;
	s = malloc(size + 1);
	cr_assert(s);
	memcpy(s, data, size);
	s[size] = 0;
	free(data);
	return s;
}

/* argv[0] = exe, then args (NULL-terminated), as many as fit in 32. */
static void fill_argv(const char *argv[32], const char *exe, const char *const *args)
{
	int n = 0;

	argv[n++] = exe;
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
}

/* Run the program exe_rel (relative to the build tree) with args
 * (NULL-terminated) and stdin from in_path; returns stdout (malloc'd) and
 * the exit status. */
static char *run_exe(const char *exe_rel, const char *const *args, const char *in_path,
		     int *status)
{
	char out_tmpl[] = "/tmp/ls-mon-XXXXXX";
	int ofd = mkstemp(out_tmpl), st;
	char *exe = tu_build_path(exe_rel);
	const char *argv[32];
	char *data;
	pid_t pid;

	cr_assert_geq(ofd, 0);
	fill_argv(argv, exe, args);
	pid = fork();
	if (pid == 0) {
		int in = open(in_path ? in_path : "/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(ofd, 1);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	data = read_text(out_tmpl);
	unlink(out_tmpl);
	close(ofd);
	free(exe);
	cr_assert(data);
	return data;
}

static char *run_driver(const char *const *args, const char *in_path, int *status)
{
	return run_exe("tests/monitor_driver", args, in_path, status);
}

/* Start exe with args (NULL-terminated), its stdin the pipe *to, its stdout
 * the pipe *from; returns its pid. */
static pid_t spawn_piped(const char *exe, const char *const *args, int *to, int *from)
{
	const char *argv[32];
	int in[2], out[2];
	pid_t pid;

	fill_argv(argv, exe, args);
	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(out), 0);
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*to = in[1];
	*from = out[0];
	return pid;
}

/* Write s to fd, then read from out until want appears in buf (or EOF). */
static void send_and_wait(int fd, const char *s, int out, char *buf, size_t *len, size_t cap,
			  const char *want)
{
	cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	while (!strstr(buf, want) && *len < cap - 1) {
		ssize_t n = read(out, buf + *len, cap - 1 - *len);
		if (n <= 0)
			break;
		*len += (size_t)n;
		buf[*len] = 0;
	}
}

/* Read the rest of a spawn_piped child's stdout (from) into buf after its
 * *len bytes, close it and wait for the child; returns the wait status. */
static int finish_piped(pid_t pid, int from, char *buf, size_t *len, size_t cap)
{
	int st;

	for (ssize_t n; *len < cap - 1 && (n = read(from, buf + *len, cap - 1 - *len)) > 0;)
		*len += (size_t)n;
	buf[*len] = 0;
	close(from);
	waitpid(pid, &st, 0);
	return st;
}

/* `info hashes` lines ("icount N cpu 0x.. ram 0x.. devices 0x.."): every
 * icount seen twice must show the same hashes (going back returns exactly
 * the forward run's state). Returns the text with each distinct set of
 * hashes replaced by a label, "state #K", so the expected transcript does
 * not depend on the state layout. */
static char *check_and_label_hashes(const char *text)
{
	static char seen_icount[64][32], seen_hash[64][80], labels[64][80];
	size_t nseen = 0, nlabels = 0, cap = strlen(text) + 1;
	char *out = malloc(cap), *o = out;
	const char *p = text;

	cr_assert(out);
	while (*p) {
		const char *eol = strchr(p, '\n'), *cpu;
		size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
		char line[256];
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		cpu = strstr(line, " cpu 0x");
		if (!strncmp(line, "icount ", 7) && cpu && len < sizeof(line)) {
			char ic[32], hash[80];
			size_t k;
			snprintf(ic, sizeof(ic), "%.*s", (int)(cpu - line), line);
			snprintf(hash, sizeof(hash), "%.*s", (int)strcspn(cpu, "\n"), cpu);
			for (k = 0; k < nseen; k++)
				if (!strcmp(seen_icount[k], ic))
					cr_expect_str_eq(seen_hash[k], hash, "%s: the state differs from the "
							 "first visit", ic);
			if (nseen < 64) {
				snprintf(seen_icount[nseen], sizeof(seen_icount[0]), "%s", ic);
				snprintf(seen_hash[nseen++], sizeof(seen_hash[0]), "%s", hash);
			}
			for (k = 0; k < nlabels && strcmp(labels[k], hash); k++)
				;
			if (k == nlabels && nlabels < 64)
				snprintf(labels[nlabels++], sizeof(labels[0]), "%s", hash);
			o += sprintf(o, "%s state #%zu\n", ic, k + 1);
		} else {
			memcpy(o, p, len);
			o += len;
		}
		p += len;
	}
	*o = 0;
	return out;
}

/* First differing line of two texts, for a readable failure. */
static void expect_same(const char *got, const char *want, const char *name)
{
	int line = 1;
	const char *g = got, *w = want;

	while (*g && *w && *g == *w) {
		if (*g == '\n')
			line++;
		g++;
		w++;
	}
	if (!*g && !*w)
		return;
	while (g > got && g[-1] != '\n')
		g--;
	while (w > want && w[-1] != '\n')
		w--;
	cr_expect_fail("%s: output differs at line %d:\n  got:  %.*s\n  want: %.*s", name, line,
		(int)strcspn(g, "\n"), g, (int)strcspn(w, "\n"), w);
}

/* Compare got with tests/monitor/NAME.out (or rewrite it). */
static void expect_transcript(const char *got, const char *name)
{
	char rel[256], *out_path, *want;

	snprintf(rel, sizeof(rel), "tests/monitor/%s.out", name);
	out_path = tu_src_path(rel);
	if (getenv("LOCKSTEP_UPDATE_EXPECTED")) {
		cr_assert_eq(tu_write_file(out_path, got, strlen(got)), 0);
	} else {
		want = read_text(out_path);
		cr_assert(want, "missing %s", out_path);
		expect_same(got, want, name);
		free(want);
	}
	free(out_path);
}

static void run_script(const char *name, const char *disk, int want_status)
{
	char rel[256];
	char *cmd, *img, *got;
	int status;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	snprintf(rel, sizeof(rel), "tests/monitor/%s.cmd", name);
	cmd = tu_src_path(rel);
	img = tu_build_path(disk);
	const char *args[] = { "--disk", img, "-x", cmd, "--batch", NULL };
	got = run_driver(args, NULL, &status);
	expect_transcript(got, name);
	cr_expect_eq(status, want_status, "%s: exit status %d", name, status);
	free(got);
	free(cmd);
	free(img);
}

Test(monitor, stops_at_the_reset_vector, .timeout = 60)
{
	run_script("reset_vector", "pc-bios/demo.img", 0);
}

Test(monitor, break_int19_stops_at_the_ivt_handler, .timeout = 120)
{
	run_script("int19", "pc-bios/demo.img", 0);
}

Test(monitor, io_breakpoint_catches_the_first_pam_write, .timeout = 60)
{
	run_script("pam_io", "pc-bios/demo.img", 0);
}

Test(monitor, watchpoint_catches_haverunpost, .timeout = 60)
{
	run_script("watch", "pc-bios/demo.img", 0);
}

Test(monitor, read_watchpoint_catches_haverunpost_reads, .timeout = 120)
{
	run_script("watch_read", "pc-bios/demo.img", 0);
}

Test(monitor, reset_vector_breakpoint_hits_after_a_guest_reset, .timeout = 240)
{
	run_script("guest_reset", "tests/guests/reset.img", 0);
}

Test(monitor, stepping_rep_call_and_breakpoints, .timeout = 60)
{
	run_script("stepping", "pc-bios/demo.img", 0);
}

Test(monitor, commands_errors_and_quit_status, .timeout = 60)
{
	run_script("commands", "pc-bios/demo.img", 3);
}

Test(monitor, mode_and_milestone_breakpoints, .timeout = 120)
{
	run_script("mode", "pc-bios/demo.img", 0);
}

/* Ctrl-C stops a running guest (a `jmp $` loop planted in RAM) and the
 * session goes on at the prompt. */
Test(monitor, sigint_stops_a_running_guest, .timeout = 60)
{
	static const char cmds[] = "set mem/w 0x1000 = 0xfeeb\nset cs = 0\nset eip = 0x1000\n"
				   "continue\n";
	char *drv = tu_build_path("tests/monitor_driver"), *img = tu_build_path("pc-bios/demo.img");
	char buf[8192] = "";
	size_t len = 0;
	int in, out, st;
	pid_t pid;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	const char *args[] = { "--disk", img, NULL };
	pid = spawn_piped(drv, args, &in, &out);
	/* Once the echo of `continue` is out, the guest is running. */
	send_and_wait(in, cmds, out, buf, &len, sizeof(buf), "(lockstep) continue\n");
	usleep(100000);
	kill(pid, SIGINT);
	static const char rest[] = "print ip\nquit 7\n";
	cr_assert_eq(write(in, rest, sizeof(rest) - 1), (ssize_t)sizeof(rest) - 1);
	close(in);
	st = finish_piped(pid, out, buf, &len, sizeof(buf));
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 7, "status 0x%x: %s", st, buf);
	cr_expect(strstr(buf, "stopped: interrupted\n"), "%s", buf);
	cr_expect(strstr(buf, "(lockstep) print ip\n0x1000 (4096)\n"), "%s", buf);
	free(drv);
	free(img);
}

/* Commands from a non-TTY stdin; a failed command makes the status 1. */
Test(monitor, reads_piped_stdin_and_reports_failure, .timeout = 60)
{
	char in_tmpl[] = "/tmp/ls-mon-in-XXXXXX";
	int fd = mkstemp(in_tmpl), status;
	static const char cmds[] = "step 2\n\nprint icount\nnosuchcommand\n";
	char *img, *got;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, cmds, sizeof(cmds) - 1), (ssize_t)sizeof(cmds) - 1);
	close(fd);
	img = tu_build_path("pc-bios/demo.img");
	const char *args[] = { "--disk", img, NULL };
	got = run_driver(args, in_tmpl, &status);
	unlink(in_tmpl);
	cr_expect(strstr(got, "(lockstep) print icount\n0x2 (2)\n"), "%s", got);
	cr_expect(strstr(got, "error: unknown command 'nosuchcommand'"), "%s", got);
	cr_expect_eq(status, 1);
	free(got);
	free(img);
}

Test(monitor, unreadable_script_is_a_usage_error, .timeout = 30)
{
	int status;
	char *img = tu_build_path("pc-bios/demo.img");
	const char *args[] = { "--disk", img, "-x", "/nonexistent/script", "--batch", NULL };
	char *got;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	got = run_driver(args, NULL, &status);
	cr_expect_eq(status, 2);
	free(got);
	free(img);
}

/* ---- record and replay with the monitor ---- */

static char tmpdir[256];

static const char *tmp_path(const char *name)
{
	static char paths[4][512];
	static int next;
	char *p = paths[next++ % 4];
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/ls-mon-rec-XXXXXX");
		cr_assert(mkdtemp(tmpdir));
	}
	snprintf(p, 512, "%s/%s", tmpdir, name);
	return p;
}

static void remove_tmp(void)
{
	char cmd[600];
	if (!tmpdir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(cmd), 0);
	tmpdir[0] = 0;
}

/* lockstep ARGS...; returns the exit status (stdout discarded). */
static int lockstep(const char *const *args, char **out)
{
	int status;
	char *got = run_exe("lockstep", args, NULL, &status);
	if (out)
		*out = got;
	else
		free(got);
	return status;
}

/* lockstep run on SeaBIOS with the demo disk and no serial console, then
 * the arguments extra (NULL-terminated): as lockstep(). */
static int run_demo(const char *const *extra, char **out)
{
	char *img = tu_build_path("pc-bios/demo.img");
	const char *args[32] = { "run", "--bios", SEABIOS, "--disk", img, "--serial", "none" };
	int n = 7, status;

	for (int i = 0; extra[i] && n < 31; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	status = lockstep(args, out);
	free(img);
	return status;
}

/* A debugger on a replay session of trace (options o, or NULL), which
 * *rs holds. */
static struct dbg *replay_dbg(const char *trace, const struct replay_options *o,
			      struct replay_session **rs)
{
	char err[1024];
	struct dbg *d;

	*rs = replay_session_open(trace, o, err, sizeof(err));
	cr_assert(*rs, "%s", err);
	d = dbg_new(replay_session_machine(*rs));
	cr_assert(d);
	dbg_set_replay(d, *rs);
	return d;
}

/* The test: after a recorded boot, reverse-step returns exactly the
 * previous instruction's state; goto and reverse-continue land where the
 * forward run was, hash for hash (check_and_label_hashes). */
Test(monitor_replay, reverse_execution_returns_the_forward_states, .timeout = 600)
{
	char *cmd, *got, *labelled;
	const char *trace = tmp_path("boot.trace");
	int status;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	const char *rec[] = { "--record", trace, "--until", "mbr", "--snapshot-every", "2500000", NULL };
	cr_assert_eq(run_demo(rec, NULL), 0);
	cmd = tu_src_path("tests/monitor/replay_reverse.cmd");
	const char *rep[] = { "replay", trace, "--monitor", "-x", cmd, "--batch", NULL };
	got = run_exe("lockstep", rep, NULL, &status);
	/* The trace's path varies: the banner names it. */
	char *nl = strchr(got, '\n');
	cr_assert(nl);
	labelled = check_and_label_hashes(nl + 1);
	expect_transcript(labelled, "replay_reverse");
	cr_expect_eq(status, 1, "the refused writes are failed commands");
	free(labelled);
	free(got);
	free(cmd);
	remove_tmp();
}

/* Outside a replay the reverse commands say what they need. */
Test(monitor_replay, reverse_commands_need_a_replay, .timeout = 60)
{
	static const char cmds[] = "reverse-step\nrs 3\nreverse-continue\ngoto icount 5\nwhen\n";
	char in_tmpl[] = "/tmp/ls-mon-in-XXXXXX";
	int fd = mkstemp(in_tmpl), status;
	char *img = tu_build_path("pc-bios/demo.img"), *got;
	const char *p;
	int n = 0;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	cr_assert_eq(write(fd, cmds, sizeof(cmds) - 1), (ssize_t)sizeof(cmds) - 1);
	close(fd);
	const char *args[] = { "monitor", "--bios", SEABIOS, "--disk", img, "--serial", "none", NULL };
	got = run_exe("lockstep", args, in_tmpl, &status);
	unlink(in_tmpl);
	for (p = got; (p = strstr(p, "error: reverse execution needs a replay: record with --record, "
				      "then lockstep replay FILE --monitor\n")); p++)
		n++;
	cr_expect_eq(n, 5, "%s", got);
	cr_expect_eq(status, 1);
	free(got);
	free(img);
}

/* Monitor writes while recording are INPUT events: the replay verifies
 * every checkpoint, and a replay that drops them diverges. */
/* A stop at an interrupt breakpoint is inside the delivery: the handler's
 * first instruction has the icount of the interrupted boundary, where replay
 * would apply a change before the delivery. While recording the monitor
 * refuses it there; after one step it is recorded and replays exactly. */
Test(monitor_replay, no_recorded_change_inside_an_interrupt_delivery, .timeout = 600)
{
	char *got;
	const char *trace = tmp_path("int8.trace"), *script = tmp_path("int8.cmd");
	static const char cmds[] = "break int 8\ncontinue\nset eax = 0x1234\nstep\n"
				   "set eax = 0x1234\ndelete 1\ncontinue\nquit\n";

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	cr_assert_eq(tu_write_file(script, cmds, sizeof(cmds) - 1), 0);
	const char *rec[] = { "--monitor", "--record", trace, "-x", script, "--batch", NULL };
	run_demo(rec, &got);
	cr_expect(strstr(got, "(hardware) from "), "%s", got);
	cr_expect(strstr(got, "error: stopped inside an interrupt delivery, where a recorded change "
			      "cannot be replayed: step once first\n"), "%s", got);
	free(got);
	const char *rep[] = { "replay", trace, NULL };
	cr_expect_eq(lockstep(rep, NULL), 0, "the replay verifies every checkpoint");
	remove_tmp();
}

Test(monitor_replay, recorded_monitor_writes_replay_exactly, .timeout = 600)
{
	char *cmd, *got;
	const char *trace = tmp_path("writes.trace");
	struct replay_options o;
	struct replay_result res;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	cmd = tu_src_path("tests/monitor/record_writes.cmd");
	/* The icounts below are those of checkpoints every 20000 instructions. */
	const char *rec[] = { "--monitor", "--record", trace, "--checkpoint-every", "20000", "-x",
			      cmd, "--batch", NULL };
	cr_expect_eq(run_demo(rec, &got), 0);
	char *nl = strchr(got, '\n');
	cr_assert(nl);
	expect_transcript(nl + 1, "record_writes");
	free(got);

	const char *rep[] = { "replay", trace, NULL };
	cr_expect_eq(lockstep(rep, NULL), 0, "the replay verifies every checkpoint");

	replay_options_init(&o);
	cr_expect_eq(replay_trace(trace, &o, &res), 0, "%s", res.message);
	cr_expect_gt(res.checkpoints, 300);
	o.skip_monitor_writes = 1;
	cr_expect_eq(replay_trace(trace, &o, &res), 1, "%s", res.message);
	cr_expect(res.diverged);
	cr_expect_eq(res.div_icount, 60000, "the first checkpoint after the dropped reset: %s",
		     res.message);

	/* The monitor's replay reports the same divergence and stops there. */
	char err[1024], note[1024], sum[1100];
	struct replay_session *rs = replay_session_open(trace, &o, err, sizeof(err));
	cr_assert(rs, "%s", err);
	cr_expect_eq(replay_session_run(rs, NULL, note, sizeof(note)), MACHINE_STOP_REQUEST);
	cr_expect(strstr(note, "replay diverged at checkpoint 2 (icount 60000; differs: cpu,ram,dev"),
		  "%s", note);
	cr_expect_eq(cpu_icount(machine_cpu(replay_session_machine(rs))), 60000);
	cr_expect_eq(replay_session_summary(rs, sum, sizeof(sum)), 1);
	replay_session_free(rs);
	free(cmd);
	remove_tmp();
}

/* replay_session_interrupt (Ctrl-C at the monitor) stops a seek at an
 * instruction boundary, in the state every stop there shows; the session
 * goes on from there, verifying. The interrupt comes from a machine hook at
 * the int19 milestone, so it lands at the same place every run. */
struct interrupt_at {
	struct replay_session *rs;
	int fired;
};

static void interrupt_on_int19(void *opaque, enum milestone id, uint32_t boot, uint64_t icount)
{
	struct interrupt_at *ia = opaque;
	if (id == MILESTONE_INT19 && !ia->fired) {
		ia->fired = 1;
		replay_session_interrupt(ia->rs);
	}
}

Test(monitor_replay, interrupted_seek_stops_in_a_verified_state, .timeout = 600)
{
	char err[1024], note[1024], sum[1100];
	const char *trace = tmp_path("int.trace");
	struct interrupt_at ia = { 0 };
	struct machine_hooks hooks = { .opaque = &ia, .milestone = interrupt_on_int19 };
	struct machine_hashes at_stop, again;
	struct replay_session *rs;
	struct machine *m;
	uint64_t stop_ic, end;
	int h;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	/* Checkpoints every 20000 instructions: the last is at 7040000. */
	const char *rec[] = { "--record", trace, "--until", "mbr", "--checkpoint-every", "20000",
			      NULL };
	cr_assert_eq(run_demo(rec, NULL), 0);
	rs = replay_session_open(trace, NULL, err, sizeof(err));
	cr_assert(rs, "%s", err);
	m = replay_session_machine(rs);
	end = replay_session_end(rs);
	ia.rs = rs;
	h = machine_add_hooks(m, &hooks);
	cr_assert_geq(h, 0);

	cr_expect_eq(replay_session_seek(rs, end, note, sizeof(note)), 1, "%s", note);
	stop_ic = cpu_icount(machine_cpu(m));
	cr_expect(ia.fired);
	cr_expect(stop_ic > 7000000 && stop_ic < end, "stopped at %" PRIu64, stop_ic);
	char want[200];
	snprintf(want, sizeof(want), "interrupted at icount %" PRIu64 " on the way to icount %" PRIu64,
		 stop_ic, end);
	cr_expect_str_eq(note, want);
	machine_hash_state(m, &at_stop);
	machine_set_hooks(m, h, NULL);

	/* Still interrupted: a seek does not move until the request is cleared. */
	cr_expect_eq(replay_session_seek(rs, end, note, sizeof(note)), 1, "%s", note);
	cr_expect_eq(cpu_icount(machine_cpu(m)), stop_ic);
	replay_session_clear_interrupt(rs);
	cr_expect_eq(replay_session_interrupted(rs), 0);

	/* The same state as reaching that icount without an interrupt. */
	cr_expect_eq(replay_session_seek(rs, 0, note, sizeof(note)), 0, "%s", note);
	cr_expect_eq(replay_session_seek(rs, stop_ic, note, sizeof(note)), 0, "%s", note);
	machine_hash_state(m, &again);
	cr_expect(!memcmp(&at_stop, &again, sizeof(again)), "the interrupted stop's state differs");

	/* And on to the end, every checkpoint verified. */
	cr_expect_eq(replay_session_seek(rs, end, note, sizeof(note)), 0, "%s", note);
	cr_expect_str_empty(note);
	cr_expect_eq(replay_session_summary(rs, sum, sizeof(sum)), 0, "%s", sum);
	cr_expect(strstr(sum, "up to icount 7040000"), "%s", sum);
	replay_session_free(rs);
	remove_tmp();
}

/* Ctrl-C interrupts a long goto and a long reverse-continue: the session
 * says where the machine stopped and goes on at the prompt. The trace is a
 * `jmp $` loop recorded for 100M instructions, so both take seconds. */
Test(monitor_replay, sigint_interrupts_goto_and_reverse_continue, .timeout = 600)
{
	char *exe = tu_build_path("lockstep");
	const char *trace = tmp_path("loop.trace"), *cmds = tmp_path("loop.cmd");
	static const char loop[] = "set mem/w 0x1000 = 0xfeeb\nset cs = 0\nset eip = 0x1000\n"
				   "run-to icount 100000000\nquit\n";
	static char buf[65536];
	size_t len = 0;
	int in, out, st;
	pid_t pid;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	cr_assert_eq(tu_write_file(cmds, loop, sizeof(loop) - 1), 0);
	const char *rec[] = { "--monitor", "--record", trace, "-x", cmds, "--batch", NULL };
	cr_assert_eq(run_demo(rec, NULL), 0);

	buf[0] = 0;
	const char *rep[] = { "replay", trace, "--monitor", NULL };
	pid = spawn_piped(exe, rep, &in, &out);
	/* Once the echo is out, the command runs. */
	send_and_wait(in, "goto icount 100000000\n", out, buf, &len, sizeof(buf),
		      "(lockstep) goto icount 100000000\n");
	usleep(300000);
	kill(pid, SIGINT);
	/* Back from there: an execution breakpoint that never hits makes the
	 * scan run every instruction through the debugger's hooks. */
	send_and_wait(in, "when\nbreak 0x2000\nreverse-continue\n", out, buf, &len, sizeof(buf),
		      "(lockstep) reverse-continue\n");
	usleep(300000);
	kill(pid, SIGINT);
	send_and_wait(in, "when\nquit 7\n", out, buf, &len, sizeof(buf), "(lockstep) quit 7\n");
	close(in);
	st = finish_piped(pid, out, buf, &len, sizeof(buf));
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 7, "status 0x%x: %s", st, buf);
	cr_expect(!strstr(buf, "error:"), "%s", buf);

	/* goto: "stopped: interrupted at icount X on the way to icount 100000000",
	 * then the machine stands at X. */
	uint64_t x = 0, y = 0, from = 0, at = 0;
	const char *g = strstr(buf, "stopped: interrupted at icount ");
	cr_assert(g, "%s", buf);
	cr_expect_eq(sscanf(g, "stopped: interrupted at icount %" SCNu64 " on the way to icount "
			    "100000000\n[icount %" SCNu64 "]", &x, &y), 2, "%s", g);
	cr_expect(x > 0 && x < 100000000 && x == y, "%s", g);
	/* reverse-continue: where the scan was, and how far back nothing hit. */
	const char *r = strstr(buf, "(lockstep) reverse-continue\nstopped: interrupted at icount ");
	cr_assert(r, "%s", buf);
	r = strchr(r, '\n') + 1;
	cr_expect_eq(sscanf(r, "stopped: interrupted at icount %" SCNu64, &at), 1, "%s", r);
	cr_expect(at <= x, "%s", r);
	if (strstr(r, "; no hit between"))
		cr_expect(sscanf(strstr(r, "; no hit between"), "; no hit between icount %" SCNu64
				 " and %" SCNu64, &y, &from) == 2 && from == x && y < from, "%s", r);
	else
		cr_expect(strstr(r, ", before the search back from icount "), "%s", r);
	free(exe);
	remove_tmp();
}

/* `run --monitor --record` ended by SIGTERM (a guest running `jmp $`) or
 * SIGHUP (at the prompt, waiting for a command): the guest stops, the
 * prompt is left, the recording is finished (index and footer: the strict
 * replay accepts it and verifies it) and the status is 130. */
static void terminate_a_recording(int sig, const char *cmds, const char *wait_for)
{
	char *exe = tu_build_path("lockstep"), *img = tu_build_path("pc-bios/demo.img");
	const char *trace = tmp_path("term.trace");
	static char buf[16384];
	size_t len = 0;
	int in, out, st;
	pid_t pid;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	buf[0] = 0;
	const char *args[] = { "run", "--bios", SEABIOS, "--disk", img, "--serial", "none",
			       "--monitor", "--record", trace, NULL };
	pid = spawn_piped(exe, args, &in, &out);
	send_and_wait(in, cmds, out, buf, &len, sizeof(buf), wait_for);
	usleep(300000);
	kill(pid, sig);
	/* stdin stays open: the monitor must not wait for more commands. */
	st = finish_piped(pid, out, buf, &len, sizeof(buf));
	close(in);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 130, "status 0x%x: %s", st, buf);
	const char *rep[] = { "replay", trace, NULL };
	cr_expect_eq(lockstep(rep, NULL), 0, "the finished recording replays and verifies");
	free(exe);
	free(img);
	remove_tmp();
}

Test(monitor_replay, sigterm_finishes_a_monitor_recording, .timeout = 300)
{
	terminate_a_recording(SIGTERM, "set mem/w 0x1000 = 0xfeeb\nset cs = 0\nset eip = 0x1000\n"
			      "continue\n", "(lockstep) continue\n");
}

Test(monitor_replay, sighup_at_the_prompt_finishes_a_monitor_recording, .timeout = 300)
{
	terminate_a_recording(SIGHUP, "step 1000\n", "(lockstep) step 1000\n[icount 1000]");
}

/* A recording that ends with the guest's exit: the monitor's replay checks
 * the final checkpoint, at the exit's icount, like the plain replay. */
Test(monitor_replay, replay_to_the_guest_exit_checks_every_checkpoint, .timeout = 300)
{
	const char *trace = tmp_path("exit.trace");
	struct replay_result res;
	struct replay_session *rs;
	char err[1024], note[1024], sum[1100], want[100];

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	const char *rec[] = { "--record", trace, NULL };
	cr_assert_eq(run_demo(rec, NULL), 0, "the demo disk powers off");
	cr_assert_eq(replay_trace(trace, NULL, &res), 0, "%s", res.message);
	rs = replay_session_open(trace, NULL, err, sizeof(err));
	cr_assert(rs, "%s", err);
	cr_expect_eq(replay_session_run(rs, NULL, note, sizeof(note)), MACHINE_STOP_EXIT, "%s", note);
	cr_expect_eq(replay_session_summary(rs, sum, sizeof(sum)), 0, "%s", sum);
	snprintf(want, sizeof(want), "verified %" PRIu64 " checkpoints, up to icount %" PRIu64,
		 res.checkpoints, res.final_icount);
	cr_expect_str_eq(sum, want);
	/* Going on meets the end of the trace. */
	replay_session_run(rs, NULL, note, sizeof(note));
	cr_expect(strstr(note, "end of the trace"), "%s", note);
	replay_session_free(rs);
	remove_tmp();
}

/* A recording that cannot be written (the file size limit stands in for a
 * full disk) stops the monitor's run and says why, at every resume; the
 * session's status is the usage error lockstep gives for it. */
Test(monitor_replay, recording_write_error_stops_the_run_with_a_note, .timeout = 300)
{
	static const char cmds[] = "set mem/w 0x1000 = 0xfeeb\nset cs = 0\nset eip = 0x1000\n"
				   "run-to icount 100000000\nstep\nquit\n";
	char *exe = tu_build_path("lockstep"), *img = tu_build_path("pc-bios/demo.img"), *got;
	const char *trace = tmp_path("full.trace"), *in = tmp_path("full.cmd"),
		   *out = tmp_path("full.out");
	const char *p;
	int st, n = 0;
	pid_t pid;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	cr_assert_eq(tu_write_file(in, cmds, sizeof(cmds) - 1), 0);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 2048, 2048 };
		int ifd = open(in, O_RDONLY), ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(ifd, 0);
		dup2(ofd, 1);
		signal(SIGXFSZ, SIG_IGN);   /* writes past the limit fail with EFBIG */
		setrlimit(RLIMIT_FSIZE, &rl);
		execl(exe, exe, "run", "--bios", SEABIOS, "--disk", img, "--serial", "none",
		      "--monitor", "--record", trace, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	got = read_text(out);
	cr_assert(got);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status 0x%x: %s", st, got);
	for (p = got; (p = strstr(p, "stopped: the recording failed: write failed: File too large")); p++)
		n++;
	cr_expect_eq(n, 2, "run-to and step both say why they stopped: %s", got);
	cr_expect(!strstr(got, "[icount 100000000]"), "%s", got);
	free(got);
	free(exe);
	free(img);
	remove_tmp();
}

/* reverse-continue leaves a temporary breakpoint (until's) alone: going
 * back it neither stops nor is used up; the ordinary one before it stops. */
Test(monitor_replay, reverse_continue_passes_over_temporary_breakpoints, .timeout = 300)
{
	const char *trace = tmp_path("tmpbp.trace");
	struct replay_session *rs;
	struct dbg_bp bp, *tb;
	struct dbg_stop st;
	struct dbg *d;
	char err[1024];
	int tid, pid;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	const char *rec[] = { "--record", trace, "--until", "mbr", NULL };
	cr_assert_eq(run_demo(rec, NULL), 0);
	d = replay_dbg(trace, NULL, &rs);
	cr_assert_eq(dbg_goto(d, replay_session_end(rs), err, sizeof(err)), 0, "%s", err);
	memset(&bp, 0, sizeof(bp));
	bp.kind = DBG_BP_MILESTONE;
	bp.enabled = 1;
	bp.milestone = MILESTONE_PAM_UNLOCK;
	pid = dbg_bp_add(d, &bp);
	bp.milestone = MILESTONE_INT19;
	bp.temporary = 1;
	tid = dbg_bp_add(d, &bp);
	cr_assert_eq(dbg_reverse_continue(d, &st), 0, "%s", st.detail);
	cr_expect_eq(st.kind, DBG_STOP_BREAK, "%s", st.detail);
	cr_expect_eq(st.bp_id, pid, "%s", st.detail);
	tb = dbg_bp_find(d, tid);
	cr_expect(tb && tb->enabled && tb->hits == 0, "the temporary breakpoint is untouched");
	dbg_free(d);
	replay_session_free(rs);
	remove_tmp();
}

/* A divergence that reverse-continue meets on its way back (here: a replay
 * that drops the recorded monitor writes, positioned past them by a
 * keyframe jump) stops the scan and is reported. */
Test(monitor_replay, reverse_continue_reports_a_divergence_on_the_way, .timeout = 300)
{
	char *cmd = tu_src_path("tests/monitor/record_writes.cmd");
	const char *trace = tmp_path("rcdiv.trace");
	struct replay_options o;
	struct replay_session *rs;
	struct dbg_stop st;
	struct dbg *d;
	char err[1024];

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	/* Checkpoints every 20000 instructions, as the divergence below says. */
	const char *rec[] = { "--monitor", "--record", trace, "--snapshot-every", "100000",
			      "--checkpoint-every", "20000", "-x", cmd, "--batch", NULL };
	cr_assert_eq(run_demo(rec, NULL), 0);
	replay_options_init(&o);
	o.skip_monitor_writes = 1;
	d = replay_dbg(trace, &o, &rs);
	/* From the keyframe at 200000 on, the replay matches. */
	cr_assert_eq(dbg_goto(d, 250000, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(err[0], 0, "goto: %s", err);
	cr_assert_eq(dbg_reverse_continue(d, &st), 0, "%s", st.detail);
	cr_expect_eq(st.kind, DBG_STOP_REPLAY, "%s", st.detail);
	/* Seeking to the interval before the keyframe at 100000 replays from
	 * power-on, over the dropped reset at 50000. */
	cr_expect(strstr(st.detail, "replay diverged at checkpoint 2 (icount 60000"), "%s",
		  st.detail);
	dbg_free(d);
	replay_session_free(rs);
	free(cmd);
	remove_tmp();
}

/* The tests run one at a time: they spawn processes of their own. */
int main(int argc, char *argv[])
{
	return tu_main_one_at_a_time(argc, argv);
}
