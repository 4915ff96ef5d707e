/*
 * replay/bytebuf.h: a growable byte buffer for building trace records, and
 * little-endian fixed-width helpers. Allocation failure is sticky: the buffer
 * remembers it (oom) and later appends are ignored, so callers check once.
 */
#ifndef LS_REPLAY_BYTEBUF_H
#define LS_REPLAY_BYTEBUF_H

#include <stddef.h>
#include <stdint.h>

#include "replay/varint.h"

struct bytebuf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int oom;        /* an allocation failed; contents are incomplete */
};

/* Starts empty; no allocation until the first append. */
void bytebuf_init(struct bytebuf *b);
/* Frees the storage and returns to the empty state. */
void bytebuf_free(struct bytebuf *b);
/* Empties the buffer, keeping its storage (and clearing oom). */
static inline void bytebuf_clear(struct bytebuf *b)
{
	b->len = 0;
	b->oom = 0;
}

/* Makes room for n more bytes; returns 0, or -1 (and sets oom). */
int bytebuf_reserve(struct bytebuf *b, size_t n);

void bytebuf_put_svar(struct bytebuf *b, int64_t v);
/* A varint length followed by the bytes. */
void bytebuf_put_lenbytes(struct bytebuf *b, const void *p, size_t n);

/* Little-endian loads and stores on raw memory. */
static inline uint32_t le_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t le_get64(const uint8_t *p)
{
	return (uint64_t)le_get32(p) | (uint64_t)le_get32(p + 4) << 32;
}

static inline void le_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void le_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * The appends are inline: recording runs several per event. Each makes
 * room (the common case, enough room, without a call) and then writes in
 * place. After a failed allocation they do nothing (oom is sticky).
 */
static inline int bytebuf_room(struct bytebuf *b, size_t n)
{
	if (__builtin_expect(!b->oom && n <= b->cap - b->len, 1))
		return 0;
	return bytebuf_reserve(b, n);
}

static inline void bytebuf_put(struct bytebuf *b, const void *p, size_t n)
{
	if (!n || bytebuf_room(b, n))
		return;
	__builtin_memcpy(b->data + b->len, p, n);
	b->len += n;
}

static inline void bytebuf_put_u8(struct bytebuf *b, uint8_t v)
{
	if (bytebuf_room(b, 1))
		return;
	b->data[b->len++] = v;
}

static inline void bytebuf_put_le32(struct bytebuf *b, uint32_t v)
{
	if (bytebuf_room(b, 4))
		return;
	le_put32(b->data + b->len, v);
	b->len += 4;
}

static inline void bytebuf_put_le64(struct bytebuf *b, uint64_t v)
{
	if (bytebuf_room(b, 8))
		return;
	le_put64(b->data + b->len, v);
	b->len += 8;
}

/* varint_put_u64 at p, which has room for VARINT_MAX_LEN bytes; the end. */
static inline uint8_t *bytebuf_uvar_at(uint8_t *p, uint64_t v)
{
	return p + varint_put_u64(p, v);
}

static inline void bytebuf_put_uvar(struct bytebuf *b, uint64_t v)
{
	if (bytebuf_room(b, VARINT_MAX_LEN))
		return;
	b->len = (size_t)(bytebuf_uvar_at(b->data + b->len, v) - b->data);
}

#endif
