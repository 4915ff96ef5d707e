/* machine/debug_merge.c: merge the 0x402 and 0xE9 debug ports line by line (see debug_merge.h). */
#include "machine/debug_merge.h"

#include <string.h>

#include "machine/chardev.h"

void debug_merge_init(struct debug_merge *d, struct chardev *out)
{
	memset(d, 0, sizeof(*d));
	d->out = out;
	d->last_port = -1;
}

/* A finished (or full, or final) line of port p. */
static void emit(struct debug_merge *d, int p)
{
	size_t n = d->len[p];

	d->len[p] = 0;
	if (d->last_port == 1 - p && d->last_len == n && !memcmp(d->last, d->buf[p], n)) {
		d->last_port = -1;   /* shown once; a third copy would show again */
		return;
	}
	chardev_write(d->out, d->buf[p], n);
	memcpy(d->last, d->buf[p], n);
	d->last_len = n;
	d->last_port = p;
}

void debug_merge_write(struct debug_merge *d, int port, const uint8_t *buf, size_t len)
{
	int p = port ? 1 : 0;

	for (size_t i = 0; i < len; i++) {
		d->buf[p][d->len[p]++] = buf[i];
		if (buf[i] == '\n' || d->len[p] == DEBUG_MERGE_LINE)
			emit(d, p);
	}
}

void debug_merge_flush(struct debug_merge *d)
{
	for (int p = 0; p < 2; p++)
		if (d->len[p])
			emit(d, p);
	chardev_flush(d->out);
}
