/* tests/test_chardev.c: guest character output and escape stripping (machine/chardev.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine/chardev.h"
#include "tests/testutil.h"

static size_t strip(const char *in, char *out, int *state)
{
	size_t n = strlen(in);
	memcpy(out, in, n);
	return chardev_strip_escapes((uint8_t *)out, n, state);
}

Test(chardev, strips_csi_and_two_byte_escapes)
{
	char buf[128];
	int st = 0;
	size_t n = strip("\x1b[2J\x1b[1;1HSeaBIOS\x1b[0m (version)\r\n\x1b(Bok", buf, &st);
	buf[n] = 0;
	cr_expect_str_eq(buf, "SeaBIOS (version)\nok");
	cr_expect_eq(st, 0);
}

Test(chardev, escape_split_across_writes)
{
	char buf[64];
	int st = 0;
	size_t n = strip("ab\x1b[3", buf, &st);
	cr_expect_eq(n, 2);
	cr_expect_neq(st, 0);
	n = strip("1mcd", buf, &st);
	buf[n] = 0;
	cr_expect_str_eq(buf, "cd");
}

Test(chardev, file_output_is_stripped_unless_raw)
{
	char path[] = "/tmp/ls-chardev-XXXXXX", spec[64], err[256];
	close(mkstemp(path));
	snprintf(spec, sizeof(spec), "file:%s", path);

	struct chardev *c = chardev_open(spec, 0, err, sizeof(err));
	cr_assert(c, "%s", err);
	chardev_write(c, (const uint8_t *)"\x1b[1mhi\x1b[0m\n", 11);
	cr_expect(chardev_at_line_start(c));
	chardev_close(c);
	size_t size;
	uint8_t *data = tu_read_file(path, &size);
	cr_assert(data);
	cr_expect_eq(size, 3);
	cr_expect(!memcmp(data, "hi\n", 3));
	free(data);

	c = chardev_open(spec, 1, err, sizeof(err));
	cr_assert(c);
	chardev_write(c, (const uint8_t *)"\x1b[1mhi", 6);
	cr_expect(!chardev_at_line_start(c));
	chardev_close(c);
	data = tu_read_file(path, &size);
	cr_expect_eq(size, 6);
	free(data);
	unlink(path);
}

Test(chardev, none_and_bad_specs)
{
	char err[256];
	struct chardev *c = chardev_open("none", 0, err, sizeof(err));
	cr_assert(c);
	chardev_write(c, (const uint8_t *)"x", 1);
	chardev_close(c);
	cr_expect_null(chardev_open("tcp:1234", 0, err, sizeof(err)));
	cr_expect(strstr(err, "expected stdio"));
	cr_expect_null(chardev_open("file:/nonexistent/dir/x", 0, err, sizeof(err)));
	cr_expect(strstr(err, "/nonexistent/dir/x"), "%s", err);
}
