/*
 * mem/watch.c: read watches for the debugger (mem/mem.h). A watched page
 * loses its fast read pointer, so CPU reads there take mem_read's slow path,
 * where reads overlapping a watched range fire the watch_read hook. The
 * bytes read are the same either way.
 */
#include <errno.h>
#include <stdlib.h>

#include "mem/mem_internal.h"

int mem_watch_page(const struct mem *m, uint64_t page)
{
	return m->watch_bits && page < MEM_LOW_PAGES &&
	       ((m->watch_bits[page >> 6] >> (page & 63)) & 1);
}

/* Recompute the page bits from the ranges, refill the pages whose bit
 * changed, and move the host generation on so TLBs refresh their pointers
 * (not the map generation: translations are the guest's business). */
static void watch_rebuild(struct mem *m, uint64_t lo, uint64_t hi)
{
	uint64_t first = lo >> MEM_PAGE_SHIFT, last = (hi - 1) >> MEM_PAGE_SHIFT;

	for (uint64_t p = first; p <= last; p++) {
		uint64_t pa = p << MEM_PAGE_SHIFT;
		int on = 0;
		for (int i = 0; i < MEM_MAX_WATCH && !on; i++)
			on = m->watch[i].used && m->watch[i].lo < pa + MEM_PAGE_SIZE &&
			     m->watch[i].hi > pa;
		if (on)
			m->watch_bits[p >> 6] |= 1ull << (p & 63);
		else
			m->watch_bits[p >> 6] &= ~(1ull << (p & 63));
		mem_page_refresh(m, p);
	}
	m->host_generation++;
}

uint64_t mem_host_generation(const struct mem *m)
{
	return m->host_generation;
}

int mem_watch_add(struct mem *m, uint64_t pa, uint64_t len)
{
	int h;

	if (!len || pa >= MEM_4G || len > MEM_4G - pa)
		return -EINVAL;
	if (!m->watch_bits) {
		m->watch_bits = calloc(MEM_LOW_PAGES / 64, sizeof(*m->watch_bits));
		if (!m->watch_bits)
			return -ENOMEM;
	}
	for (h = 0; h < MEM_MAX_WATCH && m->watch[h].used; h++)
		;
	if (h == MEM_MAX_WATCH)
		return -ENOSPC;
	m->watch[h].lo = pa;
	m->watch[h].hi = pa + len;
	m->watch[h].used = 1;
	m->nwatch++;
	watch_rebuild(m, pa, pa + len);
	return h;
}

void mem_watch_remove(struct mem *m, int h)
{
	if (h < 0 || h >= MEM_MAX_WATCH || !m->watch[h].used)
		return;
	m->watch[h].used = 0;
	m->nwatch--;
	watch_rebuild(m, m->watch[h].lo, m->watch[h].hi);
}

/* Called by mem_read's slow path when a watched page is read. */
void mem_watch_check(struct mem *m, uint64_t pa, int size, uint32_t value)
{
	if (!m->hooks.watch_read)
		return;
	for (int i = 0; i < MEM_MAX_WATCH; i++)
		if (m->watch[i].used && m->watch[i].lo < pa + (uint64_t)size && m->watch[i].hi > pa) {
			m->hooks.watch_read(m->hooks.opaque, pa, size, value);
			return;
		}
}

const uint8_t *mem_page_peek_ptr(struct mem *m, uint64_t pa)
{
	uint64_t base = pa & ~(uint64_t)(MEM_PAGE_SIZE - 1);

	if (pa >= MEM_4G)
		return NULL;
	if (!mem_watch_page(m, pa >> MEM_PAGE_SHIFT))
		return m->pages[pa >> MEM_PAGE_SHIFT].rd;
	/* What page_fill gives the page without the watch. */
	return mem_span_read_ptr(m, mem_view_find(m, base), base);
}
