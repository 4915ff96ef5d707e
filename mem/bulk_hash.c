/*
 * mem/bulk_hash.c: streaming XXH3-128 over a reader (mem/bulk_hash.h), for
 * ROM, option ROM, kernel and disk images.
 */
#include "mem/bulk_hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BULK_CHUNK (64u << 10)

int bulk_hash128_stream(bulk_read_fn read, void *ctx, uint8_t out[16], uint64_t *size)
{
	uint8_t *buf = malloc(BULK_CHUNK);
	XXH3_state_t *st = XXH3_createState();
	XXH128_canonical_t canon;
	long n;
	int r = 0;

	*size = 0;
	if (!buf || !st) {
		r = -ENOMEM;
		goto done;
	}
	XXH3_128bits_reset(st);
	while ((n = read(ctx, buf, BULK_CHUNK)) > 0) {
		bulk_hash128_update(st, buf, (size_t)n);
		*size += (uint64_t)n;
	}
	if (n < 0) {
		r = (int)n;
		goto done;
	}
	XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(st));
	memcpy(out, canon.digest, 16);
done:
	XXH3_freeState(st);
	free(buf);
	return r;
}
