/*
 * machine/state_io.c: the symmetric state visitor (machine/state_io.h):
 * little-endian fixed-width fields collected in a growing buffer, which is
 * hashed with XXH3-64 or saved, or loaded back with bounds checks.
 */
#include "machine/state_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem/bulk_hash.h"

int state_io_init_hash(struct state_io *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = STATE_IO_HASH;
	return 0;
}

void state_io_init_hash_buf(struct state_io *s, uint8_t *buf, size_t cap)
{
	state_io_init_hash(s);
	s->buf = buf;
	s->cap = s->room = buf ? cap : 0;
	s->borrowed = buf != NULL;
}

void state_io_init_save(struct state_io *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = STATE_IO_SAVE;
}

void state_io_init_load(struct state_io *s, const uint8_t *buf, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->mode = STATE_IO_LOAD;
	s->buf = (uint8_t *)buf;
	s->len = len;
}

uint64_t state_io_digest(struct state_io *s)
{
	if (s->mode != STATE_IO_HASH || s->error)
		return 0;
	return bulk_hash64(s->buf, s->len);
}

void state_io_release(struct state_io *s)
{
	if (s->mode != STATE_IO_LOAD && !s->borrowed)
		free(s->buf);
	s->buf = NULL;
	s->borrowed = 0;
}

uint8_t *state_io_take(struct state_io *s, size_t *len)
{
	uint8_t *b = s->buf;

	if (s->borrowed) {
		b = malloc(s->len ? s->len : 1);
		if (b)
			memcpy(b, s->buf, s->len);
		s->borrowed = 0;
	}
	*len = s->len;
	s->buf = NULL;
	s->len = s->cap = s->room = 0;
	return b;
}

void state_io_fail(struct state_io *s, const char *msg)
{
	if (s->error)
		return;
	s->error = 1;
	s->room = 0;
	if (s->mode == STATE_IO_LOAD)
		snprintf(s->errmsg, sizeof(s->errmsg), "state offset %zu: %s", s->pos, msg);
	else
		snprintf(s->errmsg, sizeof(s->errmsg), "%s", msg);
}

void state_io_check(struct state_io *s, int ok, const char *what)
{
	char msg[120];

	if (s->mode != STATE_IO_LOAD || ok || s->error)
		return;
	snprintf(msg, sizeof(msg), "bad %s", what);
	state_io_fail(s, msg);
}

/* HASH, SAVE: n bytes were appended. */
static void appended(struct state_io *s, size_t n)
{
	s->len += n;
	s->room = s->cap - s->len;
}

/* HASH, SAVE: make room for n more bytes; 0, or -1 with the error set. A
 * borrowed starting buffer (state_io_init_hash_buf) is copied out, never
 * reallocated. */
static int grow(struct state_io *s, size_t n)
{
	size_t cap = s->cap ? s->cap : 4096;
	uint8_t *nb;

	while (cap - s->len < n)
		cap *= 2;
	if (s->borrowed) {
		nb = malloc(cap);
		if (nb && s->len)
			memcpy(nb, s->buf, s->len);
	} else {
		nb = realloc(s->buf, cap);
	}
	if (!nb) {
		state_io_fail(s, "out of memory");
		return -1;
	}
	s->buf = nb;
	s->cap = cap;
	s->room = cap - s->len;
	s->borrowed = 0;
	return 0;
}

static void io_raw(struct state_io *s, uint8_t *p, size_t n)
{
	switch (s->mode) {
	case STATE_IO_HASH:
	case STATE_IO_SAVE:
		if (s->error)
			return;
		if (s->cap - s->len < n && grow(s, n))
			return;
		memcpy(s->buf + s->len, p, n);
		appended(s, n);
		break;
	case STATE_IO_LOAD:
		if (s->error || s->len - s->pos < n) {
			if (!s->error)
				state_io_fail(s, "state ends early");
			memset(p, 0, n);
			return;
		}
		memcpy(p, s->buf + s->pos, n);
		s->pos += n;
		break;
	}
}

void state_io_bytes(struct state_io *s, void *p, size_t n)
{
	io_raw(s, p, n);
}

/* The inline fields' way out (machine/state_io.h): LOAD, or no room. */
void state_io_uint_slow(struct state_io *s, uint64_t *v, int bytes)
{
	uint8_t b[8];

	if (s->mode != STATE_IO_LOAD) {
		if (s->error || (s->cap - s->len < (size_t)bytes && grow(s, (size_t)bytes)))
			return;
		state_io_put_le(s->buf + s->len, *v, bytes);
		appended(s, (size_t)bytes);
		return;
	}
	io_raw(s, b, (size_t)bytes);
	*v = 0;
	for (int i = 0; i < bytes; i++)
		*v |= (uint64_t)b[i] << (8 * i);
}

void state_io_tag_slow(struct state_io *s, const char *name)
{
	uint8_t b[8] = { 0 };
	uint8_t want[8] = { 0 };
	char msg[80];

	memcpy(want, name, strnlen(name, 8));
	memcpy(b, want, 8);
	io_raw(s, b, 8);
	if (s->mode == STATE_IO_LOAD && !s->error && memcmp(b, want, 8)) {
		snprintf(msg, sizeof(msg), "expected section \"%.8s\"", name);
		s->pos -= 8;
		state_io_fail(s, msg);
	}
}
