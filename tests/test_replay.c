/*
 * tests/test_replay.c: recording and replay end to end: the same run gives
 * the same bytes; a recording replays and verifies; a changed ROM is refused
 * by name; an injected divergence is reported at the right checkpoint and
 * pinned to the right instruction; scripted input is recorded and replayed;
 * --trace-io never changes the chains; bad traces are refused.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "machine/machine.h"
#include "replay/input_script.h"
#include "replay/recorder.h"
#include "replay/replayer.h"
#include "replay/trace_pipe.h"
#include "replay/trace_reader.h"
#include "tests/testutil.h"

#define BIOS "/usr/share/seabios/bios.bin"

static char tmpdir[256];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ls-test-replay-XXXXXX");
	cr_assert(mkdtemp(tmpdir));
}

/* A path in the test's temporary directory; up to 8 stay valid at once
 * (static storage, so nothing to free and nothing for LeakSanitizer). */
static char *tmp(const char *name)
{
	static char paths[8][512];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, 512, "%s/%s", tmpdir, name);
	return p;
}

/* Record BIOS (+ demo disk) until `until` into path. */
static void record(const char *bios, const char *path, const char *until,
		   const struct recorder_options *ro)
{
	struct machine_config cfg;
	struct machine_until u;
	struct recorder *rec;
	struct machine *m;
	char err[1024];

	if (access(BIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	config_init(&cfg);
	cfg.bios = bios;
	cfg.serial = "none";
	cfg.disks[cfg.ndisks++] = tu_build_path("pc-bios/demo.img");
	cr_assert(!machine_parse_until(until, &u, err, sizeof(err)), "%s", err);
	m = machine_new(&cfg, NULL, err, sizeof(err));
	cr_assert(m, "%s", err);
	rec = recorder_attach(m, &cfg, path, ro, err, sizeof(err));
	cr_assert(rec, "%s", err);
	cr_assert_eq(recorder_run(rec, &u), MACHINE_STOP_UNTIL);
	cr_assert(!recorder_finish(rec, MACHINE_STOP_UNTIL, err, sizeof(err)), "%s", err);
	machine_free(m);
}

static struct recorder_options opts(uint64_t every)
{
	struct recorder_options ro;
	recorder_options_init(&ro);
	ro.version = "test";
	ro.checkpoint_every = every;
	return ro;
}

Test(replay, same_run_twice_gives_identical_traces_that_replay, .timeout = 600)
{
	struct recorder_options ro = opts(0);
	struct replay_result res;
	char *a, *b;
	uint8_t *da, *db;
	size_t la, lb;

	make_tmpdir();
	a = tmp("a.trace");
	b = tmp("b.trace");
	record(BIOS, a, "mbr", &ro);
	record(BIOS, b, "mbr", &ro);
	da = tu_read_file(a, &la);
	db = tu_read_file(b, &lb);
	cr_assert(da && db);
	cr_expect_eq(la, lb);
	cr_expect(la == lb && !memcmp(da, db, la), "byte-identical traces");

	cr_expect_eq(replay_trace(a, NULL, &res), 0, "%s", res.message);
	cr_expect(!res.diverged);
	cr_expect_geq(res.checkpoints, 200, "a SeaBIOS boot has hundreds of checkpoints (%llu)",
		     (unsigned long long)res.checkpoints);
	free(da);
	free(db);
}

Test(replay, changed_rom_is_refused_by_name, .timeout = 120)
{
	struct recorder_options ro = opts(0);
	struct replay_result res;
	char *bios, *t;
	uint8_t *img;
	size_t len;

	make_tmpdir();
	bios = tmp("mybios.bin");   /* a name the firmware search path does not know */
	t = tmp("t.trace");
	if (access(BIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed");
	img = tu_read_file(BIOS, &len);
	cr_assert(img && !tu_write_file(bios, img, len));
	record(bios, t, "icount=50000", &ro);
	cr_expect_eq(replay_trace(t, NULL, &res), 0, "%s", res.message);
	img[len - 100] ^= 0x40;
	cr_assert(!tu_write_file(bios, img, len));
	cr_expect_eq(replay_trace(t, NULL, &res), 2);
	cr_expect(strstr(res.message, "mybios.bin") && strstr(res.message, "differs"), "%s",
		  res.message);
	cr_expect(!strchr(res.message, '\n'), "one line");
	unlink(bios);
	cr_expect_eq(replay_trace(t, NULL, &res), 2);
	cr_expect(strstr(res.message, "mybios.bin"), "%s", res.message);
	free(img);
}

/* DR0 is never touched by SeaBIOS: the flip persists until the checkpoint
 * (a flipped EAX may be overwritten before it and never be seen). */
static void flip_dr0(void *opaque, struct machine *m)
{
	struct cpu *c = machine_cpu(m);
	cpu_set_reg(c, CPU_DR0, cpu_get_reg(c, CPU_DR0) ^ 0x100);
}

Test(replay, injected_divergence_is_found_and_pinned, .timeout = 300)
{
	struct recorder_options ro = opts(20000);
	struct replay_options o;
	struct replay_result res;
	char *t;

	make_tmpdir();
	t = tmp("d.trace");
	record(BIOS, t, "icount=300000", &ro);
	replay_options_init(&o);
	o.perturb = flip_dr0;
	o.perturb_icount = 123457;
	cr_expect_eq(replay_trace(t, &o, &res), 1, "%s", res.message);
	cr_expect(res.diverged);
	cr_expect_eq(res.div_icount, 140000, "the first checkpoint after the flip");
	cr_expect_eq(res.div_checkpoint, 6);
	cr_expect_eq(res.good_icount, 120000);
	cr_expect(res.div_mask & 1, "the CPU state differs");
	cr_expect(res.pinned, "%s", res.message);
	cr_expect_eq(res.pin_icount, 123457, "%s", res.message);
	cr_expect(strstr(res.message, "checkpoint 6") && strstr(res.message, "icount 123457"), "%s",
		  res.message);
	/* Without the perturbation it verifies. */
	cr_expect_eq(replay_trace(t, NULL, &res), 0, "%s", res.message);
}

Test(replay, trace_io_never_changes_the_chains, .timeout = 300)
{
	struct recorder_options all = opts(50000), none = opts(50000), some = opts(50000);
	const struct trace_footer *fa, *fn, *fs;
	struct trace_reader *ra, *rn, *rs;
	struct replay_result res;
	char err[512], *a, *n, *s;

	make_tmpdir();
	a = tmp("all.trace");
	n = tmp("none.trace");
	s = tmp("some.trace");
	none.trace_io = "none";
	some.trace_io = "0x80,0x402,0xcf8-0xcff";
	record(BIOS, a, "icount=400000", &all);
	record(BIOS, n, "icount=400000", &none);
	record(BIOS, s, "icount=400000", &some);
	cr_assert(!trace_reader_open(&ra, a, TRACE_READ_STRICT, err, sizeof(err)), "%s", err);
	cr_assert(!trace_reader_open(&rn, n, TRACE_READ_STRICT, err, sizeof(err)), "%s", err);
	cr_assert(!trace_reader_open(&rs, s, TRACE_READ_STRICT, err, sizeof(err)), "%s", err);
	fa = trace_reader_footer(ra);
	fn = trace_reader_footer(rn);
	fs = trace_reader_footer(rs);
	cr_expect(!memcmp(fa->chains, fn->chains, sizeof(fa->chains)));
	cr_expect(!memcmp(fa->chains, fs->chains, sizeof(fa->chains)));
	cr_expect_eq(fa->events_seen, fn->events_seen);
	cr_expect_lt(fn->events_stored, fs->events_stored);
	cr_expect_lt(fs->events_stored, fa->events_stored);
	trace_reader_close(ra);
	trace_reader_close(rn);
	trace_reader_close(rs);
	cr_expect_eq(replay_trace(n, NULL, &res), 0, "%s", res.message);
}

Test(replay, scripted_input_is_recorded_and_replayed, .timeout = 300)
{
	struct recorder_options ro = opts(30000);
	struct replay_result res;
	struct trace_reader *r;
	struct trace_event ev;
	int inputs = 0;
	char err[512], *t, *in;
	const char script[] = "# test input\n"
			      "icount=100000 serial \"hi\\r\"\n"
			      "vtime=100us key \"a\"\n"
			      "icount=250001 scancode 1c f0 1c\n";

	make_tmpdir();
	t = tmp("in.trace");
	in = tmp("in.txt");
	cr_assert(!tu_write_file(in, script, strlen(script)));
	ro.input_path = in;
	record(BIOS, t, "icount=400000", &ro);
	cr_assert(!trace_reader_open(&r, t, TRACE_READ_STRICT, err, sizeof(err)), "%s", err);
	while (trace_reader_next(r, &ev) > 0) {
		if (ev.kind != TRACE_EV_INPUT)
			continue;
		if (inputs == 0) {
			cr_expect_eq(ev.icount, 100000);
			cr_expect_eq(ev.u.input.kind, TRACE_INPUT_SERIAL);
			cr_expect(ev.u.input.len == 3 && !memcmp(ev.u.input.data, "hi\r", 3));
		} else if (inputs == 1) {
			cr_expect_eq(ev.u.input.kind, TRACE_INPUT_KEY);
			cr_expect(ev.u.input.len == 3 && ev.u.input.data[0] == 0x1C &&
				  ev.u.input.data[1] == 0xF0);
		} else if (inputs == 2) {
			cr_expect_eq(ev.icount, 250001);
		}
		inputs++;
	}
	trace_reader_close(r);
	cr_expect_eq(inputs, 3);
	cr_expect_eq(replay_trace(t, NULL, &res), 0, "%s", res.message);
}

Test(replay, bad_traces_are_refused_with_an_offset, .timeout = 120)
{
	struct recorder_options ro = opts(0);
	struct replay_result res;
	uint8_t *d;
	size_t len;
	char *t, *cut, *bad;

	make_tmpdir();
	t = tmp("ok.trace");
	cut = tmp("cut.trace");
	bad = tmp("bad.trace");
	record(BIOS, t, "icount=60000", &ro);
	d = tu_read_file(t, &len);
	cr_assert(d && len > 300);
	cr_assert(!tu_write_file(cut, d, len - 50));
	cr_expect_eq(replay_trace(cut, NULL, &res), 2);
	cr_expect(strstr(res.message, "offset") && strstr(res.message, "truncated"), "%s",
		  res.message);
	d[len / 2] ^= 0x10;
	cr_assert(!tu_write_file(bad, d, len));
	cr_expect_eq(replay_trace(bad, NULL, &res), 2);
	cr_expect(strstr(res.message, "offset"), "%s", res.message);
	cr_expect_eq(replay_trace("/nonexistent/x.trace", NULL, &res), 2);
	free(d);
}

Test(replay, rw_disks_cannot_be_recorded)
{
	struct recorder_options ro = opts(0);
	char err[256];

	ro.disk_rw = 1;
	cr_expect_null(recorder_attach(NULL, NULL, "/tmp/x", &ro, err, sizeof(err)));
	cr_expect(strstr(err, "--disk-mode snapshot"), "%s", err);
}

Test(input_script, parses_and_rejects)
{
	struct input_script s;
	char err[256];
	uint8_t codes[8];

	cr_assert(!input_script_parse(&s, "icount=5 serial \"a\\x41\\n\"  # c\n\nvtime=2us key \"A\"\n",
				      err, sizeof(err)), "%s", err);
	cr_assert_eq(s.n, 2);
	cr_expect(s.items[0].len == 3 && !memcmp(s.items[0].data, "aA\n", 3));
	cr_expect(s.items[1].at_vtime && s.items[1].at == 2000);
	cr_expect_eq(s.items[1].len, 6, "shift, key, their breaks");
	input_script_free(&s);
	cr_expect(input_script_parse(&s, "icount=5 serial \"a\"\nicount=4 serial \"b\"\n", err,
				     sizeof(err)) && strstr(err, "line 2"), "%s", err);
	cr_expect(input_script_parse(&s, "soon serial \"a\"\n", err, sizeof(err)) &&
		  strstr(err, "line 1"), "%s", err);
	cr_expect(input_script_parse(&s, "icount=1 serial \"a\n", err, sizeof(err)));
	cr_expect(input_script_parse(&s, "icount=1 mouse 1\n", err, sizeof(err)));
	cr_expect_eq(input_ascii_to_set2('q', codes), 3);
	cr_expect_eq(codes[0], 0x15);
}

Test(replay_cli, usage_errors_exit_2)
{
	char *argv1[] = { "replay", NULL };
	char *argv2[] = { "replay", "x.trace", "--bogus", NULL };
	char *argv3[] = { "replay", "x.trace", "--until", "soon", NULL };
	FILE *devnull = fopen("/dev/null", "w");

	cr_expect_eq(replay_cmd_run(1, argv1, devnull, devnull), 2);
	cr_expect_eq(replay_cmd_run(3, argv2, devnull, devnull), 2);
	cr_expect_eq(replay_cmd_run(4, argv3, devnull, devnull), 2);
	fclose(devnull);
}

/* Record tests/guests/sleep.img (sti; hlt forever) until the virtual-time
 * cap vcap (ns), the run cut into paced slices of `pace` ns as the
 * interactive console does (0: one run), with `keys` typed at the serial
 * console after the second slice. The recording ends while the guest
 * sleeps in HLT. */
static void record_sleeping(const char *path, uint64_t vcap, uint64_t pace, const char *keys)
{
	struct machine_config cfg;
	struct machine_options mo;
	struct recorder_options ro = opts(0);
	struct recorder *rec;
	struct machine *m;
	enum machine_stop why;
	char err[1024];
	int slices = 0;

	if (access(BIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	config_init(&cfg);
	cfg.bios = BIOS;
	cfg.serial = "none";
	cfg.disks[cfg.ndisks++] = tu_build_path("tests/guests/sleep.img");
	memset(&mo, 0, sizeof(mo));
	mo.vtime_cap = vcap;
	m = machine_new(&cfg, &mo, err, sizeof(err));
	cr_assert(m, "%s", err);
	rec = recorder_attach(m, &cfg, path, &ro, err, sizeof(err));
	cr_assert(rec, "%s", err);
	for (;;) {
		uint64_t step = machine_vtime(m) + pace;
		int paced = pace && step < vcap;
		if (paced)
			machine_set_vtime_cap(m, step);
		why = recorder_run(rec, NULL);
		machine_set_vtime_cap(m, vcap);
		if (!paced || why != MACHINE_STOP_VTIME_CAP)
			break;
		if (++slices == 2 && keys)
			recorder_inject_serial(rec, (const uint8_t *)keys, strlen(keys));
	}
	cr_assert_eq(why, MACHINE_STOP_VTIME_CAP);
	cr_assert(cpu_halted(machine_cpu(m)), "the recording ends in HLT");
	cr_assert(!recorder_finish(rec, why, err, sizeof(err)), "%s", err);
	free((char *)cfg.disks[0]);
	machine_free(m);
}

/* The INPUT kind idle events of a trace, and its final icount. */
static int count_idle(const char *path, uint64_t *last_at)
{
	struct trace_reader *rd;
	struct trace_event ev;
	char err[512];
	int n = 0;

	cr_assert(!trace_reader_open(&rd, path, TRACE_READ_STRICT, err, sizeof(err)), "%s", err);
	while (trace_reader_next(rd, &ev) > 0)
		if (ev.kind == TRACE_EV_INPUT && ev.u.input.kind == TRACE_INPUT_IDLE) {
			n++;
			*last_at = ev.icount;
		}
	trace_reader_close(rd);
	return n;
}

/* The virtual time a sleeping guest spends in HLT after its last
 * instruction is in the CPU state (cycles) but not in the icount: the
 * recorder stores it as an idle input, so the final checkpoint verifies,
 * in the batch replay and in the interactive one. */
Test(replay, recording_that_ends_in_hlt_verifies, .timeout = 300)
{
	struct replay_result res;
	struct replay_session *s;
	char note[1100], sum[1100];
	uint64_t at = 0;
	char *a;

	make_tmpdir();
	a = tmp("sleep.trace");
	record_sleeping(a, 5000000000ull, 0, NULL);
	cr_expect_eq(count_idle(a, &at), 1);
	cr_expect_eq(replay_trace(a, NULL, &res), 0, "%s", res.message);
	cr_expect(!res.diverged, "%s", res.message);
	cr_expect_eq(at, res.final_icount, "the idle input is at the final icount");

	s = replay_session_open(a, NULL, note, sizeof(note));
	cr_assert(s, "%s", note);
	replay_session_run(s, NULL, note, sizeof(note));
	cr_expect(strstr(note, "end of the trace"), "%s", note);
	cr_expect_eq(replay_session_summary(s, sum, sizeof(sum)), 0, "%s", sum);
	cr_expect_eq(res.checkpoints, s ? strtoull(sum + strlen("verified "), NULL, 10) : 0,
		     "%s", sum);
	replay_session_free(s);
}

/* INTERRUPT events of a trace stored at icount, and its final icount. */
static int deliveries_at_end(const char *path, uint64_t *final)
{
	struct trace_reader *rd;
	struct trace_event ev;
	char err[512];
	uint64_t last = 0;
	int n = 0;

	cr_assert(!trace_reader_open(&rd, path, TRACE_READ_STRICT, err, sizeof(err)), "%s", err);
	while (trace_reader_next(rd, &ev) > 0) {
		if (ev.kind != TRACE_EV_INTERRUPT)
			continue;
		if (ev.icount != last)
			n = 0;
		last = ev.icount;
		n++;
	}
	*final = trace_reader_footer(rd)->final_icount;
	trace_reader_close(rd);
	return last == *final ? n : 0;
}

/* A run stopped on a hardware interrupt's delivery (the MBR or INT 19h
 * milestone reached in the handler, tests/guests/fw_irq.S) ends with that
 * delivery at the final icount, stored before the final checkpoint: the
 * batch replay and the interactive one take it too and verify, also after
 * seeking back and forth. */
Test(replay, recording_stopped_on_a_delivery_verifies, .timeout = 300)
{
	static const char *const roms[] = { "tests/guests/fw_irq.rom",
					    "tests/guests/fw_irq-hard19.rom" };
	static const char *const untils[] = { "mbr", "int19" };
	struct recorder_options ro = opts(0);
	int stopped_on_delivery = 0;

	make_tmpdir();
	for (int k = 0; k < 4; k++) {
		struct replay_result res;
		struct replay_session *s;
		char name[32], note[1100], sum[1100];
		char *rom = tu_build_path(roms[k / 2]), *t;
		uint64_t final = 0;
		int n;

		snprintf(name, sizeof(name), "irq%d.trace", k);
		t = tmp(name);
		record(rom, t, untils[k % 2], &ro);
		free(rom);
		n = deliveries_at_end(t, &final);
		stopped_on_delivery += n > 0;
		cr_expect_eq(replay_trace(t, NULL, &res), 0, "%s %s: %s", roms[k / 2],
			     untils[k % 2], res.message);
		cr_expect_eq(res.final_icount, final);

		s = replay_session_open(t, NULL, note, sizeof(note));
		cr_assert(s, "%s", note);
		replay_session_run(s, NULL, note, sizeof(note));
		cr_expect(strstr(note, "end of the trace"), "%s", note);
		cr_expect_eq(replay_session_summary(s, sum, sizeof(sum)), 0, "%s", sum);
		cr_expect_eq(cpu_icount(machine_cpu(replay_session_machine(s))), final);
		cr_expect_geq(replay_session_seek(s, final > 10 ? final - 10 : 0, note, sizeof(note)),
			      0, "%s", note);
		cr_expect_geq(replay_session_seek(s, final, note, sizeof(note)), 0, "%s", note);
		replay_session_run(s, NULL, note, sizeof(note));
		cr_expect(strstr(note, "end of the trace"), "%s %s after seeking: %s", roms[k / 2],
			  untils[k % 2], note);
		cr_expect_eq(replay_session_summary(s, sum, sizeof(sum)), 0, "%s", sum);
		replay_session_free(s);
	}
	cr_expect_geq(stopped_on_delivery, 3, "the runs end on a delivery");
}

/* Paced like the console (10 ms slices of virtual time) with keys typed
 * while the guest sleeps: the time idled before the input is recorded too. */
Test(replay, input_typed_while_halted_replays, .timeout = 300)
{
	struct replay_result res;
	uint64_t at = 0;
	char *a;

	make_tmpdir();
	a = tmp("paced.trace");
	record_sleeping(a, 300000000ull, 10000000ull, "hello\r");
	cr_expect_eq(count_idle(a, &at), 2, "one before the keys, one at the end");
	cr_expect_eq(replay_trace(a, NULL, &res), 0, "%s", res.message);
	cr_expect(!res.diverged, "%s", res.message);
}

Test(replay, idle_until_needs_a_halted_cpu)
{
	struct machine_config cfg;
	struct machine *m;
	char err[256];

	if (access(BIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	config_init(&cfg);
	cfg.bios = BIOS;
	cfg.serial = "none";
	m = machine_new(&cfg, NULL, err, sizeof(err));
	cr_assert(m, "%s", err);
	cr_expect_eq(machine_idle_until(m, machine_vtime(m) + 1000, err, sizeof(err)), -1);
	cr_expect(strstr(err, "not halted"), "%s", err);
	machine_free(m);
}

/* After a keyframe seek (--until icount=N) checkpoints keep their numbers
 * in the trace, and the summary counts those verified from the keyframe. */
Test(replay, keyframe_seek_keeps_checkpoint_numbers, .timeout = 600)
{
	struct recorder_options ro = opts(10000);
	struct replay_options o;
	struct replay_result full, from_key;
	char *a;

	make_tmpdir();
	a = tmp("keys.trace");
	ro.snapshot_every = 1000000;
	record(BIOS, a, "mbr", &ro);
	replay_options_init(&o);
	o.until.kind = UNTIL_ICOUNT;
	o.until.value = 2500000;
	cr_assert_eq(replay_trace(a, &o, &from_key), 0, "%s", from_key.message);
	cr_expect_eq(from_key.start_icount, 2000000);
	cr_expect_eq(from_key.skipped_checkpoints, 200);
	cr_expect_eq(from_key.checkpoints, 50, "%s", from_key.message);
	cr_expect(strstr(from_key.message, "50 checkpoints verified from the keyframe at icount "
			 "2000000"), "%s", from_key.message);
	o.use_keyframes = 0;
	cr_assert_eq(replay_trace(a, &o, &full), 0, "%s", full.message);
	cr_expect_eq(full.checkpoints, 250, "%s", full.message);

	/* A divergence after the keyframe is numbered as in a full replay. */
	o.use_keyframes = 1;
	o.until.value = 2510000;
	o.perturb = flip_dr0;
	o.perturb_icount = 2500001;
	cr_expect_eq(replay_trace(a, &o, &from_key), 1, "%s", from_key.message);
	cr_expect_eq(from_key.div_checkpoint, 250, "%s", from_key.message);
	cr_expect(strstr(from_key.message, "diverged at checkpoint 250 "), "%s", from_key.message);
}

/* Machine, config and recorder for the tests that drive recorder_run
 * themselves. */
struct live_rec {
	struct machine_config cfg;
	struct machine *m;
	struct recorder *rec;
};

static void live_start(struct live_rec *l, const char *path, const struct recorder_options *ro)
{
	char err[1024];

	if (access(BIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	config_init(&l->cfg);
	l->cfg.bios = BIOS;
	l->cfg.serial = "none";
	l->cfg.disks[l->cfg.ndisks++] = tu_build_path("pc-bios/demo.img");
	l->m = machine_new(&l->cfg, NULL, err, sizeof(err));
	cr_assert(l->m, "%s", err);
	l->rec = recorder_attach(l->m, &l->cfg, path, ro, err, sizeof(err));
	cr_assert(l->rec, "%s", err);
}

static enum machine_stop live_run(struct live_rec *l, const char *until)
{
	struct machine_until u;
	char err[512];

	cr_assert(!machine_parse_until(until, &u, err, sizeof(err)), "%s", err);
	return recorder_run(l->rec, &u);
}

/* The recorder hands events to the writer in batches, keeping copies of
 * their bytes: input too large for that room is written at once, after
 * what waits, so the trace keeps every byte and the order. */
Test(replay, large_injected_input_keeps_its_place, .timeout = 300)
{
	struct recorder_options ro = opts(30000);
	static uint8_t big[6000];
	const char *want[3] = { "before", NULL, "after" };
	struct replay_result res;
	struct trace_reader *r;
	struct trace_event ev;
	struct live_rec l;
	char err[512], *t;
	uint64_t last = 0;
	int inputs = 0;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)('a' + i % 26);
	make_tmpdir();
	t = tmp("big.trace");
	live_start(&l, t, &ro);
	cr_assert_eq(live_run(&l, "icount=150000"), MACHINE_STOP_UNTIL);
	cr_assert_eq(recorder_inject_serial(l.rec, (const uint8_t *)"before", 6), 0);
	cr_assert_eq(recorder_inject_serial(l.rec, big, sizeof(big)), 0);
	cr_assert_eq(recorder_inject_serial(l.rec, (const uint8_t *)"after", 5), 0);
	cr_assert_eq(live_run(&l, "icount=300000"), MACHINE_STOP_UNTIL);
	cr_assert(!recorder_finish(l.rec, MACHINE_STOP_UNTIL, err, sizeof(err)), "%s", err);
	machine_free(l.m);

	cr_assert(!trace_reader_open(&r, t, TRACE_READ_STRICT, err, sizeof(err)), "%s", err);
	while (trace_reader_next(r, &ev) > 0) {
		cr_expect_geq(ev.icount, last);
		last = ev.icount;
		if (ev.kind != TRACE_EV_INPUT || ev.u.input.kind != TRACE_INPUT_SERIAL)
			continue;
		cr_assert_lt(inputs, 3);
		cr_expect_eq(ev.icount, 150000);
		if (want[inputs])
			cr_expect(ev.u.input.len == strlen(want[inputs]) &&
				  !memcmp(ev.u.input.data, want[inputs], ev.u.input.len),
				  "input %d", inputs);
		else
			cr_expect(ev.u.input.len == sizeof(big) &&
				  !memcmp(ev.u.input.data, big, sizeof(big)), "the large input");
		inputs++;
	}
	trace_reader_close(r);
	cr_expect_eq(inputs, 3);
	cr_expect_eq(replay_trace(t, NULL, &res), 0, "%s", res.message);
}

/* A recording into a trace file that cannot grow: where it stopped. */
static uint64_t record_until_full(const char *t, int mode)
{
	struct recorder_options ro = opts(30000);
	struct live_rec l;
	char err[512];
	const char *e;
	uint64_t at;

	ro.writer_thread = mode;
	live_start(&l, t, &ro);
	cr_expect_eq(live_run(&l, "mbr"), MACHINE_STOP_REQUEST);
	at = cpu_icount(machine_cpu(l.m));
	cr_expect_lt(at, 6000000, "the run stopped at the error");
	e = recorder_error(l.rec);
	cr_expect(e && strstr(e, "write failed"), "%s", e ? e : "(no error)");
	cr_expect_eq(live_run(&l, "mbr"), MACHINE_STOP_REQUEST, "and stays stopped");
	cr_expect(recorder_finish(l.rec, MACHINE_STOP_REQUEST, err, sizeof(err)));
	cr_expect(strstr(err, "write failed"), "%s", err);
	machine_free(l.m);
	return at;
}

/* A trace file that cannot grow (RLIMIT_FSIZE, as a full disk would) stops
 * the run with the writer's message, from recorder_run and again from
 * recorder_finish, written inline or by the writer thread; where it stops
 * never depends on thread timing. */
Test(replay, write_error_stops_the_recording, .timeout = 300)
{
	struct rlimit lim = { 8192, 8192 };
	uint64_t th0, th1;
	char *t;

	make_tmpdir();
	t = tmp("full.trace");
	signal(SIGXFSZ, SIG_IGN);
	cr_assert(!setrlimit(RLIMIT_FSIZE, &lim));
	record_until_full(t, TRACE_PIPE_INLINE);
	th0 = record_until_full(t, TRACE_PIPE_THREAD);
	th1 = record_until_full(t, TRACE_PIPE_THREAD);
	cr_expect_eq(th0, th1, "stopped at %llu, then at %llu", (unsigned long long)th0,
		     (unsigned long long)th1);
}

/* The writer thread changes nothing in the files: the same trace and the
 * same keyframes (whose counts and chains need every event written) as
 * writing inline. */
Test(replay, writer_thread_gives_the_same_files, .timeout = 300)
{
	const char *names[2][2] = { { "in.trace", "in.trace.keys" }, { "th.trace", "th.trace.keys" } };
	uint8_t *d[2][2];
	size_t n[2][2];

	make_tmpdir();
	for (int k = 0; k < 2; k++) {
		struct recorder_options ro = opts(30000);
		ro.snapshot_every = 500000;
		ro.writer_thread = k ? TRACE_PIPE_THREAD : TRACE_PIPE_INLINE;
		record(BIOS, tmp(names[k][0]), "icount=2000000", &ro);
		for (int f = 0; f < 2; f++) {
			d[k][f] = tu_read_file(tmp(names[k][f]), &n[k][f]);
			cr_assert_not_null(d[k][f], "%s", names[k][f]);
		}
	}
	for (int f = 0; f < 2; f++) {
		cr_expect(n[0][f] == n[1][f] && !memcmp(d[0][f], d[1][f], n[0][f]),
			  "%s and %s differ", names[0][f], names[1][f]);
		free(d[0][f]);
		free(d[1][f]);
	}
}

/* The disk image is hashed for the header by the writer's thread while the
 * machine starts: one that cannot be read then (gone after the machine
 * opened it) fails the recording with its name, at attach when writing
 * inline, from the run otherwise; the trace is left without a header. */
Test(replay, unreadable_disk_fails_the_recording, .timeout = 120)
{
	for (int mode = TRACE_PIPE_INLINE; mode <= TRACE_PIPE_THREAD; mode++) {
		struct recorder_options ro = opts(30000);
		struct machine_config cfg;
		struct machine_until u;
		struct recorder *rec;
		struct machine *m;
		size_t n;
		uint8_t *img;
		char err[1024], *disk, *t;

		if (access(BIOS, R_OK))
			cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
		make_tmpdir();
		disk = tmp("gone.img");
		t = tmp("gone.trace");
		img = tu_read_file(tu_build_path("pc-bios/demo.img"), &n);
		cr_assert_not_null(img);
		cr_assert(!tu_write_file(disk, img, n));
		free(img);
		config_init(&cfg);
		cfg.bios = BIOS;
		cfg.serial = "none";
		cfg.disks[cfg.ndisks++] = disk;
		m = machine_new(&cfg, NULL, err, sizeof(err));
		cr_assert(m, "%s", err);
		cr_assert(!unlink(disk));
		ro.writer_thread = mode;
		rec = recorder_attach(m, &cfg, t, &ro, err, sizeof(err));
		if (mode == TRACE_PIPE_INLINE) {
			cr_expect_null(rec, "attach refuses");
			cr_expect(strstr(err, "gone.img"), "%s", err);
		} else {
			cr_assert_not_null(rec, "%s", err);
			cr_assert(!machine_parse_until("mbr", &u, err, sizeof(err)));
			cr_expect_eq(recorder_run(rec, &u), MACHINE_STOP_REQUEST);
			cr_expect(recorder_error(rec) && strstr(recorder_error(rec), "gone.img"), "%s",
				  recorder_error(rec) ? recorder_error(rec) : "(no error)");
			cr_expect(recorder_finish(rec, MACHINE_STOP_REQUEST, err, sizeof(err)));
			cr_expect(strstr(err, "gone.img"), "%s", err);
		}
		img = tu_read_file(t, &n);
		cr_expect(img && n == 0, "no header, no events: %zu bytes", img ? n : 0);
		free(img);
		machine_free(m);
	}
}
