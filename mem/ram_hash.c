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
 * than the hash (same algorithm, same values). Whole pages go to
 * bulk_hash64. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "mem/bulk_hash.h"

/*
 * Each page's hash is kept XORed with the zero page's, so the table starts
 * as calloc's zeroes (pages the kernel maps lazily: the first hash touches
 * only the table entries of pages written, not 256 KiB for 128 MiB of RAM).
 */
static uint64_t get_page_hash(const struct mem *m, uint64_t pg)
{
	return m->page_hash[pg] ^ m->zero_page_hash;
}

static void set_page_hash(struct mem *m, uint64_t pg, uint64_t h)
{
	m->page_hash[pg] = h ^ m->zero_page_hash;
}

static uint64_t ram_pages(const struct mem *m)
{
	return m->ram_size >> MEM_PAGE_SHIFT;
}

/* A page's term in the RAM hash: its hash as 8 bytes (little-endian),
 * keyed by its index. */
static inline uint64_t page_term(uint64_t pg, uint64_t h)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	h = __builtin_bswap64(h);
#endif
	return XXH3_64bits_withSeed(&h, 8, pg);
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
	uint64_t n = ram_pages(m);
	static const uint8_t zero[MEM_PAGE_SIZE];

	m->page_hash = calloc(n ? n : 1, sizeof(uint64_t));
	if (!m->page_hash)
		return -ENOMEM;
	m->zero_page_hash = bulk_hash64(zero, sizeof(zero));
	m->ram_hash_sum = 0;
	for (uint64_t pg = 0; pg < n; pg++)
		m->ram_hash_sum += page_term(pg, m->zero_page_hash);
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

/* Rehash the marked pages of one word of dirty bits and clear them. */
static void rehash_word(struct mem *m, uint64_t w)
{
	uint64_t bits = m->dirty_bits[w];

	m->dirty_bits[w] = 0;
	while (bits) {
		uint64_t pg = w * 64 + (uint64_t)__builtin_ctzll(bits);
		uint64_t h = bulk_hash64(m->ram + (pg << MEM_PAGE_SHIFT), MEM_PAGE_SIZE);

		bits &= bits - 1;
		m->ram_hash_sum -= page_term(pg, get_page_hash(m, pg));
		set_page_hash(m, pg, h);
		m->ram_hash_sum += page_term(pg, h);
	}
}

uint64_t mem_ram_hash(struct mem *m)
{
	uint64_t nw = (ram_pages(m) + 63) / 64, w = 0;
	const uint64_t *d;

	if ((!m->dirty_bits && mem_dirty_enable(m)) || (!m->page_hash && page_hash_init(m)))
		return 0;
	/* A checkpoint finds a dozen marked pages among tens of thousands:
	 * skip clean runs of 8 words (512 pages) at a time. */
	d = m->dirty_bits;
	for (; w + 8 <= nw; w += 8) {
		if (!(d[w] | d[w + 1] | d[w + 2] | d[w + 3] | d[w + 4] | d[w + 5] | d[w + 6] | d[w + 7]))
			continue;
		for (uint64_t k = w; k < w + 8; k++)
			if (d[k])
				rehash_word(m, k);
	}
	for (; w < nw; w++)
		if (d[w])
			rehash_word(m, w);
	return m->ram_hash_sum;
}

int mem_smm_active(const struct mem *m)
{
	return m->in_smm;
}
