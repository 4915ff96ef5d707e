/*
 * replay/keyframes.c: the TRACE.keys snapshot file (replay/keyframes.h).
 * Record layout, little-endian: u64 icount, u64 events seen, u64 events
 * stored, 7 x u64 chains, u64 snapshot length L, L bytes, u64 XXH3-64 of
 * the record's bytes before it.
 */
#include "replay/keyframes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "replay/bytebuf.h"

#define KEYS_MAGIC "LSKEYS\0\x1a"
#define KEY_HEAD (8 * (3 + TRACE_NSTREAMS + 1))

FILE *keyframes_create(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(KEYS_MAGIC, 1, 8, f) != 8) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	return f;
}

static void head_encode(const struct keyframe *k, uint64_t len, uint8_t *h)
{
	le_put64(h, k->icount);
	le_put64(h + 8, k->events_seen);
	le_put64(h + 16, k->events_stored);
	for (int i = 0; i < TRACE_NSTREAMS; i++)
		le_put64(h + 24 + 8 * i, k->chains.h[i]);
	le_put64(h + 24 + 8 * TRACE_NSTREAMS, len);
}

int keyframes_append(FILE *f, const struct keyframe *k, const uint8_t *snap, size_t len)
{
	uint8_t h[KEY_HEAD], sum[8];
	XXH3_state_t *st = XXH3_createState();

	if (!st)
		return -1;
	head_encode(k, len, h);
	XXH3_64bits_reset(st);
	XXH3_64bits_update(st, h, sizeof(h));
	XXH3_64bits_update(st, snap, len);
	le_put64(sum, XXH3_64bits_digest(st));
	XXH3_freeState(st);
	if (fwrite(h, 1, sizeof(h), f) != sizeof(h) || fwrite(snap, 1, len, f) != len ||
	    fwrite(sum, 1, 8, f) != 8 || fflush(f))
		return -1;
	return 0;
}

int keyframes_index(const char *path, struct keyframe **out, size_t *n, int *missing,
		    char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct keyframe *v = NULL;
	uint8_t magic[8], *buf = NULL;
	uint64_t off = 8;
	size_t cnt = 0;

	*missing = 0;
	*out = NULL;
	*n = 0;
	if (!f) {
		*missing = errno == ENOENT;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fread(magic, 1, 8, f) != 8 || memcmp(magic, KEYS_MAGIC, 8)) {
		snprintf(err, errlen, "%s: offset 0: not a lockstep keyframe file", path);
		goto fail;
	}
	for (;;) {
		uint8_t h[KEY_HEAD], sum[8];
		struct keyframe k;
		size_t got = fread(h, 1, sizeof(h), f);
		XXH3_state_t *st;
		uint8_t *nb;
		if (got == 0 && feof(f))
			break;
		if (got != sizeof(h)) {
			snprintf(err, errlen, "%s: offset %llu: truncated keyframe", path,
				 (unsigned long long)off);
			goto fail;
		}
		k.icount = le_get64(h);
		k.events_seen = le_get64(h + 8);
		k.events_stored = le_get64(h + 16);
		for (int i = 0; i < TRACE_NSTREAMS; i++)
			k.chains.h[i] = le_get64(h + 24 + 8 * i);
		k.len = le_get64(h + 24 + 8 * TRACE_NSTREAMS);
		k.offset = off + sizeof(h);
		if (k.len > (16ull << 30) || (cnt && k.icount < v[cnt - 1].icount)) {
			snprintf(err, errlen, "%s: offset %llu: bad keyframe header", path,
				 (unsigned long long)off);
			goto fail;
		}
		nb = realloc(buf, k.len ? k.len : 1);
		if (!nb) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		buf = nb;
		if (fread(buf, 1, k.len, f) != k.len || fread(sum, 1, 8, f) != 8) {
			snprintf(err, errlen, "%s: offset %llu: truncated keyframe", path,
				 (unsigned long long)off);
			goto fail;
		}
		st = XXH3_createState();
		if (!st)
			goto fail;
		XXH3_64bits_reset(st);
		XXH3_64bits_update(st, h, sizeof(h));
		XXH3_64bits_update(st, buf, k.len);
		if (XXH3_64bits_digest(st) != le_get64(sum)) {
			XXH3_freeState(st);
			snprintf(err, errlen, "%s: offset %llu: keyframe checksum mismatch", path,
				 (unsigned long long)off);
			goto fail;
		}
		XXH3_freeState(st);
		{
			struct keyframe *nv = realloc(v, (cnt + 1) * sizeof(*v));
			if (!nv)
				goto fail;
			v = nv;
		}
		v[cnt++] = k;
		off = k.offset + k.len + 8;
	}
	free(buf);
	fclose(f);
	*out = v;
	*n = cnt;
	return 0;
fail:
	free(buf);
	free(v);
	fclose(f);
	return -1;
}

const struct keyframe *keyframes_find(const struct keyframe *k, size_t n, uint64_t icount)
{
	const struct keyframe *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (k[i].icount <= icount)
			best = &k[i];
	return best;
}

int keyframes_read(const char *path, const struct keyframe *k, uint8_t **buf, char *err,
		   size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	b = malloc(k->len ? k->len : 1);
	if (!b || fseek(f, (long)k->offset, SEEK_SET) || fread(b, 1, k->len, f) != k->len) {
		snprintf(err, errlen, "%s: cannot read the keyframe at icount %llu", path,
			 (unsigned long long)k->icount);
		free(b);
		fclose(f);
		return -1;
	}
	fclose(f);
	*buf = b;
	return 0;
}
