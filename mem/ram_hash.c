/*
 * mem/ram_hash.c: dirty-page tracking and incremental hashing of main RAM
 * (DESIGN.md §3 CHECKPOINT). A bit per 4 KiB page records writes since the
 * last hash; the hash keeps each page's XXH3-64 and rehashes only marked
 * pages. The RAM hash is the sum (mod 2^64) over pages of
 * XXH3_64bits_withSeed(page hash as 8 bytes LE, seed = page index), kept up
 * to date term by term, so a hash costs only the dirty pages. Tracking runs
 * from mem_new on (RAM starts zero-filled), so the first hash reads only the
 * pages written so far. The marks are set in
 * mem/access.c and mem/rom.c (mem_dirty_host).
 */
#include "mem/mem_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Inlined: a page's term hashes 8 bytes, where a library call costs more
 * than the hash (same algorithm, same values). Whole pages still go to
 * the library's XXH3_64bits, as before. */
#define XXH_INLINE_ALL
#include <xxhash.h>
#undef XXH3_64bits
XXH64_hash_t XXH3_64bits(const void *input, size_t length);

/* The 8 bytes of a page's hash, little-endian. */
static void put_page_hash(uint8_t *ph, uint64_t h)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(h >> (8 * i));
	memcpy(ph, b, 8);
}

static uint64_t ram_pages(const struct mem *m)
{
	return m->ram_size >> MEM_PAGE_SHIFT;
}

/* A page's term in the RAM hash: its hash keyed by its index. */
static uint64_t page_term(uint64_t pg, const uint8_t *ph)
{
	return XXH3_64bits_withSeed(ph, 8, pg);
}

int mem_dirty_enable(struct mem *m)
{
	uint64_t n = ram_pages(m);

	if (!m->dirty_bits) {
		m->dirty_bits = calloc(n / 64 + 1, sizeof(uint64_t));
		if (!m->dirty_bits)
			return -ENOMEM;
		mem_dirty_mark_all(m);
	}
	return 0;
}

/* First hash: pages never marked since mem_new are still zero-filled, so
 * their hash is the zero page's; only marked pages are read. */
static int page_hash_init(struct mem *m)
{
	uint64_t n = ram_pages(m), zh;
	static const uint8_t zero[MEM_PAGE_SIZE];

	m->page_hash = calloc(n ? n : 1, 8);
	if (!m->page_hash)
		return -ENOMEM;
	zh = XXH3_64bits(zero, sizeof(zero));
	m->ram_hash_sum = 0;
	if (n) {
		uint8_t zb[8];

		put_page_hash(zb, zh);
		for (uint64_t pg = 0; pg < n; pg++) {
			memcpy(m->page_hash + pg * 8, zb, 8);
			m->ram_hash_sum += page_term(pg, zb);
		}
	}
	return 0;
}

void mem_dirty_mark_all(struct mem *m)
{
	uint64_t n = ram_pages(m);

	if (!m->dirty_bits)
		return;
	memset(m->dirty_bits, 0xFF, (n + 63) / 64 * sizeof(uint64_t));
	if (n % 64)
		m->dirty_bits[n / 64] = (1ull << (n % 64)) - 1;
}

uint64_t mem_dirty_count(const struct mem *m)
{
	uint64_t c = 0, n = ram_pages(m);

	if (!m->dirty_bits)
		return n;
	for (uint64_t w = 0; w < (n + 63) / 64; w++)
		c += (uint64_t)__builtin_popcountll(m->dirty_bits[w]);
	return c;
}

uint64_t mem_ram_hash(struct mem *m)
{
	uint64_t n = ram_pages(m);

	if ((!m->dirty_bits && mem_dirty_enable(m)) || (!m->page_hash && page_hash_init(m)))
		return 0;
	for (uint64_t w = 0; w < (n + 63) / 64; w++) {
		uint64_t bits = m->dirty_bits[w];
		m->dirty_bits[w] = 0;
		while (bits) {
			uint64_t pg = w * 64 + (uint64_t)__builtin_ctzll(bits);
			uint64_t h = XXH3_64bits(m->ram + (pg << MEM_PAGE_SHIFT), MEM_PAGE_SIZE);
			uint8_t *ph = m->page_hash + pg * 8;
			bits &= bits - 1;
			m->ram_hash_sum -= page_term(pg, ph);
			put_page_hash(ph, h);
			m->ram_hash_sum += page_term(pg, ph);
		}
	}
	return m->ram_hash_sum;
}

int mem_smm_active(const struct mem *m)
{
	return m->in_smm;
}
