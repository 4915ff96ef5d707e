/* replay/bytebuf.c: growable byte buffer with sticky allocation failure. */
#include "replay/bytebuf.h"

#include <stdlib.h>
#include <string.h>

#include "replay/varint.h"

void bytebuf_init(struct bytebuf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void bytebuf_free(struct bytebuf *b)
{
	free(b->data);
	bytebuf_init(b);
}

int bytebuf_reserve(struct bytebuf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->oom)
		return -1;
	if (n <= b->cap - b->len)
		return 0;
	if (n > SIZE_MAX / 2 - b->len)
		goto fail;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		goto fail;
	b->data = p;
	b->cap = cap;
	return 0;
fail:
	b->oom = 1;
	return -1;
}

void bytebuf_put_svar(struct bytebuf *b, int64_t v)
{
	uint8_t t[VARINT_MAX_LEN];
	bytebuf_put(b, t, varint_put_s64(t, v));
}

void bytebuf_put_lenbytes(struct bytebuf *b, const void *p, size_t n)
{
	bytebuf_put_uvar(b, n);
	bytebuf_put(b, p, n);
}
