/*
 * machine/state_io.h: one symmetric visitor for device state. Every device
 * has a single foo_state(dev, sio) function that names its fields in order;
 * the same function hashes (checkpoints), saves and loads (snapshots), so the
 * three can never disagree (DESIGN.md §2: architectural state, serialised
 * field by field, little-endian, never by copying structs with padding).
 *
 * Loading is defensive: a short or damaged buffer, or a value out of range
 * (state_io_check), sets a sticky error and leaves the remaining fields
 * zero; the caller discards the machine (or reloads a good state) then.
 */
#ifndef LS_MACHINE_STATE_IO_H
#define LS_MACHINE_STATE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum state_io_mode {
	STATE_IO_HASH,   /* collect the bytes, then XXH3-64 of them all */
	STATE_IO_SAVE,   /* append the bytes to a growing buffer */
	STATE_IO_LOAD,   /* read the fields back from a buffer */
};

struct state_io {
	enum state_io_mode mode;
	uint8_t *buf;              /* HASH, SAVE: owned, grows; LOAD: borrowed */
	size_t len, cap;           /* HASH, SAVE: bytes written; LOAD: buffer size */
	size_t room;               /* HASH, SAVE without an error: cap - len; else 0 */
	size_t pos;                /* LOAD: bytes consumed */
	int error;                 /* sticky: out of memory, short buffer, bad value */
	int borrowed;              /* HASH: buf is the caller's (init_hash_buf) */
	char errmsg[160];
};

/* Start a visitor. HASH and SAVE start empty (hashing one buffer at the end
 * costs far less than streaming many small fields, and gives the same
 * digest); LOAD reads buf[0..len) (borrowed). Returns 0 or -1. */
int state_io_init_hash(struct state_io *s);
/* HASH into the caller's buf[0..cap) first (no allocation while the state
 * fits; a larger state moves to the heap, which release frees). */
void state_io_init_hash_buf(struct state_io *s, uint8_t *buf, size_t cap);
void state_io_init_save(struct state_io *s);
void state_io_init_load(struct state_io *s, const uint8_t *buf, size_t len);
/* HASH: the digest so far. */
uint64_t state_io_digest(struct state_io *s);
/* Free what init allocated (SAVE: the buffer, unless taken with state_io_take). */
void state_io_release(struct state_io *s);
/* SAVE: hand the buffer over to the caller (free() it); *len gets its size. */
uint8_t *state_io_take(struct state_io *s, size_t *len);

void state_io_bytes(struct state_io *s, void *p, size_t n);

/* The fixed-width fields below are inline: a checkpoint hashes every
 * device's fields, hundreds of times in a boot, and appending to the
 * buffer costs less than a call. Loading, a full buffer and errors go
 * through these (out of line). */
void state_io_uint_slow(struct state_io *s, uint64_t *v, int bytes);
void state_io_tag_slow(struct state_io *s, const char *name);

/* HASH, SAVE with room for n more bytes and no error: the bytes' place
 * (one test: room is 0 when loading or after an error). */
static inline uint8_t *state_io_room(struct state_io *s, size_t n)
{
	uint8_t *p;

	if (__builtin_expect(s->room < n, 0))
		return NULL;
	p = s->buf + s->len;
	s->len += n;
	s->room -= n;
	return p;
}

static inline void state_io_put_le(uint8_t *p, uint64_t x, int bytes)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &x, (size_t)bytes);   /* one store where bytes is a constant */
#else
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(x >> (8 * i));
#endif
}

#define STATE_IO_UINT(name, type, bytes, cast_in, cast_out)        \
	static inline void name(struct state_io *s, type *v)      \
	{                                                          \
		uint8_t *p = state_io_room(s, bytes);              \
		uint64_t x;                                        \
		if (p) {                                           \
			state_io_put_le(p, cast_in(*v), bytes);    \
			return;                                    \
		}                                                  \
		x = cast_in(*v);                                   \
		state_io_uint_slow(s, &x, bytes);                  \
		*v = cast_out(x);                                  \
	}

#define STATE_IO_AS_U64(v) ((uint64_t)(v))
#define STATE_IO_INT_IN(v) ((uint64_t)(uint32_t)(v))
STATE_IO_UINT(state_io_u8, uint8_t, 1, STATE_IO_AS_U64, (uint8_t))
STATE_IO_UINT(state_io_u16, uint16_t, 2, STATE_IO_AS_U64, (uint16_t))
STATE_IO_UINT(state_io_u32, uint32_t, 4, STATE_IO_AS_U64, (uint32_t))
STATE_IO_UINT(state_io_u64, uint64_t, 8, STATE_IO_AS_U64, (uint64_t))
STATE_IO_UINT(state_io_i64, int64_t, 8, STATE_IO_AS_U64, (int64_t))
/* An int stored as 32 bits (two's complement). */
STATE_IO_UINT(state_io_int, int, 4, STATE_IO_INT_IN, (int)(int32_t)(uint32_t))
#undef STATE_IO_AS_U64
#undef STATE_IO_INT_IN
#undef STATE_IO_UINT

/* A section tag: its first 8 bytes, zero-padded, saved as given and
 * checked on load (catches misaligned or foreign data early, with the
 * section's name in the message). name must be a string literal: padded
 * with eight zeroes here, its first 8 bytes are the tag, one 8-byte move. */
#define state_io_tag(s, name) state_io_tag8((s), name "\0\0\0\0\0\0\0\0")
static inline void state_io_tag8(struct state_io *s, const char *padded)
{
	uint8_t *p = state_io_room(s, 8);

	if (!p) {
		state_io_tag_slow(s, padded);
		return;
	}
	memcpy(p, padded, 8);
}

/* LOAD: fail with "bad <what>" unless ok. No effect in other modes. */
void state_io_check(struct state_io *s, int ok, const char *what);
/* Set the error with a message (first error wins). */
void state_io_fail(struct state_io *s, const char *msg);

static inline int state_io_loading(const struct state_io *s)
{
	return s->mode == STATE_IO_LOAD;
}

#endif
