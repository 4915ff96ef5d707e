/* tests/test_cli.c: the command-line contract (help, version, errors, exit status). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

#define RUN(...) tu_run((const char *const[]){ __VA_ARGS__, NULL })

Test(cli, help_lists_every_subcommand)
{
	static const char *cmds[] = { "run", "replay", "trace", "diff", "regress", "bisect", "monitor" };
	struct run_result r = RUN("--help");
	cr_assert_eq(r.status, 0);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char needle[32];
		snprintf(needle, sizeof(needle), "\n  %s ", cmds[i]);
		cr_expect(strstr(r.out, needle), "--help does not list %s", cmds[i]);
	}
	cr_expect(strstr(r.out, "Exit status"), "--help documents the exit status");
	tu_run_free(&r);
}

Test(cli, per_subcommand_help)
{
	static const char *cmds[] = { "run", "replay", "trace", "diff", "regress", "bisect", "monitor" };
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct run_result r = RUN(cmds[i], "--help");
		cr_expect_eq(r.status, 0, "%s --help exits %d", cmds[i], r.status);
		cr_expect(!strncmp(r.out, "usage: lockstep ", 16), "%s --help: %s", cmds[i], r.out);
		cr_expect(strstr(r.out, cmds[i]));
		tu_run_free(&r);
		r = RUN("help", cmds[i]);
		cr_expect_eq(r.status, 0);
		cr_expect(!strncmp(r.out, "usage: lockstep ", 16));
		tu_run_free(&r);
	}
}

Test(cli, run_help_lists_machine_options)
{
	struct run_result r = RUN("run", "--help");
	cr_assert_eq(r.status, 0);
	cr_expect(strstr(r.out, "--bios FILE"));
	cr_expect(strstr(r.out, "-m SIZE"));
	cr_expect(strstr(r.out, "--until"));
	tu_run_free(&r);
}

Test(cli, version)
{
	struct run_result r = RUN("--version");
	cr_assert_eq(r.status, 0);
	cr_expect(!strncmp(r.out, "lockstep ", 9), "got: %s", r.out);
	cr_expect_eq(tu_count_lines(r.out), 1);
	tu_run_free(&r);
}

static void expect_usage_error(struct run_result r, const char *what)
{
	cr_expect_eq(r.status, 2, "%s: exit %d", what, r.status);
	cr_expect_eq(tu_count_lines(r.err), 1, "%s: stderr has %d lines: %s", what,
		     tu_count_lines(r.err), r.err);
	cr_expect(!strncmp(r.err, "lockstep", 8), "%s: %s", what, r.err);
	cr_expect_str_empty(r.out, "%s: stdout: %s", what, r.out);
	tu_run_free(&r);
}

Test(cli, unknown_subcommand)
{
	struct run_result r = RUN("frobnicate");
	cr_expect(strstr(r.err, "frobnicate"));
	expect_usage_error(r, "unknown subcommand");
}

Test(cli, unknown_global_option)
{
	expect_usage_error(RUN("--frob"), "unknown global option");
}

Test(cli, unknown_subcommand_option)
{
	static const char *cmds[] = { "run", "replay", "trace", "diff", "regress", "bisect", "monitor" };
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct run_result r = RUN(cmds[i], "--no-such-option");
		cr_expect(strstr(r.err, "--no-such-option"), "%s: %s", cmds[i], r.err);
		expect_usage_error(r, cmds[i]);
	}
}

Test(cli, missing_option_argument)
{
	expect_usage_error(RUN("run", "--bios"), "--bios without argument");
}

Test(cli, no_arguments_is_usage_error)
{
	struct run_result r = RUN(NULL);
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "usage:"));
	tu_run_free(&r);
}

Test(cli, bad_machine_options)
{
	expect_usage_error(RUN("run", "-m", "12Q"), "-m 12Q");
	expect_usage_error(RUN("run", "-m", "0"), "-m 0");
	expect_usage_error(RUN("run", "-m", "5G"), "-m 5G");
	expect_usage_error(RUN("run", "--machine", "q35"), "--machine q35");
	expect_usage_error(RUN("run", "--rtc", "2000-13-01T00:00:00"), "--rtc");
	expect_usage_error(RUN("run", "--serial", "tcp:1"), "--serial");
	expect_usage_error(RUN("run", "stray"), "stray argument");
}

Test(cli, wrong_size_bios_names_file_size_and_rule)
{
	char path[] = "/tmp/ls-odd-XXXXXX";
	int fd = mkstemp(path);
	static uint8_t buf[70000];
	cr_assert(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	close(fd);
	struct run_result r = RUN("run", "--bios", path);
	cr_expect(strstr(r.err, path), "%s", r.err);
	cr_expect(strstr(r.err, "70000 bytes"), "%s", r.err);
	cr_expect(strstr(r.err, "non-zero multiple of 64 KiB"), "%s", r.err);
	expect_usage_error(r, "odd-size BIOS");
	unlink(path);
}

Test(cli, empty_and_missing_bios)
{
	char path[] = "/tmp/ls-empty-XXXXXX";
	close(mkstemp(path));
	struct run_result r = RUN("run", "--bios", path);
	cr_expect(strstr(r.err, "0 bytes"), "%s", r.err);
	expect_usage_error(r, "empty BIOS");
	unlink(path);
	r = RUN("run", "--bios", "/nonexistent/bios.bin");
	cr_expect(strstr(r.err, "/nonexistent/bios.bin"), "%s", r.err);
	expect_usage_error(r, "missing BIOS");
}

Test(cli, every_subcommand_without_arguments_is_a_usage_error)
{
	static const char *cmds[] = { "replay", "trace", "diff", "regress", "bisect" };
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct run_result r = RUN(cmds[i]);
		cr_expect(!strstr(r.err, "not implemented"), "%s: %s", cmds[i], r.err);
		expect_usage_error(r, cmds[i]);
	}
}
