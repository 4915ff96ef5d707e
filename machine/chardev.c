/* machine/chardev.c: guest character output to stdout, a file or nowhere (see chardev.h). */
#include "machine/chardev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct chardev {
	FILE *f;          /* NULL for "none" */
	int own;          /* fclose on close */
	int strip;        /* strip escape sequences */
	int state;        /* escape-stripping state */
	int line_start;
};

struct chardev *chardev_open(const char *spec, int raw, char *err, size_t errlen)
{
	struct chardev *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->line_start = 1;
	if (!strcmp(spec, "none"))
		return c;
	if (!strcmp(spec, "stdio")) {
		c->f = stdout;
	} else if (!strncmp(spec, "file:", 5) && spec[5]) {
		c->f = fopen(spec + 5, "wb");
		if (!c->f) {
			snprintf(err, errlen, "%s: %s", spec + 5, strerror(errno));
			free(c);
			return NULL;
		}
		c->own = 1;
	} else {
		snprintf(err, errlen, "%s: expected stdio, none or file:PATH", spec);
		free(c);
		return NULL;
	}
	c->strip = !raw && !isatty(fileno(c->f));
	return c;
}

void chardev_flush(struct chardev *c)
{
	if (c && c->f)
		fflush(c->f);
}

void chardev_close(struct chardev *c)
{
	if (!c)
		return;
	if (c->f) {
		if (c->own)
			fclose(c->f);
		else
			fflush(c->f);
	}
	free(c);
}

/* States: 0 text, 1 after ESC, 2 inside CSI (ESC [), 3 skip one byte
 * (ESC ( x and similar two-byte designations). */
size_t chardev_strip_escapes(uint8_t *buf, size_t len, int *state)
{
	size_t out = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t ch = buf[i];
		switch (*state) {
		case 0:
			if (ch == 0x1B)
				*state = 1;
			else if (ch != '\r')
				buf[out++] = ch;
			break;
		case 1:
			if (ch == '[')
				*state = 2;
			else if (ch == '(' || ch == ')' || ch == '#')
				*state = 3;
			else
				*state = 0;
			break;
		case 2:
			/* Parameter and intermediate bytes 0x20-0x3F; a final byte 0x40-0x7E ends it. */
			if (ch >= 0x40 && ch <= 0x7E)
				*state = 0;
			break;
		default:
			*state = 0;
			break;
		}
	}
	return out;
}

void chardev_write(struct chardev *c, const uint8_t *buf, size_t len)
{
	uint8_t tmp[256];

	if (!c || !c->f || !len)
		return;
	if (!c->strip) {
		fwrite(buf, 1, len, c->f);
		c->line_start = buf[len - 1] == '\n';
		return;
	}
	while (len) {
		size_t n = len < sizeof(tmp) ? len : sizeof(tmp);
		size_t k;

		memcpy(tmp, buf, n);
		k = chardev_strip_escapes(tmp, n, &c->state);
		if (k) {
			fwrite(tmp, 1, k, c->f);
			c->line_start = tmp[k - 1] == '\n';
		}
		buf += n;
		len -= n;
	}
}

void chardev_write_cb(void *opaque, const uint8_t *buf, size_t len)
{
	chardev_write(opaque, buf, len);
}

int chardev_at_line_start(const struct chardev *c)
{
	return !c || !c->f || c->line_start;
}
