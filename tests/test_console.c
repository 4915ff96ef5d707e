/*
 * tests/test_console.c: the Ctrl-A escapes of the serial console
 * (machine/console.c), alone and in `lockstep run` on a pty (util-linux's
 * script, as tests/test_boot.c's Ctrl-A x test).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "machine/console.h"

Test(console, keys_pass_through_and_escapes_act)
{
	struct console *c = console_new_detached();
	uint8_t out[64];
	enum console_action act;
	size_t n;

	n = console_filter(c, (const uint8_t *)"ab\x03", 3, out, &act);
	cr_expect_eq(n, 3);
	cr_expect(!memcmp(out, "ab\x03", 3), "Ctrl-C goes to the guest");
	cr_expect_eq(act, CONSOLE_NONE);

	n = console_filter(c, (const uint8_t *)"q\x01x", 3, out, &act);
	cr_expect_eq(n, 1);
	cr_expect_eq(out[0], 'q');
	cr_expect_eq(act, CONSOLE_QUIT);

	n = console_filter(c, (const uint8_t *)"\x01\x01z", 3, out, &act);
	cr_expect_eq(n, 2);
	cr_expect(!memcmp(out, "\x01z", 2), "Ctrl-A Ctrl-A sends one Ctrl-A");

	/* An escape split across two reads. */
	n = console_filter(c, (const uint8_t *)"\x01", 1, out, &act);
	cr_expect_eq(n, 0);
	n = console_filter(c, (const uint8_t *)"c", 1, out, &act);
	cr_expect_eq(n, 0);
	cr_expect_eq(act, CONSOLE_MONITOR);

	/* Unknown escapes are swallowed. */
	n = console_filter(c, (const uint8_t *)"\x01qk", 3, out, &act);
	cr_expect_eq(n, 1);
	cr_expect_eq(out[0], 'k');
	console_close(c);
}

Test(console, no_terminal_means_no_console)
{
	/* Criterion runs tests with stdin not a terminal. */
	cr_expect_null(console_open());
}

/* The whole of a file (malloc'd, NUL-terminated), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			char *b = realloc(buf, cap = cap ? 2 * cap : 65536);
			if (!b)
				break;
			buf = b;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	if (buf)
		buf[len] = 0;
	return buf;
}

/* Ctrl-A c in a recorded `run` on a terminal hands the machine, and the
 * recording, to the monitor: the session's `quit 5` ends both, and the
 * trace replays with every checkpoint verified, the last one too although
 * the guest sleeps in HLT, its idle time recorded as input. */
Test(console, ctrl_a_c_hands_a_recording_to_the_monitor, .timeout = 120)
{
	const char *exe = LS_ABS_BUILDDIR "/lockstep";
	const char *img = LS_ABS_BUILDDIR "/tests/guests/sleep.img";
	char dir[] = "/tmp/ls-console-XXXXXX", trace[128], out[128], cmd[2048], *text;
	int st;

	if (access("/usr/share/seabios/bios.bin", R_OK))
		cr_skip_test("SeaBIOS is not installed");
	if (system("command -v script >/dev/null 2>&1"))
		cr_skip_test("script (util-linux) is not installed: no pty to test with");
	cr_assert(mkdtemp(dir));
	snprintf(trace, sizeof(trace), "%s/ctrl-a-c.trace", dir);
	snprintf(out, sizeof(out), "%s/pty.out", dir);
	/* The guest sleeps in HLT, paced to the wall clock: after 2 s Ctrl-A c,
	 * then monitor commands typed at the readline prompt. */
	snprintf(cmd, sizeof(cmd), "(sleep 2; printf '\\001c'; sleep 1; printf 'print icount > 0\\n';"
		 " sleep 0.5; printf 'quit 5\\n') | "
		 "script -qec '%s run --disk %s --record %s' /dev/null > %s 2>&1", exe, img, trace, out);
	st = system(cmd);
	text = slurp(out);
	cr_assert(text, "no output");
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 5, "status 0x%x: %s", st, text);
	cr_expect(strstr(text, "lockstep monitor: recording to "), "%s", text);
	cr_expect(strstr(text, "0x1 (1)"), "%s", text);
	free(text);

	snprintf(cmd, sizeof(cmd), "%s replay %s > %s 2>&1", exe, trace, out);
	st = system(cmd);
	text = slurp(out);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "replay: status 0x%x: %s", st,
		  text ? text : "");
	cr_expect(text && strstr(text, "verified"), "%s", text ? text : "");
	free(text);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}
