/*
 * replay/varint.h: LEB128 unsigned varints and zigzag signed varints, as used
 * by trace events (docs/trace-format.md §2). Decoding is bounds-checked and
 * never reads past the buffer it is given.
 */
#ifndef LS_REPLAY_VARINT_H
#define LS_REPLAY_VARINT_H

#include <stddef.h>
#include <stdint.h>

/* Longest encoding of a 64-bit value. */
#define VARINT_MAX_LEN 10

/* Decoding errors (negative). */
enum {
	VARINT_ERR_TRUNCATED = -1,  /* the buffer ends inside the varint */
	VARINT_ERR_OVERFLOW = -2,   /* more than 64 bits, or a non-canonical 10th byte */
	VARINT_ERR_OVERLONG = -3,   /* a redundant trailing 0x00 group (non-canonical) */
};

/* Encodes v as LEB128 (7 bits per byte, low group first, bit 7 = more) into
 * out, which must have room for VARINT_MAX_LEN bytes. Returns the length.
 * Inline: recording encodes several per event. */
static inline size_t varint_put_u64(uint8_t *out, uint64_t v)
{
	uint8_t *p = out;

	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return (size_t)(p - out);
}

/* Encodes v zigzag-mapped ((v << 1) ^ (v >> 63)) then as LEB128. */
size_t varint_put_s64(uint8_t *out, int64_t v);

/* Length of the encoding of v, without writing it. */
size_t varint_len_u64(uint64_t v);

/*
 * Decodes one varint from buf[*pos .. len). On success stores the value,
 * advances *pos past it and returns 0. On error returns a VARINT_ERR_* code
 * and sets *pos to the offset of the offending byte (len when truncated), so
 * callers can report where the error is. Only the canonical (shortest)
 * encoding is accepted, so every value has exactly one encoding.
 */
int varint_get_u64(const uint8_t *buf, size_t len, size_t *pos, uint64_t *out);
int varint_get_s64(const uint8_t *buf, size_t len, size_t *pos, int64_t *out);

/* Zigzag mapping between signed and unsigned (0,-1,1,-2 -> 0,1,2,3). */
uint64_t varint_zigzag_encode(int64_t v);
int64_t varint_zigzag_decode(uint64_t u);

/* A short description of a VARINT_ERR_* code ("truncated varint", ...). */
const char *varint_strerror(int err);

#endif
