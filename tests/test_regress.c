/*
 * tests/test_regress.c: `lockstep regress` (replay/regress.c): a golden file
 * written by --update compares unchanged; a changed image is reported line
 * by line and exits 1; a missing image exits 125 (git bisect run: skip); the
 * checked-in golden file of the test firmware (tests/data/golden/) still
 * matches this build; a real firmware that dies still gives a segment table.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay/regress.h"
#include "tests/testutil.h"

#define run(...) tu_run_cmd(regress_cmd_run, "regress", __VA_ARGS__)

static char *tmpdir(void)
{
	char *d = strdup("/tmp/ls-regress-XXXXXX");
	cr_assert(mkdtemp(d));
	return d;
}

static char *join(const char *dir, const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(p, "%s/%s", dir, name);
	return p;
}

static void copy(const char *from, const char *to)
{
	size_t n;
	uint8_t *d = tu_read_file(from, &n);
	cr_assert(d, "cannot read %s", from);
	cr_assert_eq(tu_write_file(to, d, n), 0);
	free(d);
}

Test(regress, update_then_unchanged_then_changed)
{
	char *dir = tmpdir(), *golden = join(dir, "golden.txt"), *fw = join(dir, "testfw.rom");
	char *disk = tu_build_path("pc-bios/testfw/disk.img");
	char *rom = tu_build_path("pc-bios/testfw/testfw.rom");
	char *port = tu_build_path("pc-bios/testfw/testfw-port.rom");
	struct run_result r;
	char *text;
	size_t n;

	copy(rom, fw);
	r = run((const char *[]){ "--golden", golden, "--update", "--disk", disk, fw, NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	text = (char *)tu_read_file(golden, &n);
	cr_assert(text);
	text = realloc(text, n + 1);
	text[n] = 0;
	cr_expect(strstr(text, "\ntestfw.rom stop debug-exit\n"), "%s", text);
	cr_expect(strstr(text, "\ntestfw.rom 0:shadow-done io 16 d66c8f268a598b40\n"), "%s", text);
	cr_expect(strstr(text, "\ntestfw.rom 0:exit milestone 1 "), "%s", text);
	free(text);

	r = run((const char *[]){ "--golden", golden, "--disk", disk, fw, NULL });
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "testfw.rom                      46       0    0       0  "
				"debug-exit\n"), "%s", r.out);
	cr_expect(strstr(r.out, "result: unchanged\n"));
	tu_run_free(&r);

	/* The same name, the image with the extra port write. */
	copy(port, fw);
	r = run((const char *[]){ "--golden", golden, "--disk", disk, fw, NULL });
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.out, "  image testfw.rom: size=65536 xxh128="), "%s", r.out);
	cr_expect(strstr(r.out, "testfw.rom                      45       1    0       0  "),
		  "%s", r.out);
	cr_expect(strstr(r.out, "changed: testfw.rom 0:shadow-done io: 16 d66c8f268a598b40 -> 17 "),
		  "%s", r.out);
	cr_expect(strstr(r.out, "result: changed\n"));
	tu_run_free(&r);

	unlink(fw);
	unlink(golden);
	rmdir(dir);
	free(dir);
	free(golden);
	free(fw);
	free(disk);
	free(rom);
	free(port);
}

Test(regress, checked_in_golden_file_matches)
{
	char *golden = tu_src_path("tests/data/golden/testfw.golden");
	char *disk = tu_build_path("pc-bios/testfw/disk.img");
	char *fw[5];
	static const char *const names[5] = { "testfw", "testfw-pam", "testfw-port", "testfw-debug",
					      "testfw-nolock" };
	struct run_result r;

	for (int i = 0; i < 5; i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "pc-bios/testfw/%s.rom", names[i]);
		fw[i] = tu_build_path(rel);
	}
	r = run((const char *[]){ "--golden", golden, "--disk", disk, fw[0], fw[1], fw[2], fw[3],
				  fw[4], NULL });
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "testfw-nolock.rom               36       0    0       0  "
				"debug-exit\n"), "%s", r.out);
	tu_run_free(&r);
	for (int i = 0; i < 5; i++)
		free(fw[i]);
	free(golden);
	free(disk);
}

/* A golden file written before segments were split at shadow-done has no
 * version line: refused (exit 2) rather than reporting every image changed. */
Test(regress, golden_file_of_an_older_version_is_refused)
{
	char *dir = tmpdir(), *golden = join(dir, "old.golden");
	char *disk = tu_build_path("pc-bios/testfw/disk.img");
	char *rom = tu_build_path("pc-bios/testfw/testfw.rom");
	static const char old[] = "# lockstep regress golden file\n"
				  "firmware testfw.rom size=65536 xxh128=00\n"
				  "testfw.rom stop debug-exit\n";
	struct run_result r;

	cr_assert_eq(tu_write_file(golden, old, sizeof(old) - 1), 0);
	r = run((const char *[]){ "--golden", golden, "--disk", disk, rom, NULL });
	cr_expect_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_expect(strstr(r.err, "golden file version 1, this lockstep writes version 2"), "%s",
		  r.err);
	tu_run_free(&r);
	r = run((const char *[]){ "--golden", golden, "--update", "--disk", disk, rom, NULL });
	cr_expect_eq(r.status, 0, "--update rewrites it: %s", r.err);
	tu_run_free(&r);
	r = run((const char *[]){ "--golden", golden, "--disk", disk, rom, NULL });
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	tu_run_free(&r);
	unlink(golden);
	rmdir(dir);
	free(dir);
	free(golden);
	free(disk);
	free(rom);
}

Test(regress, missing_firmware_exits_125)
{
	char *dir = tmpdir(), *golden = join(dir, "g.txt");
	struct run_result r = run((const char *[]){ "--golden", golden, "--update",
					     "/nonexistent/bios.bin", NULL });

	cr_expect_eq(r.status, 125);
	cr_expect(strstr(r.err, "cannot boot /nonexistent/bios.bin"), "%s", r.err);
	cr_expect(access(golden, F_OK) != 0, "no golden file written");
	tu_run_free(&r);
	rmdir(dir);
	free(dir);
	free(golden);
}

Test(regress, usage_errors)
{
	struct run_result r = run((const char *[]){ "--help", NULL });
	cr_expect_eq(r.status, 0);
	cr_expect(strstr(r.out, "usage: lockstep regress"));
	tu_run_free(&r);
	r = run((const char *[]){ "x.rom", NULL });
	cr_expect_eq(r.status, 2);
	cr_expect_str_eq(r.err, "lockstep regress: needs --golden FILE (try 'lockstep regress "
				"--help')\n");
	tu_run_free(&r);
	r = run((const char *[]){ "--golden", "/nonexistent/g", "x.rom", NULL });
	cr_expect_eq(r.status, 2);
	cr_expect_eq(tu_count_lines(r.err), 1);
	tu_run_free(&r);
	r = run((const char *[]){ "--golden", "g", "-m", "lots", "x.rom", NULL });
	cr_expect_eq(r.status, 2);
	tu_run_free(&r);
}

/* qboot finds no kernel and dies: it must still give a segment table. */
Test(regress, real_firmware_that_dies)
{
	const char *qboot = "/usr/share/qemu/qboot.rom";
	char *dir, *golden;
	struct run_result r;

	if (access(qboot, R_OK))
		cr_skip_test("%s is not installed", qboot);
	dir = tmpdir();
	golden = join(dir, "g.txt");
	r = run((const char *[]){ "--golden", golden, "--update", qboot, NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_run_free(&r);
	r = run((const char *[]){ "--golden", golden, qboot, NULL });
	cr_expect_eq(r.status, 0, "%s", r.out);
	cr_expect(strstr(r.out, "qboot.rom"), "%s", r.out);
	cr_expect(strstr(r.out, "  dead\n"), "%s", r.out);
	tu_run_free(&r);
	{
		size_t n;
		char *text = (char *)tu_read_file(golden, &n);
		cr_assert(text);
		text = realloc(text, n + 1);
		text[n] = 0;
		cr_expect(strstr(text, "\nqboot.rom 0:reset-vector io "), "%s", text);
		free(text);
	}
	unlink(golden);
	rmdir(dir);
	free(dir);
	free(golden);
}

/* The Debian firmware corpus: every image boots (or dies) deterministically,
 * so a golden file written by one run matches the next; SeaBIOS and the
 * Bochs BIOS reach the MBR segment, qboot (microvm) does not. */
Test(regress, debian_firmware_corpus_is_stable, .timeout = 300)
{
	static const char *const corpus[] = {
		"/usr/share/seabios/bios.bin", "/usr/share/seabios/bios-256k.bin",
		"/usr/share/qemu/bios-microvm.bin", "/usr/share/bochs/BIOS-bochs-latest",
		"/usr/share/bochs/BIOS-bochs-legacy", "/usr/share/qemu/qboot.rom",
	};
	const char *args[16];
	char *dir = tmpdir(), *golden = join(dir, "debian.txt"), *disk = tu_build_path("pc-bios/demo.img");
	struct run_result r;
	int n = 0;

	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
		if (access(corpus[i], R_OK))
			cr_skip_test("%s is not installed (scripts/setup installs it)", corpus[i]);
	args[n++] = "--golden";
	args[n++] = golden;
	args[n++] = "--update";
	args[n++] = "--disk";
	args[n++] = disk;
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
		args[n++] = corpus[i];
	args[n] = NULL;
	r = run(args);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	tu_run_free(&r);
	/* Again without --update: unchanged, exit 0. */
	memmove(args + 2, args + 3, (size_t)(n - 2) * sizeof(args[0]));
	r = run(args);
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	tu_run_free(&r);
	size_t len;
	char *text = (char *)tu_read_file(golden, &len);
	cr_assert(text);
	text = realloc(text, len + 1);
	text[len] = 0;
	cr_expect(strstr(text, "\nbios.bin 0:mbr io "), "SeaBIOS reaches the MBR");
	cr_expect(strstr(text, "\nbios-256k.bin 0:mbr io "), "bios-256k reaches the MBR");
	cr_expect(strstr(text, "\nBIOS-bochs-latest 0:mbr io "), "the Bochs BIOS reaches the MBR");
	cr_expect(strstr(text, "\nBIOS-bochs-legacy 0:mbr io "), "the legacy Bochs BIOS reaches the MBR");
	cr_expect(!strstr(text, "\nqboot.rom 0:mbr "), "qboot boots no disk");
	free(text);
	unlink(golden);
	rmdir(dir);
	free(dir);
	free(golden);
	free(disk);
}
