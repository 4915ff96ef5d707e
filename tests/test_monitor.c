/*
 * tests/test_monitor.c: scripted monitor sessions on SeaBIOS, compared with
 * tests/monitor/NAME.out. Each script is run by tests/monitor_driver with
 * -x NAME.cmd --batch (the serial console off). Regenerate the expected
 * files after an intended change with LOCKSTEP_UPDATE_EXPECTED=1 make check,
 * then read the diff.
 */
#include <criterion/criterion.h>
#include <criterion/options.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Run the driver with args (NULL-terminated) and stdin from in_path;
 * returns stdout (malloc'd) and the exit status. */
static char *run_driver(const char *const *args, const char *in_path, int *status)
{
	char out_tmpl[] = "/tmp/ls-mon-XXXXXX";
	int ofd = mkstemp(out_tmpl), st;
	char *exe = tu_build_path("tests/monitor_driver");
	const char *argv[32];
	int n = 0;
	char *data;
	pid_t pid;

	cr_assert_geq(ofd, 0);
	argv[n++] = exe;
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
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

static void run_script(const char *name, const char *disk, int want_status)
{
	char rel[256];
	char *cmd, *out_path, *img;
	char *got, *want;
	int status;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	snprintf(rel, sizeof(rel), "tests/monitor/%s.cmd", name);
	cmd = tu_src_path(rel);
	snprintf(rel, sizeof(rel), "tests/monitor/%s.out", name);
	out_path = tu_src_path(rel);
	img = tu_build_path(disk);
	const char *args[] = { "--disk", img, "-x", cmd, "--batch", NULL };
	got = run_driver(args, NULL, &status);
	if (getenv("LOCKSTEP_UPDATE_EXPECTED")) {
		cr_assert_eq(tu_write_file(out_path, got, strlen(got)), 0);
	} else {
		want = read_text(out_path);
		cr_assert(want, "missing %s", out_path);
		expect_same(got, want, name);
		free(want);
	}
	cr_expect_eq(status, want_status, "%s: exit status %d", name, status);
	free(got);
	free(cmd);
	free(out_path);
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
	char buf[8192];
	size_t len = 0;
	int in[2], out[2], st;
	pid_t pid;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(out), 0);
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(drv, drv, "--disk", img, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	cr_assert_eq(write(in[1], cmds, sizeof(cmds) - 1), (ssize_t)sizeof(cmds) - 1);
	/* Once the echo of `continue` is out, the guest is running. */
	while (!strstr(buf, "(lockstep) continue\n") && len < sizeof(buf) - 1) {
		ssize_t n = read(out[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = 0;
	}
	usleep(100000);
	kill(pid, SIGINT);
	static const char rest[] = "print ip\nquit 7\n";
	cr_assert_eq(write(in[1], rest, sizeof(rest) - 1), (ssize_t)sizeof(rest) - 1);
	close(in[1]);
	for (ssize_t n; len < sizeof(buf) - 1 && (n = read(out[0], buf + len, sizeof(buf) - 1 - len)) > 0;)
		len += (size_t)n;
	buf[len] = 0;
	close(out[0]);
	waitpid(pid, &st, 0);
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

/* The tests run one at a time: they spawn processes of their own, and with
 * Criterion's parallel runner LeakSanitizer reports a Criterion-internal
 * allocation (48 bytes per overlapping test) that fails the ASan build. */
int main(int argc, char *argv[])
{
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;

	criterion_options.jobs = 1;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return result;
}
