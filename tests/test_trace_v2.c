/*
 * tests/test_trace_v2.c: what trace format 2 added (docs/trace-format.md §11):
 * MMIO writes as IO events, SMM entry and exit, the shadow-done milestone;
 * and the promise that traces recorded by an older lockstep still replay
 * with every checkpoint verified (one per format version in tests/data/traces).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "cpu/cpu.h"
#include "machine/machine.h"
#include "machine/state.h"
#include "mem/mem.h"
#include "replay/bytebuf.h"
#include "replay/trace_reader.h"
#include "replay/trace_writer.h"
#include "tests/testutil.h"

#define SEABIOS "/usr/share/seabios/bios.bin"
#define SEABIOS_256K "/usr/share/seabios/bios-256k.bin"

struct seen {
	uint64_t ms_icount[MILESTONE_COUNT];
	uint32_t shadow_next;          /* CS.base + EIP when shadow-done fired */
	uint8_t shadow_pam0;           /* PAM0 then */
	struct { uint64_t pa; int size; uint32_t value; } mmio[16];
	int nmmio;
	struct { int enter; uint32_t smbase; uint16_t cs; uint32_t eip; } smm[4];
	int nsmm;
	struct machine *m;
};

static void on_milestone(void *o, enum milestone id, uint32_t boot, uint64_t icount)
{
	struct seen *s = o;
	if (s->ms_icount[id] == UINT64_MAX)
		s->ms_icount[id] = icount;
	if (id == MILESTONE_SHADOW_DONE) {
		struct cpu_segment cs;
		cpu_get_seg(machine_cpu(s->m), CPU_CS, &cs);
		s->shadow_next = cs.base + cpu_get_reg(machine_cpu(s->m), CPU_EIP);
		s->shadow_pam0 = mem_pam_read(machine_mem(s->m), 0);
	}
}

static void on_mmio(void *o, uint64_t pa, int size, uint32_t value)
{
	struct seen *s = o;
	if (s->nmmio < 16) {
		s->mmio[s->nmmio].pa = pa;
		s->mmio[s->nmmio].size = size;
		s->mmio[s->nmmio].value = value;
	}
	s->nmmio++;
}

static void on_smm(void *o, int enter, uint32_t smbase, uint16_t cs, uint32_t eip)
{
	struct seen *s = o;
	if (s->nsmm < 4) {
		s->smm[s->nsmm].enter = enter;
		s->smm[s->nsmm].smbase = smbase;
		s->smm[s->nsmm].cs = cs;
		s->smm[s->nsmm].eip = eip;
	}
	s->nsmm++;
}

static struct machine *boot_to_mbr(const char *bios, struct seen *s, int compat)
{
	struct machine_config cfg;
	struct machine_until until = { UNTIL_MBR, 0 };
	struct machine_hooks h = {
		.opaque = s, .milestone = on_milestone, .mmio_write = on_mmio, .smm = on_smm,
	};
	char err[512];

	if (access(bios, R_OK))
		cr_skip_test("%s is not installed (scripts/setup installs seabios)", bios);
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < MILESTONE_COUNT; i++)
		s->ms_icount[i] = UINT64_MAX;
	config_init(&cfg);
	cfg.bios = bios;
	cfg.serial = "none";
	cfg.disks[cfg.ndisks++] = tu_build_path("pc-bios/demo.img");   /* kept by cfg */
	s->m = machine_new(&cfg, NULL, err, sizeof(err));
	cr_assert(s->m, "%s", err);
	if (compat)
		machine_set_compat(s->m, compat);
	cr_assert_geq(machine_add_hooks(s->m, &h), 0);
	cr_assert_eq(machine_run(s->m, &until), MACHINE_STOP_UNTIL);
	return s->m;
}

/* SeaBIOS copies itself into shadow RAM from its 0xFFFxxxxx alias with one
 * rep movsb (~129 K iterations), then returns into the copy: shadow-done is
 * that first instruction fetched from RAM at 0xC0000-0xFFFFF. */
Test(trace_v2, shadow_done_is_the_first_instruction_from_shadow_ram, .timeout = 60)
{
	struct seen s;
	struct machine *m = boot_to_mbr(SEABIOS, &s, 0);
	uint64_t unlock = s.ms_icount[MILESTONE_PAM_UNLOCK], done = s.ms_icount[MILESTONE_SHADOW_DONE];

	cr_assert_neq(done, UINT64_MAX, "no shadow-done");
	cr_expect_gt(done - unlock, 120000, "the copy lies between: %llu..%llu",
		     (unsigned long long)unlock, (unsigned long long)done);
	cr_expect_lt(done, s.ms_icount[MILESTONE_PAM_LOCK]);
	cr_expect(s.shadow_next >= 0xE0000 && s.shadow_next < 0x100000, "next fetch at 0x%x",
		  s.shadow_next);
	cr_expect_eq(s.shadow_pam0 & 0x10, 0x10, "PAM0 routes 0xF0000 reads to RAM (0x%02x)",
		     s.shadow_pam0);
	cr_expect_eq(machine_milestone_icount(m, MILESTONE_SHADOW_DONE), done);
	machine_free(m);
}

/* The only MMIO SeaBIOS does: the local APIC (shared/reference). */
Test(trace_v2, lapic_writes_reach_the_mmio_hook, .timeout = 60)
{
	static const struct { uint64_t pa; uint32_t value; } want[] = {
		{ 0xfee000f0, 0x1ff }, { 0xfee00350, 0x8700 }, { 0xfee00360, 0x8400 },
		{ 0xfee00300, 0xc4500 }, { 0xfee00300, 0xc4610 },
	};
	struct seen s;
	struct machine *m = boot_to_mbr(SEABIOS, &s, 0);

	cr_assert_eq(s.nmmio, 5, "%d MMIO writes", s.nmmio);
	for (int i = 0; i < 5; i++) {
		cr_expect_eq(s.mmio[i].pa, want[i].pa, "write %d at 0x%llx", i,
			     (unsigned long long)s.mmio[i].pa);
		cr_expect_eq(s.mmio[i].size, 4);
		cr_expect_eq(s.mmio[i].value, want[i].value, "write %d value 0x%x", i, s.mmio[i].value);
	}
	machine_free(m);
}

/* bios-256k.bin raises one SMI through port 0xB2 to relocate SMBASE from
 * the default 0x30000 to 0xA0000; RSM resumes where the SMI came. */
Test(trace_v2, smm_entry_and_rsm_with_relocation, .timeout = 60)
{
	struct seen s;
	struct machine *m = boot_to_mbr(SEABIOS_256K, &s, 0);

	cr_assert_eq(s.nsmm, 2, "%d SMM events", s.nsmm);
	cr_expect_eq(s.smm[0].enter, 1);
	cr_expect_eq(s.smm[0].smbase, 0x30000);
	cr_expect_eq(s.smm[1].enter, 0);
	cr_expect_eq(s.smm[1].smbase, 0xa0000);
	cr_expect_eq(s.smm[0].cs, s.smm[1].cs);
	cr_expect_eq(s.smm[0].eip, s.smm[1].eip);
	cr_expect_neq(s.smm[0].eip, 0);
	machine_free(m);
}

/* Format 1 had no shadow-done: with compat 1 the machine neither reports it
 * nor keeps it in the device state, so format-1 device hashes still hold. */
Test(trace_v2, compat_1_has_no_shadow_done_and_another_device_hash, .timeout = 60)
{
	struct seen s1, s2;
	struct machine *m1 = boot_to_mbr(SEABIOS, &s1, 1);
	struct machine *m2 = boot_to_mbr(SEABIOS, &s2, 0);

	cr_expect_eq(s1.ms_icount[MILESTONE_SHADOW_DONE], UINT64_MAX);
	cr_expect_neq(s2.ms_icount[MILESTONE_SHADOW_DONE], UINT64_MAX);
	cr_expect_eq(s1.ms_icount[MILESTONE_MBR], s2.ms_icount[MILESTONE_MBR]);
	cr_expect_eq(machine_hash_cpu(m1), machine_hash_cpu(m2));
	cr_expect_eq(machine_hash_ram(m1), machine_hash_ram(m2));
	cr_expect_neq(machine_hash_devices(m1), machine_hash_devices(m2));
	machine_free(m1);
	machine_free(m2);
}

static int has_line(const char *text, const char *want)
{
	return strstr(text, want) != NULL;
}

/* A recorded bios-256k boot shows the format-2 events in `trace show`. */
Test(trace_v2, recorded_boot_has_mmio_smm_and_shadow_done, .timeout = 120)
{
	char tpath[] = "/tmp/ls-v2-XXXXXX";
	int fd = mkstemp(tpath);
	char *demo = tu_build_path("pc-bios/demo.img");
	struct run_result r;

	if (access(SEABIOS_256K, R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	cr_assert_geq(fd, 0);
	close(fd);
	r = tu_run((const char *[]){ "run", "--bios", SEABIOS_256K, "--disk", demo, "--serial",
				     "none", "--until", "mbr", "--record", tpath, NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	r = tu_run((const char *[]){ "trace", "show", tpath, "--events", "SMM,MILESTONE", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect(has_line(r.out, " SMM enter smbase=0x00030000 at="), "%s", r.out);
	cr_expect(has_line(r.out, " SMM exit smbase=0x000a0000 at="), "%s", r.out);
	cr_expect(has_line(r.out, " MILESTONE boot=0 name=shadow-done\n"), "%s", r.out);
	tu_run_free(&r);
	r = tu_run((const char *[]){ "trace", "show", tpath, "--events", "IO", NULL });
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(has_line(r.out, " IO write mmio=0xfee000f0 size=4 value=0x000001ff\n"), "%s",
		  r.err);
	tu_run_free(&r);
	r = tu_run((const char *[]){ "replay", tpath, NULL });
	cr_expect_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	unlink(tpath);
	free(demo);
}

/* Replays a checked-in trace with the firmware search path only (the
 * recorded paths are gone): exit 0 with every checkpoint verified. */
static void replay_checked_in(const char *trace, const char *fwpath, const char *verified)
{
	char *p = tu_src_path(trace);
	struct run_result r;

	setenv("LOCKSTEP_FIRMWARE_PATH", fwpath, 1);
	r = tu_run((const char *[]){ "replay", p, NULL });
	unsetenv("LOCKSTEP_FIRMWARE_PATH");
	if (r.status == 2 && strstr(r.err, "differs"))
		cr_skip_test("the installed firmware is not the one recorded: %s", r.err);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, verified), "%s", r.err);
	tu_run_free(&r);
	free(p);
}

Test(trace_v2, format_1_seabios_boot_replays, .timeout = 120)
{
	char *pcbios = tu_build_path("pc-bios");
	char path[4096];

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	snprintf(path, sizeof(path), "/usr/share/seabios:%s", pcbios);
	replay_checked_in("tests/data/traces/seabios-v1.trace", path, "verified 353 checkpoints");
	free(pcbios);
}

Test(trace_v2, format_1_testfw_boot_replays)
{
	char *dir = tu_build_path("pc-bios/testfw");
	replay_checked_in("tests/data/traces/testfw-v1.trace", dir, "verified 1 checkpoints");
	free(dir);
}

/* The current format has a checked-in trace too, so that the next format
 * version is tested against it: bios-256k.bin (SMM entry and exit, LAPIC
 * MMIO writes, shadow-done). */
Test(trace_v2, format_2_seabios_256k_boot_replays, .timeout = 120)
{
	char *pcbios = tu_build_path("pc-bios");
	char path[4096];

	if (access(SEABIOS_256K, R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	snprintf(path, sizeof(path), "/usr/share/seabios:%s", pcbios);
	replay_checked_in("tests/data/traces/seabios256k-v2.trace", path, "verified 349 checkpoints");
	free(pcbios);
}

/* A format-1 trace and a format-2 recording of the same boot: lockstep diff
 * compares the events both formats have (the format-2 side has MMIO writes
 * and shadow-done besides) and finds them identical; comparing chain hashes
 * across formats (bisect --trace) is refused. */
Test(trace_v2, diff_across_format_versions_compares_common_events, .timeout = 120)
{
	char *v1 = tu_src_path("tests/data/traces/seabios-v1.trace");
	char *demo = tu_build_path("pc-bios/demo.img");
	char tpath[] = "/tmp/ls-v2diff-XXXXXX";
	int fd = mkstemp(tpath);
	struct run_result r;

	if (access(SEABIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	cr_assert_geq(fd, 0);
	close(fd);
	r = tu_run((const char *[]){ "run", "--bios", SEABIOS, "--disk", demo, "--serial", "none",
				     "--until", "mbr", "--record", tpath, NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	r = tu_run((const char *[]){ "diff", v1, tpath, NULL });
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "semantic comparison (format versions 1 and 2: the events of "
				"format 1)\n"), "%s", r.out);
	cr_expect(strstr(r.out, "result: identical\n"), "%s", r.out);
	cr_expect(!strstr(r.out, "shadow-done"), "format 1 has no shadow-done: %s", r.out);
	tu_run_free(&r);
	r = tu_run((const char *[]){ "bisect", "--trace", v1, tpath, NULL });
	cr_expect_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_expect(strstr(r.err, "is trace format 1, ") && strstr(r.err, " format 2: "), "%s", r.err);
	tu_run_free(&r);
	unlink(tpath);
	free(v1);
	free(demo);
}

/* Rewrites the checked-in format-1 testfw trace to path, still as format 1,
 * with extra (if not NULL) inserted after its first `after` events. The
 * writer chains extra like any other event, so the file is consistent in
 * every checksum and chain: only its format version does not have extra. */
static void rewrite_testfw_v1(const char *path, uint64_t after, const struct trace_event *extra)
{
	char *src = tu_src_path("tests/data/traces/testfw-v1.trace");
	struct trace_reader *r;
	struct trace_writer *w;
	struct trace_event ev;
	char err[400];
	uint64_t i = 0;
	uint8_t *d;
	size_t n;
	uint32_t hlen;
	int rc;

	cr_assert_eq(trace_reader_open(&r, src, TRACE_READ_STRICT, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(trace_reader_header(r)->format_version, 1);
	cr_assert_eq(trace_writer_open(&w, path, trace_reader_header(r), NULL, err, sizeof(err)), 0,
		     "%s", err);
	while ((rc = trace_reader_next(r, &ev)) > 0) {
		if (extra && i++ == after)
			cr_assert_eq(trace_write_event(w, extra), 0, "%s", trace_writer_error(w));
		cr_assert_eq(trace_write_event(w, &ev), 0, "%s", trace_writer_error(w));
	}
	cr_assert_eq(rc, 0, "%s", trace_reader_error(r));
	cr_assert_eq(trace_writer_finish(w, trace_reader_footer(r)->final_icount), 0, "%s",
		     trace_writer_error(w));
	trace_writer_free(w);
	trace_reader_close(r);
	free(src);
	/* The writer writes the current format version: make it 1 again. */
	d = tu_read_file(path, &n);
	cr_assert_not_null(d);
	hlen = le_get32(d + 12);
	le_put32(d + 8, 1);
	le_put64(d + hlen - 8, XXH3_64bits(d, hlen - 8));
	cr_assert_eq(tu_write_file(path, d, n), 0);
	free(d);
}

/* Runs lockstep with args; expects exit status 2 and, as the last line on
 * stderr, one error naming the offset and what is wrong; and stdout to end
 * with out_end unless that is NULL. */
static void expect_refused(const char *const *args, const char *what, const char *out_end)
{
	struct run_result r = tu_run(args);
	const char *line;

	cr_expect_eq(r.status, 2, "lockstep %s: status %d: %s%s", args[0], r.status, r.out, r.err);
	line = strstr(r.err, ": offset ");
	cr_expect(line && strstr(line, what) && strchr(line, '\n') == r.err + strlen(r.err) - 1,
		  "lockstep %s: one line naming the offset and '%s': %s", args[0], what, r.err);
	if (out_end) {
		size_t n = strlen(r.out), k = strlen(out_end);
		cr_expect(n >= k && !strcmp(r.out + n - k, out_end), "lockstep %s: %s", args[0],
			  r.out);
	}
	tu_run_free(&r);
}

/* Format 1 had no SMM events and no idle input (docs/trace-format.md §11): a
 * format-1 trace that holds one is corrupt, for replay and trace show/stats
 * as any other bad event. The same rewrite without the extra event replays. */
Test(trace_v2, format_1_trace_with_a_format_2_event_is_refused)
{
	char *dir = tu_build_path("pc-bios/testfw");
	char tpath[] = "/tmp/ls-v1bad-XXXXXX";
	int fd = mkstemp(tpath);
	struct trace_event smm = { TRACE_EV_SMM, 0, { .smm = { 1, 0x30000, 0xf000, 0xfff0 } } };
	struct trace_event idle = {
		TRACE_EV_INPUT, 0, { .input = { TRACE_INPUT_IDLE, 1000, 0, NULL } }
	};
	struct run_result r;

	cr_assert_geq(fd, 0);
	close(fd);
	setenv("LOCKSTEP_FIRMWARE_PATH", dir, 1);
	rewrite_testfw_v1(tpath, 0, NULL);
	r = tu_run((const char *[]){ "replay", tpath, NULL });
	cr_expect_eq(r.status, 0, "control: %s", r.err);
	cr_expect(strstr(r.err, "verified 1 checkpoints"), "control: %s", r.err);
	tu_run_free(&r);

	/* After ROM_LOAD, ROM_RESET and the reset and reset-vector milestones,
	 * at icount 0: show prints those four, then the error. */
	rewrite_testfw_v1(tpath, 4, &smm);
	expect_refused((const char *[]){ "replay", tpath, NULL },
		       "event 4, uncompressed byte 27: event SMM (kind 14) is not in format version 1",
		       NULL);
	expect_refused((const char *[]){ "trace", "show", tpath, NULL },
		       "event SMM (kind 14) is not in format version 1",
		       "0 MILESTONE boot=0 name=reset\n0 MILESTONE boot=0 name=reset-vector\n");
	expect_refused((const char *[]){ "trace", "stats", tpath, NULL },
		       "event SMM (kind 14) is not in format version 1", NULL);

	rewrite_testfw_v1(tpath, 4, &idle);
	expect_refused((const char *[]){ "replay", tpath, NULL },
		       "input kind 4 (idle) is not in format version 1", NULL);
	expect_refused((const char *[]){ "trace", "show", tpath, NULL },
		       "input kind 4 (idle) is not in format version 1", NULL);
	expect_refused((const char *[]){ "trace", "stats", tpath, NULL },
		       "input kind 4 (idle) is not in format version 1", NULL);
	unsetenv("LOCKSTEP_FIRMWARE_PATH");
	unlink(tpath);
	free(dir);
}
