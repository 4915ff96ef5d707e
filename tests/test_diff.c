/*
 * tests/test_diff.c: `lockstep diff` (replay/diff*.c, replay/semantic.c).
 * The chain search on synthetic many-frame traces (the right event, few
 * frames decoded), on recordings of the test firmware with two different
 * disks (first divergent event and pinned instruction), and the semantic
 * comparison of the test firmware's variants: each deliberate change must be
 * reported in the right segment, stream and event.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine/config.h"
#include "machine/machine.h"
#include "replay/diff.h"
#include "replay/recorder.h"
#include "replay/trace_writer.h"
#include "tests/testutil.h"

#define run(...) tu_run_cmd(diff_cmd_run, "diff", __VA_ARGS__)

static char *tmpname(const char *tag)
{
	char *p = malloc(128);
	int fd;

	snprintf(p, 128, "/tmp/ls-diff-%s-XXXXXX", tag);
	fd = mkstemp(p);
	cr_assert_geq(fd, 0);
	close(fd);
	return p;
}

/* Record a boot of the test firmware rom with disk. */
static char *record(const char *rom, const char *disk)
{
	char *bios = tu_build_path(rom), *img = tu_build_path(disk), *path = tmpname("rec");
	struct machine_config cfg;
	struct recorder_options ro;
	struct machine_until u = { UNTIL_NONE, 0 };
	struct recorder *rec;
	struct machine *m;
	enum machine_stop why;
	char err[1024];

	config_init(&cfg);
	cfg.bios = bios;
	cfg.disks[cfg.ndisks++] = img;
	cfg.serial = "none";
	m = machine_new(&cfg, NULL, err, sizeof(err));
	cr_assert(m, "%s", err);
	recorder_options_init(&ro);
	ro.version = "test";
	rec = recorder_attach(m, &cfg, path, &ro, err, sizeof(err));
	cr_assert(rec, "%s", err);
	why = recorder_run(rec, &u);
	cr_assert_eq(why, MACHINE_STOP_EXIT);
	cr_assert(!recorder_finish(rec, why, err, sizeof(err)), "%s", err);
	machine_free(m);
	free(bios);
	free(img);
	return path;
}

/* A synthetic trace: n events (IO writes, a PAM write every 50, a
 * milestone every 100), frames of 4 events; event `change` (if < n) writes a
 * different value. */
static char *synth(uint64_t n, uint64_t change)
{
	static const struct trace_blob blobs[] = {
		{ TRACE_BLOB_ROM, "bios.bin", "/nonexistent/bios.bin", 65536, { 1, 2, 3 } },
	};
	struct trace_header h = { 0, "test", "machine=pc\nram=134217728\n", 0, 1, blobs };
	struct trace_writer_options wo;
	struct trace_writer *w;
	char *path = tmpname("syn"), err[256];

	trace_writer_options_init(&wo);
	wo.frame_events = 4;
	cr_assert_eq(trace_writer_open(&w, path, &h, &wo, err, sizeof(err)), 0, "%s", err);
	for (uint64_t i = 0; i < n; i++) {
		struct trace_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.icount = i * 10;
		if (i % 100 == 0) {
			ev.kind = TRACE_EV_MILESTONE;
			ev.u.milestone.id = (enum trace_milestone)(i / 100 % TRACE_MS_END);
		} else if (i % 50 == 0) {
			ev.kind = TRACE_EV_PAM;
			ev.u.pam.reg = 0x59;
			ev.u.pam.new_val = (uint8_t)(i == change ? 0x33 : 0x30);
		} else {
			ev.kind = TRACE_EV_IO;
			ev.u.io.write = 1;
			ev.u.io.size = 1;
			ev.u.io.addr = 0x80;
			ev.u.io.value = i == change ? 0xEE : (i & 0xFF);
		}
		cr_assert_eq(trace_write_event(w, &ev), 0);
	}
	cr_assert_eq(trace_writer_finish(w, n * 10), 0);
	trace_writer_free(w);
	return path;
}

Test(diff, identical_synthetic_traces)
{
	char *a = synth(2000, UINT64_MAX), *b = synth(2000, UINT64_MAX);
	struct diff_result res;

	cr_assert_eq(diff_traces(a, b, NULL, NULL, &res), 0);
	for (int s = 0; s < TRACE_NSTREAMS; s++)
		cr_expect(!res.s[s].differs);
	cr_expect_eq(res.frames_read[0], 0, "nothing decoded for equal traces");
	unlink(a);
	unlink(b);
	free(a);
	free(b);
}

Test(diff, binary_search_finds_the_event_in_few_frames)
{
	char *a = synth(2000, UINT64_MAX), *b = synth(2000, 1234);
	struct diff_options o;
	struct diff_result res;

	diff_options_init(&o);
	o.pin = 0;
	cr_assert_eq(diff_traces(a, b, &o, NULL, &res), 1);
	cr_expect(res.s[TRACE_STREAM_IO].differs && res.s[TRACE_STREAM_IO].found);
	cr_expect_eq(res.s[TRACE_STREAM_IO].a_icount, 12340);
	cr_expect_str_eq(res.s[TRACE_STREAM_IO].a_text, "12340 IO out port=0x0080 size=1 value=0xd2");
	cr_expect_str_eq(res.s[TRACE_STREAM_IO].b_text, "12340 IO out port=0x0080 size=1 value=0xee");
	cr_expect(!res.s[TRACE_STREAM_PAM].differs);
	cr_expect(!res.s[TRACE_STREAM_MILESTONE].differs);
	cr_expect(res.s[TRACE_STREAM_ALL].differs);
	cr_expect_eq(res.s[TRACE_STREAM_ALL].b_icount, 12340);
	/* 500 frames each, two streams differ: the search decodes one frame per
	 * stream; the context reads back to the milestone before (8 frames)
	 * and on to the one after (16 frames). A linear scan would read 309. */
	cr_expect_leq(res.frames_read[0], 2 * (1 + 8 + 17), "A: %lu frames decoded",
		      (unsigned long)res.frames_read[0]);
	cr_expect_leq(res.frames_read[1], 2 * (1 + 8 + 17));
	unlink(a);
	unlink(b);
	free(a);
	free(b);
}

Test(diff, stream_that_agrees_past_the_divergence)
{
	/* Event 1250 is a PAM write: the io chain keeps agreeing after it. */
	char *a = synth(2000, UINT64_MAX), *b = synth(2000, 1250);
	struct run_result r = run((const char *[]){ a, b, "--no-pin", "--streams", "pam,io", NULL });

	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.out, "stream io: identical\n"), "%s", r.out);
	cr_expect(strstr(r.out, "  A: 12500 PAM reg=0x59 old=0x00 new=0x30\n"
				"  B: 12500 PAM reg=0x59 old=0x00 new=0x33\n"), "%s", r.out);
	cr_expect(strstr(r.out, "after milestone 0:shadow-done (icount 12000); next milestone A "
				"0:pam-lock (icount 13000), B 0:pam-lock (icount 13000)"), "%s", r.out);
	cr_expect(strstr(r.out, "result: different (pam)\n"), "%s", r.out);
	tu_run_free(&r);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
}

Test(diff, different_disks_pin_the_instruction)
{
	char *a = record("pc-bios/testfw/testfw.rom", "pc-bios/testfw/disk.img");
	char *b = record("pc-bios/testfw/testfw.rom", "pc-bios/testfw/disk-alt.img");
	struct run_result r = run((const char *[]){ a, b, NULL });

	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	/* The first sector word that differs: "k\n" against "th". */
	cr_expect(strstr(r.out, "stream all: first divergent event"), "%s", r.out);
	cr_expect(strstr(r.out, "  after milestone 0:boot-read (icount 2265); next milestone A "
				"0:mbr (icount 2533), B 0:mbr (icount 2533)\n"), "%s", r.out);
	cr_expect(strstr(r.out, "  A: 2296 IO in port=0x01f0 size=2 value=0x0a6b\n"
				"  B: 2296 IO in port=0x01f0 size=2 value=0x6874\n"), "%s", r.out);
	cr_expect(strstr(r.out, "stream pam: identical\n"), "%s", r.out);
	/* READ SECTORS loads the sector into the drive: device state differs
	 * after that OUT, before any data reaches the CPU. */
	cr_expect(strstr(r.out, "first divergent instruction (re-executed both from icount 0): "
				"icount 2265 -> 2266, differs: dev\n"), "%s", r.out);
	cr_expect(strstr(r.out, "  A: f000:00000092  ee"), "%s", r.out);
	cr_expect(strstr(r.out, "out dx, al\n"), "%s", r.out);
	cr_expect(strstr(r.out, "  edx     000001f7   000001f7\n"), "%s", r.out);
	cr_expect(strstr(r.out, "result: different (io, debug, milestone, all)\n"), "%s", r.out);
	tu_run_free(&r);
	r = run((const char *[]){ a, a, NULL });
	cr_expect_eq(r.status, 0);
	cr_expect(strstr(r.out, "result: identical\n"));
	tu_run_free(&r);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
}

/* The variants of the test firmware, compared semantically. */
static struct run_result variant(const char *name, const char *const *extra)
{
	char rom[64];
	char *a, *b;
	const char *args[24];
	int n = 0;
	struct run_result r;

	snprintf(rom, sizeof(rom), "pc-bios/testfw/testfw-%s.rom", name);
	a = record("pc-bios/testfw/testfw.rom", "pc-bios/testfw/disk.img");
	b = record(rom, "pc-bios/testfw/disk.img");
	args[n++] = a;
	args[n++] = b;
	while (extra && *extra && n < 22)
		args[n++] = *extra++;
	args[n] = NULL;
	r = run(args);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
	return r;
}

Test(diff, variant_pam_value)
{
	struct run_result r = variant("pam", NULL);

	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect(strstr(r.out, "semantic comparison (the ROM images differ)\n"), "%s", r.out);
	cr_expect(strstr(r.out, "0:pam-unlock         pam            1 "), "%s", r.out);
	/* B never runs from shadow RAM (PAM0 0x00 at the lock): no shadow-done,
	 * so what A has in that segment B has in the pam-lock one. */
	cr_expect(strstr(r.out, "0:pam-lock           io             0 0000000000000000     16 "
				"d66c8f268a598b40  DIFFERS\n"), "%s", r.out);
	cr_expect(strstr(r.out, "0:shadow-done        io            16 d66c8f268a598b40      -"
				"                -  only in A\n"), "%s", r.out);
	cr_expect(strstr(r.out, "first difference: segment 0:pam-unlock, stream io, event 1 of the "
				"segment\n"
				"     out port=0x0cf8 size=4 value=0x80000058   (A icount 2151, B icount "
				"2151)\n"
				"  A: out port=0x0cfd size=1 value=0x10   (icount 2154)\n"
				"  B: out port=0x0cfd size=1 value=0x00   (icount 2154)\n"), "%s", r.out);
	tu_run_free(&r);
	r = variant("pam", (const char *[]){ "--streams", "pam", NULL });
	cr_expect(strstr(r.out, "first difference: segment 0:pam-unlock, stream pam, event 0 of the "
				"segment\n"
				"  A: PAM reg=0x59 0x20->0x10   (icount 2154)\n"
				"  B: PAM reg=0x59 0x20->0x00   (icount 2154)\n"), "%s", r.out);
	cr_expect(!strstr(r.out, " io "), "only the pam stream is shown");
	tu_run_free(&r);
}

Test(diff, variant_extra_port_write)
{
	struct run_result r = variant("port", NULL);

	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.out, "first difference: segment 0:shadow-done, stream io, event 0 of the "
				"segment\n"
				"  A: out port=0x0402 size=1 value=0x74   (icount 2168)\n"
				"  B: out port=0x0080 size=1 value=0x42   (icount 2157)\n"), "%s", r.out);
	tu_run_free(&r);
	/* Leaving the POST port out makes them equal. */
	r = variant("port", (const char *[]){ "--ignore-port", "0x80", NULL });
	cr_expect_eq(r.status, 0, "%s", r.out);
	cr_expect(strstr(r.out, "result: identical\n"));
	tu_run_free(&r);
}

Test(diff, variant_debug_string)
{
	struct run_result r = variant("debug", (const char *[]){ "--ignore-port", "0x402", NULL });

	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.out, "first difference: segment 0:reset-vector, stream debug, event 0 of "
				"the segment\n"
				"  A: line 0x402 \"testfw: hello\"   (icount 14)\n"
				"  B: line 0x402 \"testfw: hello, variant\"   (icount 14)\n"), "%s", r.out);
	tu_run_free(&r);
	r = variant("debug", (const char *[]){ "--ignore-port", "0x402", "--debug-filter",
					       "hello.*", NULL });
	cr_expect_eq(r.status, 0, "%s", r.out);
	tu_run_free(&r);
}

Test(diff, variant_missing_lock)
{
	struct run_result r = variant("nolock", (const char *[]){ "--streams", "milestone", NULL });

	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.out, "0:pam-lock           milestone      1 "), "%s", r.out);
	cr_expect(strstr(r.out, "      -                -  only in A\n"), "%s", r.out);
	cr_expect(strstr(r.out, "first difference: segment 0:pam-lock, stream milestone, event 0 of "
				"the segment (segment only in A)\n"
				"  A: MILESTONE pam-lock boot=0   (icount 2154)\n"
				"  B: (no more events in this segment)\n"), "%s", r.out);
	tu_run_free(&r);
}

Test(diff, usage_errors)
{
	struct run_result r = run((const char *[]){ "--help", NULL });
	cr_expect_eq(r.status, 0);
	cr_expect(strstr(r.out, "usage: lockstep diff"));
	tu_run_free(&r);

	r = run((const char *[]){ "a.trace", NULL });
	cr_expect_eq(r.status, 2);
	cr_expect_eq(tu_count_lines(r.err), 1, "%s", r.err);
	tu_run_free(&r);

	r = run((const char *[]){ "a", "b", "--streams", "bogus", NULL });
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "bad stream list 'bogus'"));
	tu_run_free(&r);

	r = run((const char *[]){ "a", "b", "--debug-filter", "(", NULL });
	cr_expect_eq(r.status, 2);
	cr_expect_eq(tu_count_lines(r.err), 1, "%s", r.err);
	tu_run_free(&r);

	r = run((const char *[]){ "/nonexistent/a.trace", "/nonexistent/b.trace", NULL });
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "lockstep diff: /nonexistent/a.trace: "), "%s", r.err);
	cr_expect_eq(tu_count_lines(r.err), 1);
	tu_run_free(&r);
}
