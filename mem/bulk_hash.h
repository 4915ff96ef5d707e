/*
 * mem/bulk_hash.h: XXH3 over bulk data (RAM pages, device state, ROM and
 * disk images). Where libxxhash has its x86 runtime dispatch (configure
 * defines LS_XXH_DISPATCH), these use the widest vector unit the host has;
 * the plain entry points are built for SSE2 and take about three times the
 * instructions for a 4 KiB page. XXH3 gives the same values on every path,
 * so hashes, traces and snapshots do not depend on the host.
 */
#ifndef LS_MEM_BULK_HASH_H
#define LS_MEM_BULK_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <xxhash.h>

#ifdef LS_XXH_DISPATCH
/* libxxhash's (as in xxh_x86dispatch.h), declared here as plain externs so
 * that a file inlining xxhash.h (XXH_INLINE_ALL) can use them too. */
extern XXH64_hash_t XXH3_64bits_dispatch(const void *input, size_t len);
extern XXH128_hash_t XXH3_128bits_dispatch(const void *input, size_t len);
extern XXH_errorcode XXH3_128bits_update_dispatch(XXH3_state_t *state, const void *input,
						  size_t len);
#endif

static inline uint64_t bulk_hash64(const void *p, size_t n)
{
#ifdef LS_XXH_DISPATCH
	return XXH3_64bits_dispatch(p, n);
#else
	return XXH3_64bits(p, n);
#endif
}

static inline XXH128_hash_t bulk_hash128(const void *p, size_t n)
{
#ifdef LS_XXH_DISPATCH
	return XXH3_128bits_dispatch(p, n);
#else
	return XXH3_128bits(p, n);
#endif
}

static inline XXH_errorcode bulk_hash128_update(XXH3_state_t *st, const void *p, size_t n)
{
#ifdef LS_XXH_DISPATCH
	return XXH3_128bits_update_dispatch(st, p, n);
#else
	return XXH3_128bits_update(st, p, n);
#endif
}

/* A source of bytes for bulk_hash128_stream: up to cap bytes into buf;
 * returns how many (0 at the end) or a negative errno. */
typedef long (*bulk_read_fn)(void *ctx, uint8_t *buf, size_t cap);

/* XXH3-128 of everything read() gives, as its canonical 16 bytes, read 64
 * KiB at a time (a buffer that size comes from the heap; a larger one would
 * be fresh pages, a page fault each, on every call). *size: the bytes
 * hashed. Returns 0, -ENOMEM, or read()'s error. */
int bulk_hash128_stream(bulk_read_fn read, void *ctx, uint8_t out[16], uint64_t *size);

#endif
