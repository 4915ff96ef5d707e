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

void bytebuf_clear(struct bytebuf *b)
{
	b->len = 0;
	b->oom = 0;
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

/* Room for n more bytes, the common case inline; 0 or -1 as reserve. */
static inline int room(struct bytebuf *b, size_t n)
{
	if (b->oom)
		return -1;
	if (n <= b->cap - b->len)
		return 0;
	return bytebuf_reserve(b, n);
}

void bytebuf_put(struct bytebuf *b, const void *p, size_t n)
{
	if (!n || room(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void bytebuf_put_u8(struct bytebuf *b, uint8_t v)
{
	if (room(b, 1))
		return;
	b->data[b->len++] = v;
}

void bytebuf_put_le32(struct bytebuf *b, uint32_t v)
{
	if (room(b, 4))
		return;
	le_put32(b->data + b->len, v);
	b->len += 4;
}

void bytebuf_put_le64(struct bytebuf *b, uint64_t v)
{
	if (room(b, 8))
		return;
	le_put64(b->data + b->len, v);
	b->len += 8;
}

/* The varint is written in place (the hot path of recording: several per
 * event), never through a temporary. */
void bytebuf_put_uvar(struct bytebuf *b, uint64_t v)
{
	uint8_t *p;

	if (room(b, VARINT_MAX_LEN))
		return;
	p = b->data + b->len;
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	b->len = (size_t)(p - b->data);
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
