/*
 * tests/test_bisect.c: `lockstep bisect` (replay/bisect.c) over the test
 * firmware's variants with each predicate, and over two traces.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/bisect.h"
#include "tests/testutil.h"

#define run(...) tu_run_cmd(bisect_cmd_run, "bisect", __VA_ARGS__)

static char *fw(const char *name)
{
	char rel[64];
	snprintf(rel, sizeof(rel), "pc-bios/testfw/%s.rom", name);
	return tu_build_path(rel);
}

/* Images in order: good, pam, debug, nolock, port, bad = nolock. The first
 * one without a pam-lock milestone is #3. */
Test(bisect, reaches_milestone)
{
	char *g = fw("testfw"), *p = fw("testfw-pam"), *d = fw("testfw-debug");
	char *n = fw("testfw-nolock"), *o = fw("testfw-port"), *disk;
	struct run_result r;

	disk = tu_build_path("pc-bios/testfw/disk.img");
	r = run((const char *[]){ "--good", g, "--bad", n, "--reaches", "pam-lock", "--disk", disk,
				  p, d, n, o, NULL });
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "bisect: 4 images between the good and the bad one\n"), "%s", r.out);
	cr_expect(strstr(r.out, ": reaches pam-lock at icount 2154\n"), "%s", r.out);
	cr_expect(strstr(r.out, "step 1: [0..5] #2 "), "%s", r.out);
	cr_expect(strstr(r.out, "testfw-debug.rom: reaches pam-lock at icount 2199 -> good\n"));
	cr_expect(strstr(r.out, "step 2: [2..5] #3 "), "%s", r.out);
	cr_expect(strstr(r.out, "testfw-nolock.rom: does not reach pam-lock (stopped: debug-exit) "
				"-> bad\n"), "%s", r.out);
	cr_expect(!strstr(r.out, "step 3"), "log2 steps only");
	cr_expect(strstr(r.out, "first bad: #3 "), "%s", r.out);
	tu_run_free(&r);
	free(g);
	free(p);
	free(d);
	free(n);
	free(o);
	free(disk);
}

Test(bisect, same_stream_at_milestone)
{
	char *g = fw("testfw"), *p = fw("testfw-pam"), *d = fw("testfw-debug");
	char *o = fw("testfw-port"), *disk = tu_build_path("pc-bios/testfw/disk.img");
	struct run_result r;

	/* debug leaves the io of the shadow-done segment alone; port does not
	 * (pam never runs from shadow RAM, but bisection does not reach it). */
	r = run((const char *[]){ "--good", g, "--bad", o, "--same", "io@shadow-done", "--disk", disk,
				  p, d, o, NULL });
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "io hash d66c8f268a598b40 (as the good image)"), "%s", r.out);
	cr_expect(strstr(r.out, "first bad: #3 "), "%s", r.out);
	cr_expect(strstr(r.out, "testfw-port.rom (the last good: #2 "), "%s", r.out);
	tu_run_free(&r);
	/* Over the whole boot, the debug stream changes first at the debug variant. */
	r = run((const char *[]){ "--good", g, "--bad", d, "--same", "debug", "--disk", disk, p, o,
				  d, NULL });
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "first bad: #3 "), "%s", r.out);
	cr_expect(strstr(r.out, "testfw-debug.rom (the last good: #2 "), "%s", r.out);
	tu_run_free(&r);
	free(g);
	free(p);
	free(d);
	free(o);
	free(disk);
}

Test(bisect, user_command)
{
	char *g = fw("testfw"), *p = fw("testfw-pam"), *d = fw("testfw-debug");
	char *o = fw("testfw-port");
	struct run_result r;

	r = run((const char *[]){ "--good", g, "--bad", o, "--run",
				  "case \"$LOCKSTEP_FIRMWARE\" in *-debug.rom|*-port.rom) exit 1;; "
				  "esac; test -f \"$1\"", p, d, NULL });
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "first bad: #2 "), "%s", r.out);
	cr_expect(strstr(r.out, "command exit 1 -> bad\n"), "%s", r.out);
	tu_run_free(&r);
	free(g);
	free(p);
	free(d);
	free(o);
}

Test(bisect, bad_brackets_and_usage)
{
	char *g = fw("testfw"), *n = fw("testfw-nolock");
	char *disk = tu_build_path("pc-bios/testfw/disk.img");
	struct run_result r;

	/* Without a disk the loader would poll the ATA status up to the cap. */
	r = run((const char *[]){ "--good", n, "--bad", g, "--reaches", "pam-lock", "--disk", disk,
				  NULL });
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.out, "result: the good image does not pass the test\n"), "%s", r.out);
	tu_run_free(&r);
	r = run((const char *[]){ "--good", g, "--bad", "/nonexistent.rom", "--reaches", "int19",
				  "--max-icount", "100000", NULL });
	cr_expect_eq(r.status, 125, "%s", r.out);
	tu_run_free(&r);
	r = run((const char *[]){ "--good", g, "--bad", n, NULL });
	cr_expect_eq(r.status, 2);
	cr_expect_eq(tu_count_lines(r.err), 1);
	tu_run_free(&r);
	r = run((const char *[]){ "--good", g, "--bad", n, "--reaches", "nowhere", NULL });
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "unknown milestone 'nowhere'"));
	tu_run_free(&r);
	r = run((const char *[]){ "--trace", "a", NULL });
	cr_expect_eq(r.status, 2);
	tu_run_free(&r);
	r = run((const char *[]){ "--help", NULL });
	cr_expect_eq(r.status, 0);
	cr_expect(strstr(r.out, "usage: lockstep bisect"));
	tu_run_free(&r);
	free(g);
	free(n);
	free(disk);
}
