/* tests/test_debug_merge.c: the 0x402/0xE9 debug console merge (machine/debug_merge.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine/chardev.h"
#include "machine/debug_merge.h"
#include "tests/testutil.h"

static char path[] = "/tmp/ls-merge-XXXXXX";

static struct chardev *open_out(void)
{
	char spec[64], err[256];
	close(mkstemp(path));
	snprintf(spec, sizeof(spec), "file:%s", path);
	return chardev_open(spec, 1, err, sizeof(err));
}

static char *read_out(struct chardev *c)
{
	size_t n;
	chardev_close(c);
	uint8_t *data = tu_read_file(path, &n);
	char *s = malloc(n + 1);
	memcpy(s, data, n);
	s[n] = 0;
	free(data);
	unlink(path);
	return s;
}

static void put(struct debug_merge *d, int port, const char *s)
{
	debug_merge_write(d, port, (const uint8_t *)s, strlen(s));
}

Test(debug_merge, same_text_on_both_ports_shows_once)
{
	struct chardev *c = open_out();
	struct debug_merge d;
	debug_merge_init(&d, c);
	/* Character by character on both ports, as the bench guest does. */
	for (const char *p = "BENCH DONE 0b8bb7fa\n"; *p; p++) {
		debug_merge_write(&d, 0, (const uint8_t *)p, 1);
		debug_merge_write(&d, 1, (const uint8_t *)p, 1);
	}
	debug_merge_flush(&d);
	char *s = read_out(c);
	cr_expect_str_eq(s, "BENCH DONE 0b8bb7fa\n");
	free(s);
}

Test(debug_merge, different_lines_all_show_and_repeats_on_one_port_stay)
{
	struct chardev *c = open_out();
	struct debug_merge d;
	debug_merge_init(&d, c);
	put(&d, 0, "a\n");
	put(&d, 0, "a\n");      /* same port twice: both shown */
	put(&d, 1, "b\n");
	put(&d, 0, "c");        /* unfinished at the end: flushed */
	debug_merge_flush(&d);
	char *s = read_out(c);
	cr_expect_str_eq(s, "a\na\nb\nc");
	free(s);
}

Test(debug_merge, third_copy_shows_again)
{
	struct chardev *c = open_out();
	struct debug_merge d;
	debug_merge_init(&d, c);
	put(&d, 0, "x\n");
	put(&d, 1, "x\n");
	put(&d, 0, "x\n");
	debug_merge_flush(&d);
	char *s = read_out(c);
	cr_expect_str_eq(s, "x\nx\n");
	free(s);
}
