/* tests/test_trace_cli.c: `lockstep trace show|stats` (replay/trace_cli.c) on
 * synthetic traces: output text, filters, errors, truncated files. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay/trace_cli.h"
#include "replay/trace_format.h"
#include "replay/trace_synth.h"
#include "tests/testutil.h"

struct cli_result {
	int status;
	char *out;
	char *err;
};

/* Runs trace_cmd_run with argv = { "trace", args... }. */
static struct cli_result run(const char *const *args)
{
	struct cli_result r;
	char *argv[32];
	size_t olen, elen;
	FILE *o = open_memstream(&r.out, &olen), *e = open_memstream(&r.err, &elen);
	int argc = 0;

	argv[argc++] = (char *)"trace";
	while (args[argc - 1] && argc < 31) {
		argv[argc] = (char *)args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	r.status = trace_cmd_run(argc, argv, o, e);
	fclose(o);
	fclose(e);
	return r;
}

static void run_free(struct cli_result *r)
{
	free(r->out);
	free(r->err);
}

static char *synth(uint64_t n, uint32_t frame_events, int finish)
{
	struct trace_synth_options o = { n, 0, frame_events, 0, !finish };
	char t[] = "/tmp/ls-trace-cli-XXXXXX", err[256];
	int fd = mkstemp(t);

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(trace_synth_write(t, &o, err, sizeof(err)), 0, "%s", err);
	return strdup(t);
}

static int count_prefixed(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

Test(trace_cli, show_prints_one_line_per_event)
{
	char *p = synth(40, 10, 1);
	struct cli_result r = run((const char *[]){ "show", p, NULL });

	static const char head[] =
		"3 ROM_LOAD blob=0 name=bios.bin addr=0xfffe0000 size=0x20000\n"
		"3 ROM_RESET boot=0 blobs=2\n"
		"13 PAM reg=0x59 old=0x62 new=0x33\n"
		"13 SMRAM old=0x02 new=0x0a\n"
		"23 SYSTEM_RESET cause=power-on\n"
		"23 CPU_MODE cr0=0x60000010->0x60000011 pe=0->1 pg=0->0\n"
		"33 INTERRUPT vector=0x26 kind=hard at=f000:0000da26 error=none\n"
		"33 IO out port=0x0080 size=1 value=0xd7\n"
		"43 IO write mmio=0xfee000b0 size=8 value=0xf1bbcd88f1bbcd88\n"
		"43 DEBUG_OUT port=0x0402 len=1 data=\"l\"\n"
		"53 SERIAL_OUT port=0x03f8 len=1 data=\"l\"\n"
		"53 INPUT kind=serial addr=0x3f8 len=0 data=\"\"\n"
		"63 MILESTONE boot=0 name=reset\n"
		"63 CHECKPOINT cpu=";

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.err, "");
	cr_expect_eq(tu_count_lines(r.out), 40);
	cr_expect_eq(strncmp(r.out, head, strlen(head)), 0, "%s", r.out);
	cr_expect(strstr(r.out, "113 INTERRUPT vector=0x36 kind=soft at=f000:00007536 error=0x00007530\n"));
	cr_expect(strstr(r.out, "133 INPUT kind=key addr=0xafd9d5ab len=1 data=\"g\"\n"));
	cr_expect(strstr(r.out, "183 CPU_MODE cr0=0x60000010->0xe0000011 pe=0->1 pg=0->1\n"));
	run_free(&r);
	unlink(p);
	free(p);
}

Test(trace_cli, show_escapes_bytes)
{
	char *p = synth(16 * 28 + 10, 0, 1);
	struct cli_result r = run((const char *[]){ "show", p, "--events", "debug_out", NULL });

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "data=\"lockstep synthetic \\\"debug\\\"\\n\\x01\"\n"), "%s", r.out);
	run_free(&r);
	unlink(p);
	free(p);
}

Test(trace_cli, show_filters)
{
	char *p = synth(400, 30, 1);
	struct cli_result r;

	r = run((const char *[]){ "show", p, "--events", "milestone,checkpoint", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(tu_count_lines(r.out), 50);
	cr_expect_eq(count_prefixed(r.out, " MILESTONE "), 25);
	cr_expect_eq(count_prefixed(r.out, " CHECKPOINT "), 25);
	run_free(&r);

	r = run((const char *[]){ "show", "--from", "100", "--to=120", p, NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out,
		"103 SYSTEM_RESET cause=cf9-hard\n"
		"103 CPU_MODE cr0=0x60000010->0x60000011 pe=0->1 pg=0->0\n"
		"113 INTERRUPT vector=0x36 kind=soft at=f000:00007536 error=0x00007530\n"
		"113 IO out port=0x0080 size=2 value=0xeee7\n");
	run_free(&r);

	r = run((const char *[]){ "show", p, "--events", "io", "--port", "0x80", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(tu_count_lines(r.out), 25);
	cr_expect_eq(count_prefixed(r.out, " port=0x0080 "), 25);
	run_free(&r);

	r = run((const char *[]){ "show", p, "--port", "0x3f8-0x3ff", "--to", "300", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(count_prefixed(r.out, " IO "), 6, "%s", r.out);
	cr_expect_eq(count_prefixed(r.out, " IO in port=0x03f"), 3, "%s", r.out);
	cr_expect_eq(count_prefixed(r.out, " IO out port=0x03f"), 3, "%s", r.out);
	cr_expect_eq(count_prefixed(r.out, " MILESTONE "), 3, "other kinds are kept");
	run_free(&r);
	unlink(p);
	free(p);
}

Test(trace_cli, stats_summarises)
{
	char *p = synth(40, 10, 1);
	struct cli_result r = run((const char *[]){ "stats", p, NULL });
	char want[256];

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.err, "");
	snprintf(want, sizeof(want), "trace: %s\nformat: version %d, written by lockstep synthetic\n",
		 p, TRACE_FORMAT_VERSION);
	cr_expect_eq(strncmp(r.out, want, strlen(want)), 0, "%s", r.out);
	cr_expect(strstr(r.out, ", 4 frames\n"), "%s", r.out);
	cr_expect(strstr(r.out, "events: 40 shown of 40 stored, 40 seen\n"), "%s", r.out);
	cr_expect(strstr(r.out, "\nevent bytes: "), "%s", r.out);
	cr_expect(strstr(r.out, ", ratio "), "%s", r.out);
	cr_expect(strstr(r.out, "instructions: 303\n"), "%s", r.out);
	cr_expect(strstr(r.out, "bytes per million instructions: "), "%s", r.out);
	cr_expect(strstr(r.out, "checkpoints: 2\n"), "%s", r.out);
	cr_expect(strstr(r.out, "\nIO                        9           99\n"), "%s", r.out);
	cr_expect(strstr(r.out, "\nCHECKPOINT                2          166\n"), "%s", r.out);
	cr_expect(strstr(r.out, "\ntotal                    40          496\n"), "%s", r.out);
	cr_expect(strstr(r.out, "milestones:\n"
			 "            63  boot 0 reset\n"
			 "           143  boot 0 reset-vector\n"), "%s", r.out);
	run_free(&r);
	unlink(p);
	free(p);
}

Test(trace_cli, help_and_usage_errors)
{
	const char *const *bad[] = {
		(const char *[]){ NULL },
		(const char *[]){ "frobnicate", "x", NULL },
		(const char *[]){ "show", NULL },
		(const char *[]){ "show", "a", "b", NULL },
		(const char *[]){ "show", "a", "--bogus", NULL },
		(const char *[]){ "show", "a", "--events", "nothing", NULL },
		(const char *[]){ "show", "a", "--from", "12x", NULL },
		(const char *[]){ "show", "a", "--from", "9", "--to", "3", NULL },
		(const char *[]){ "show", "a", "--port", "0x3ff-0x3f8", NULL },
		(const char *[]){ "show", "a", "--port", "0x10000", NULL },
		(const char *[]){ "show", "a", "--to", NULL },
		(const char *[]){ "stats", "/nonexistent/file.trace", NULL },
	};
	struct cli_result r = run((const char *[]){ "--help", NULL });

	cr_expect_eq(r.status, 0);
	cr_expect_eq(strncmp(r.out, "usage: lockstep trace show|stats FILE", 37), 0, "%s", r.out);
	cr_expect_str_eq(r.err, "");
	run_free(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = run(bad[i]);
		cr_expect_eq(r.status, 2, "case %zu", i);
		cr_expect_str_eq(r.out, "", "case %zu", i);
		cr_expect_eq(tu_count_lines(r.err), 1, "case %zu: '%s'", i, r.err);
		cr_expect_eq(strncmp(r.err, "lockstep trace: ", 16), 0, "case %zu: '%s'", i, r.err);
		run_free(&r);
	}
}

Test(trace_cli, truncated_trace_warns_and_succeeds)
{
	char *p = synth(100, 10, 1);
	size_t n;
	uint8_t *d = tu_read_file(p, &n);
	struct cli_result r;

	cr_assert_not_null(d);
	/* Cut off the footer, the index and the last frame's tail. */
	cr_assert_eq(truncate(p, (off_t)(n - TRACE_FOOTER_SIZE - 10 * TRACE_INDEX_ENTRY - 40)), 0);
	r = run((const char *[]){ "show", p, NULL });
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(tu_count_lines(r.out), 90, "the 9 complete frames");
	cr_expect_eq(tu_count_lines(r.err), 1, "%s", r.err);
	cr_expect(strstr(r.err, "lockstep trace: warning: "), "%s", r.err);
	cr_expect(strstr(r.err, "truncated trace: inside frame 9"), "%s", r.err);
	run_free(&r);
	r = run((const char *[]){ "stats", p, NULL });
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "9 frames (truncated: no index)\n"), "%s", r.out);
	cr_expect(strstr(r.out, "events: 90 shown\n"), "%s", r.out);
	cr_expect_eq(tu_count_lines(r.err), 1, "%s", r.err);
	run_free(&r);
	free(d);
	unlink(p);
	free(p);
}

Test(trace_cli, corrupt_trace_is_an_error)
{
	char *p = synth(100, 10, 1);
	size_t n;
	uint8_t *d = tu_read_file(p, &n);
	struct cli_result r;

	cr_assert_not_null(d);
	d[n / 2] ^= 0x40;
	cr_assert_eq(tu_write_file(p, d, n), 0);
	r = run((const char *[]){ "show", p, NULL });
	cr_expect_eq(r.status, 2);
	cr_expect_eq(tu_count_lines(r.err), 1, "%s", r.err);
	cr_expect(strstr(r.err, ": offset "), "%s", r.err);
	run_free(&r);
	free(d);
	unlink(p);
	free(p);
}
