/*
 * tests/test_boot.c: the PC machine booting real firmware from Debian's
 * packages (seabios, bochsbios) through POST into a boot sector, driven
 * through the lockstep binary as a user would run it.
 */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

#define RUN(...) tu_run((const char *const[]){ __VA_ARGS__, NULL })

/* A temporary file path that the test removes. */
static char *tmp_path(const char *tag)
{
	char *p = malloc(64);
	snprintf(p, 64, "/tmp/ls-boot-%s-%d", tag, (int)getpid());
	return p;
}

static char *slurp(const char *path)
{
	size_t n;
	uint8_t *data = tu_read_file(path, &n);
	char *s;

	if (!data)
		return NULL;
	s = malloc(n + 1);
	memcpy(s, data, n);
	s[n] = 0;
	free(data);
	return s;
}

/* Boot with the debug console in a file; returns the run result and the log. */
static struct run_result boot(const char *const *extra, char **log)
{
	char *path = tmp_path("dbg"), spec[96];
	const char *args[24];
	int n = 0;

	snprintf(spec, sizeof(spec), "file:%s", path);
	args[n++] = "run";
	args[n++] = "--debugcon";
	args[n++] = spec;
	args[n++] = "--serial";
	args[n++] = "none";
	while (extra && *extra && n < 22)
		args[n++] = *extra++;
	args[n] = NULL;
	struct run_result r = tu_run(args);
	*log = slurp(path);
	unlink(path);
	free(path);
	return r;
}

static const char *firmware(const char *path)
{
	if (access(path, R_OK))
		cr_skip_test("%s is not installed (scripts/setup installs it)", path);
	return path;
}

/* ---- comparing the debug log with the reference machine's ---- */

/* Lines that differ from the reference for a known reason, and why. */
static const struct {
	const char *regex;
	const char *why;
} expected_differences[] = {
	{ "^Copying (MPTABLE|SMBIOS|PIR) from ",
	  "table addresses depend on the size of the ACPI tables SeaBIOS allocated before" },
	{ "^sercon: ", "lockstep serves etc/sercon-port (no VGA): SeaBIOS's screen goes to COM1" },
	{ "^Searching bootorder for: /rom@genroms/kvmvapic\\.bin$|^Running option rom at c000:0003$",
	  "QEMU's kvmvapic.bin option ROM belongs to a KVM device lockstep does not model" },
	{ "^Space available for UMB: |^Returned [0-9]+ bytes of ZoneHigh$",
	  "free memory depends on the option ROMs and ACPI tables loaded" },
	{ "^  [34]: [0-9a-f]{16} - [0-9a-f]{16} = [12] (RAM|RESERVED)$",
	  "the reserved top of RAM holds the ACPI tables, whose size differs" },
};

static int expected_difference(const char *line)
{
	for (size_t i = 0; i < sizeof(expected_differences) / sizeof(expected_differences[0]); i++) {
		regex_t re;
		int hit;
		cr_assert_eq(regcomp(&re, expected_differences[i].regex, REG_EXTENDED | REG_NOSUB), 0);
		hit = regexec(&re, line, 0, NULL, 0) == 0;
		regfree(&re);
		if (hit)
			return 1;
	}
	return 0;
}

/* Split into lines without \r, normalising the two things that are equal in
 * meaning but spelled differently: the disk's model string and the address
 * of the drive structure. Drops expected differences. */
static int normalise(char *log, char **lines, int max)
{
	int n = 0;
	for (char *save = NULL, *l = strtok_r(log, "\n", &save); l && n < max;
	     l = strtok_r(NULL, "\n", &save)) {
		char *cr = strchr(l, '\r');
		if (cr)
			*cr = 0;
		if (expected_difference(l))
			continue;
		if (!strncmp(l, "ata0-0: LOCKSTEP HARDDISK", 25))
			l = "ata0-0: <model> HARDDISK" + 0;
		else if (!strncmp(l, "ata0-0: QEMU HARDDISK", 21))
			l = "ata0-0: <model> HARDDISK";
		if (!strncmp(l, "drive 0x", 8) && strchr(l, ':'))
			l = strchr(l, ':');
		lines[n++] = l;
	}
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SeaBIOS runs the ATA and PS/2 probes as cooperative threads, so their lines
 * may come in either order (reference doc): compare the block between
 * "ATA controller 2" and "All threads complete." as a sorted set. */
static void sort_thread_block(char **lines, int n)
{
	int start = -1, end = -1;
	for (int i = 0; i < n; i++) {
		if (!strncmp(lines[i], "ATA controller 2", 16))
			start = i + 1;
		if (!strcmp(lines[i], "All threads complete."))
			end = i;
	}
	if (start > 0 && end > start)
		qsort(lines + start, end - start, sizeof(char *), cmp_str);
}

Test(boot, seabios_debug_log_matches_reference, .timeout = 120)
{
	char *log, *ref_path = tu_shared_path("reference/seabios-1.16.2-min-none.debug.log");
	char *ref = slurp(ref_path);
	char *a[256], *b[256];
	const char *extra[] = { "--bios", firmware("/usr/share/seabios/bios.bin"), NULL };

	if (!ref)
		cr_skip_test("reference log %s not found (../shared is not beside the tree)", ref_path);
	struct run_result r = boot(extra, &log);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert(log);
	int na = normalise(ref, a, 256), nb = normalise(log, b, 256);
	sort_thread_block(a, na);
	sort_thread_block(b, nb);
	for (int i = 0; i < na && i < nb; i++)
		cr_assert_str_eq(b[i], a[i], "line %d differs:\n ours: %s\n  ref: %s", i + 1, b[i], a[i]);
	cr_assert_eq(nb, na, "%d lines against the reference's %d (last ours: %s)", nb, na,
		     nb ? b[nb - 1] : "");
	free(ref);
	free(ref_path);
	free(log);
	tu_run_free(&r);
}

Test(boot, default_run_shows_the_demo_disk_on_the_serial_console, .timeout = 120)
{
	char *path = tmp_path("serial"), spec[96];
	firmware("/usr/share/seabios/bios.bin");
	snprintf(spec, sizeof(spec), "file:%s", path);
	struct run_result r = RUN("run", "--serial", spec);
	char *out = slurp(path);

	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_assert(out);
	/* SeaBIOS's screen on COM1 (sercon), escapes stripped in a file. */
	cr_expect(strstr(out, "SeaBIOS (version"), "%s", out);
	cr_expect(strstr(out, "Booting from Hard Disk..."), "%s", out);
	cr_expect(strstr(out, "lockstep demo disk: hello from the MBR"), "%s", out);
	cr_expect(!strchr(out, 0x1b), "escape sequences were not stripped");
	cr_expect(strstr(r.err, "stopped: reason=debug-exit code=0 icount="), "%s", r.err);
	cr_expect_eq(tu_count_lines(r.err), 1, "%s", r.err);
	unlink(path);
	free(path);
	free(out);
	tu_run_free(&r);
}

static long long field(const char *s, const char *name)
{
	const char *p = strstr(s, name);
	return p ? strtoll(p + strlen(name), NULL, 0) : -1;
}

Test(boot, deterministic_icount_at_mbr, .timeout = 120)
{
	const char *extra[] = { "--until", "mbr", NULL };
	char *log1, *log2;
	firmware("/usr/share/seabios/bios.bin");
	struct run_result r1 = boot(extra, &log1), r2 = boot(extra, &log2);

	cr_assert_eq(r1.status, 0, "%s", r1.err);
	cr_assert_eq(r2.status, 0, "%s", r2.err);
	cr_expect(strstr(r1.err, "reason=until"), "%s", r1.err);
	cr_expect(strstr(r1.err, "cs:eip=0000:00007c00"), "%s", r1.err);
	cr_expect(field(r1.err, "icount=") > 1000000);
	cr_expect_str_eq(r1.err, r2.err);
	cr_expect_str_eq(log1, log2);
	free(log1);
	free(log2);
	tu_run_free(&r1);
	tu_run_free(&r2);
}

Test(boot, until_int19_stops_in_the_handler, .timeout = 120)
{
	const char *extra[] = { "--until", "int19", NULL };
	char *log;
	firmware("/usr/share/seabios/bios.bin");
	struct run_result r = boot(extra, &log);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, "reason=until"), "%s", r.err);
	cr_expect(!strstr(log, "MBR OK"), "ran past int19");
	free(log);
	tu_run_free(&r);
}

Test(boot, seabios_256k_boots_the_demo_disk, .timeout = 120)
{
	const char *extra[] = { "--bios", firmware("/usr/share/seabios/bios-256k.bin"), NULL };
	char *log;
	struct run_result r = boot(extra, &log);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(log, "Booting from 0000:7c00\nMBR OK"), "%s", log);
	free(log);
	tu_run_free(&r);
}

Test(boot, bochs_bios_boots_the_demo_disk, .timeout = 120)
{
	const char *extra[] = { "--bios", firmware("/usr/share/bochs/BIOS-bochs-latest"), NULL };
	char *log;
	struct run_result r = boot(extra, &log);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(log, "Booting from 0000:7c00"), "%s", log);
	cr_expect(strstr(log, "MBR OK"), "%s", log);
	free(log);
	tu_run_free(&r);
}

Test(boot, exit_port_value_is_the_exit_status, .timeout = 120)
{
	char *img = tu_build_path("tests/guests/exit5.img");
	const char *extra[] = { "--disk", img, NULL };
	char *log;
	struct run_result r = boot(extra, &log);
	cr_expect_eq(r.status, 5, "%s", r.err);
	cr_expect(strstr(r.err, "reason=debug-exit code=5"), "%s", r.err);
	free(log);
	free(img);
	tu_run_free(&r);
}

Test(boot, dead_guest_exits_3_or_stops_at_halt, .timeout = 120)
{
	char *img = tu_build_path("tests/guests/dead.img");
	const char *extra[] = { "--disk", img, NULL };
	const char *halt[] = { "--disk", img, "--until", "halt", NULL };
	char *log;
	struct run_result r = boot(extra, &log);
	cr_expect_eq(r.status, 3, "%s", r.err);
	cr_expect(strstr(r.err, "reason=dead"), "%s", r.err);
	free(log);
	tu_run_free(&r);
	r = boot(halt, &log);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, "reason=until"), "%s", r.err);
	free(log);
	free(img);
	tu_run_free(&r);
}

Test(boot, cf9_hard_reset_runs_a_second_post, .timeout = 120)
{
	char *img = tu_build_path("tests/guests/reset.img");
	const char *extra[] = { "--disk", img, NULL };
	char *log;
	struct run_result r = boot(extra, &log);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, "boot=1"), "%s", r.err);
	const char *second = strstr(log, "reset: first boot");
	cr_assert(second, "%s", log);
	/* After the reset: a whole POST again (PCI init, fw_cfg), then the MBR. */
	cr_expect(strstr(second, "Running on QEMU (i440fx)"), "%s", second);
	cr_expect(strstr(second, "Found 4 PCI devices"), "%s", second);
	cr_expect(strstr(second, "reset: second boot"), "%s", second);
	free(log);
	free(img);
	tu_run_free(&r);
}

Test(boot, icount_limit_and_bad_until, .timeout = 120)
{
	struct run_result r = RUN("run", "--serial", "none", "--until", "icount=100000");
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, "reason=until icount=100000 "), "%s", r.err);
	tu_run_free(&r);
	r = RUN("run", "--until", "later");
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "--until later"), "%s", r.err);
	tu_run_free(&r);
}

/* The shared bench guest, built from source with its own Makefile, prints the
 * checksum QEMU and Bochs print, under SeaBIOS and under the Bochs BIOS. */
Test(boot, bench_guest_checksum_under_both_bioses, .timeout = 300)
{
	char *src = tu_shared_path("guests/bench"), *dir = tmp_path("bench"), cmd[1024], img[256];
	static const char *const bioses[] = { "/usr/share/seabios/bios.bin",
					      "/usr/share/bochs/BIOS-bochs-latest" };

	if (access(src, R_OK))
		cr_skip_test("%s not found (../shared is not beside the tree)", src);
	snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -r %s %s && make -s -C %s clean bench-1.img "
		 ">/dev/null 2>&1", dir, src, dir, dir);
	cr_assert_eq(system(cmd), 0, "building the bench guest failed: %s", cmd);
	snprintf(img, sizeof(img), "%s/bench-1.img", dir);
	for (int i = 0; i < 2; i++) {
		const char *extra[] = { "--bios", firmware(bioses[i]), "--disk", img, NULL };
		char *log;
		struct run_result r = boot(extra, &log);
		cr_expect_eq(r.status, 0, "%s: %s", bioses[i], r.err);
		cr_expect(log && strstr(log, "BENCH DONE 0b8bb7fa\n"), "%s: %s", bioses[i], log);
		free(log);
		tu_run_free(&r);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
	free(src);
	free(dir);
}

Test(boot, multiboot_kernel_without_bios, .timeout = 60)
{
	char *kernel = tu_build_path("tests/guests/mbkernel.elf");
	const char *extra[] = { "--kernel", kernel, "-m", "64", NULL };
	char *log;
	struct run_result r = boot(extra, &log);
	cr_expect_eq(r.status, 0, "%s", r.err);
	/* 64 MiB: mem_upper counts the KiB from 1 MiB up. */
	cr_expect(log && strstr(log, "multiboot: magic ok, mem_upper=64512 KiB\n"), "%s", log);
	free(log);
	tu_run_free(&r);
	/* A file that is no kernel is refused clearly. */
	char *disk = tu_build_path("pc-bios/demo.img");
	r = RUN("run", "--kernel", disk);
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "unknown kernel format"), "%s", r.err);
	cr_expect_eq(tu_count_lines(r.err), 1, "%s", r.err);
	tu_run_free(&r);
	free(disk);
	free(kernel);
}

Test(boot, guest_asleep_forever_hits_the_vtime_cap, .timeout = 120)
{
	char *img = tu_build_path("tests/guests/sleep.img");
	const char *extra[] = { "--disk", img, NULL };
	char *log;
	struct run_result r = boot(extra, &log);
	cr_expect_eq(r.status, 3, "%s", r.err);
	cr_expect(strstr(r.err, "reason=vtime-cap"), "%s", r.err);
	cr_expect(strstr(r.err, "vtime=3600."), "%s", r.err);
	free(log);
	free(img);
	tu_run_free(&r);
}

Test(boot, record_then_replay_from_the_command_line, .timeout = 180)
{
	char *trace = tmp_path("trace"), *cut = tmp_path("cut"), cmd[512];
	firmware("/usr/share/seabios/bios.bin");
	struct run_result r = RUN("run", "--serial", "none", "--record", trace);
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	r = RUN("replay", trace);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.err, "verified"), "%s", r.err);
	tu_run_free(&r);
	/* --disk-mode rw cannot be recorded; a cut trace cannot be replayed. */
	r = RUN("run", "--disk-mode", "rw", "--record", trace);
	cr_expect_eq(r.status, 2, "%s", r.err);
	cr_expect_eq(tu_count_lines(r.err), 1, "%s", r.err);
	tu_run_free(&r);
	snprintf(cmd, sizeof(cmd), "head -c 5000 %s > %s", trace, cut);
	cr_assert_eq(system(cmd), 0);
	r = RUN("replay", cut);
	cr_expect_eq(r.status, 2, "%s", r.err);
	cr_expect(strstr(r.err, "offset"), "%s", r.err);
	cr_expect_eq(tu_count_lines(r.err), 1, "%s", r.err);
	tu_run_free(&r);
	r = RUN("run", "--trace-io", "none");
	cr_expect_eq(r.status, 2, "--trace-io without --record: %s", r.err);
	tu_run_free(&r);
	unlink(trace);
	unlink(cut);
	free(trace);
	free(cut);
}

/* RAM sizes: the split around the PCI hole reaches SeaBIOS's e820 map through
 * fw_cfg and CMOS alike; isapc (no PCI, no fw_cfg) boots from CMOS alone. */
Test(boot, memory_sizes_and_isapc, .timeout = 180)
{
	const char *big[] = { "-m", "3584M", NULL };
	const char *isapc[] = { "--machine", "isapc", "-m", "16M", NULL };
	char *log;
	firmware("/usr/share/seabios/bios.bin");

	struct run_result r = boot(big, &log);
	cr_expect_eq(r.status, 0, "%s", r.err);
	/* 3.5 GiB: 3 GiB below the hole, 512 MiB from 4 GiB (QEMU's pc split). */
	cr_expect(strstr(log, ": 0000000000100000 - 00000000bffff000 = 1 RAM"), "%s", log);
	cr_expect(strstr(log, ": 0000000100000000 - 0000000120000000 = 1 RAM"), "%s", log);
	free(log);
	tu_run_free(&r);

	r = boot(isapc, &log);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(!strstr(log, "Found QEMU fw_cfg"), "isapc has no fw_cfg");
	cr_expect(strstr(log, ": 0000000000100000 - 0000000001000000 = 1 RAM"), "%s", log);
	cr_expect(strstr(log, "MBR OK"), "%s", log);
	free(log);
	tu_run_free(&r);
}

Test(boot, log_unimp_names_site_icount_and_cs_eip, .timeout = 120)
{
	const char *extra[] = { "--log", "unimp", NULL };
	char *log;
	firmware("/usr/share/seabios/bios.bin");
	struct run_result r = boot(extra, &log);
	cr_expect_eq(r.status, 0, "%s", r.err);
	/* SeaBIOS probes LPT ports nobody answers: logged once each, with context. */
	cr_expect(strstr(r.err, "unimp: icount="), "%s", r.err);
	const char *lpt = strstr(r.err, "open-bus read of port 0x0378");
	cr_expect(lpt, "%s", r.err);
	cr_expect(!lpt || !strstr(lpt + 1, "open-bus read of port 0x0378"), "logged twice");
	free(log);
	tu_run_free(&r);
}

/* On a terminal (a pty from util-linux's script), virtual time is paced to
 * the wall clock while the guest sleeps, and Ctrl-A x quits. Without pacing
 * the sleeping guest would reach the hour-long virtual-time cap at once. */
Test(boot, terminal_console_paces_time_and_quits_on_ctrl_a_x, .timeout = 60)
{
	char *exe = tu_build_path("lockstep"), *img = tu_build_path("tests/guests/sleep.img");
	char *out = tmp_path("pty"), cmd[2048], *text;
	double vtime;

	firmware("/usr/share/seabios/bios.bin");
	if (system("command -v script >/dev/null 2>&1"))
		cr_skip_test("script (util-linux) is not installed: no pty to test with");
	/* Ctrl-A x 1.5 s after the guest says it sleeps (a slow build may take
	 * seconds to boot SeaBIOS; up to 50 s are waited for the message). */
	snprintf(cmd, sizeof(cmd), "(for i in $(seq 500); do grep -q 'hlt forever' %s 2>/dev/null "
		 "&& break; sleep 0.1; done; sleep 1.5; printf '\\001x') | "
		 "script -qec '%s run --disk %s' /dev/null > %s 2>&1", out, exe, img, out);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	text = slurp(out);
	cr_assert(text);
	const char *s = strstr(text, "stopped: reason=request");
	cr_assert(s, "%s", text);
	cr_assert(sscanf(strstr(s, "vtime=") + 6, "%lf", &vtime) == 1);
	cr_expect(vtime > 1.0 && vtime < 60.0, "vtime %.3f s: not paced to the wall clock", vtime);
	unlink(out);
	free(text);
	free(out);
	free(exe);
	free(img);
}
