/* tests/test_console.c: the Ctrl-A escapes of the serial console (machine/console.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

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
