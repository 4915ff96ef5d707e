/*
 * mem/flatview.c: the flattened view. Regions (with priorities, aliases and
 * the i440FX routing of 0xA0000-0xFFFFF) are resolved into sorted spans that
 * name a terminal RAM/ROM/MMIO region for reads and for writes; the per-page
 * table of host pointers for the low 4 GiB is refilled only where the spans
 * changed, and the generation moves only when they did.
 */
#include "mem/mem_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Does region i beat region j (-1 = nothing) at an overlapping address? */
static int region_beats(const struct mem *m, int i, int j)
{
	if (j < 0)
		return 1;
	if (m->regions[i].priority != m->regions[j].priority)
		return m->regions[i].priority > m->regions[j].priority;
	return i > j;
}

/* Follow aliases from region r at region offset off to a terminal region. */
static int resolve(const struct mem *m, int r, uint64_t *off, int *readonly)
{
	for (int depth = 0; r >= 0 && m->regions[r].kind == MEM_KIND_ALIAS; depth++) {
		assert(depth < MEM_ALIAS_DEPTH);
		if (m->regions[r].flags & MEM_RF_READONLY)
			*readonly = 1;
		*off += m->regions[r].target_offset;
		r = m->regions[r].target;
	}
	return r;
}

static int span_push(struct mem_span **v, int *n, int *cap, const struct mem_span *s)
{
	struct mem_span *p;

	if (*n > 0) {
		p = &(*v)[*n - 1];
		if (p->end == s->start && p->rd == s->rd && p->wr == s->wr &&
		    p->wr_drop == s->wr_drop &&
		    (s->rd < 0 || p->rd_off + (s->start - p->start) == s->rd_off) &&
		    (s->wr < 0 || p->wr_off + (s->start - p->start) == s->wr_off)) {
			p->end = s->end;
			return 0;
		}
	}
	if (*n == *cap) {
		int c = *cap ? *cap * 2 : 32;
		p = realloc(*v, (size_t)c * sizeof(*p));
		if (!p)
			return -1;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = *s;
	return 0;
}

/* Build the spans from the regions into *out. Returns 0 or -1 (no memory). */
static int view_build(const struct mem *m, struct mem_span **out, int *nout, int *capout)
{
	uint64_t *pts;
	int npts = 0, ret = 0;

	*out = NULL;
	*nout = *capout = 0;
	pts = malloc(((size_t)m->nregions * 2 + 16) * sizeof(*pts));
	if (!pts)
		return -1;
	for (int i = 0; i < m->nregions; i++) {
		const struct mem_region *r = &m->regions[i];
		if (!r->enabled || r->kind == MEM_KIND_IO)
			continue;
		pts[npts++] = r->base;
		pts[npts++] = r->base + r->size;
	}
	if (m->i440fx) {
		static const uint64_t edges[] = { 0xA0000, 0xC0000, 0xC4000, 0xC8000, 0xCC000,
			0xD0000, 0xD4000, 0xD8000, 0xDC000, 0xE0000, 0xE4000, 0xE8000, 0xEC000,
			0xF0000, 0x100000 };
		for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
			pts[npts++] = edges[i];
	}
	qsort(pts, npts, sizeof(*pts), cmp_u64);

	for (int k = 0; k + 1 < npts; k++) {
		uint64_t a = pts[k], b = pts[k + 1];
		int best = -1, best_dram = -1, best_pci = -1, rsrc, wsrc, rd_dram, wr_dram;
		struct mem_span s = { .start = a, .end = b, .rd = -1, .wr = -1 };

		if (a == b)
			continue;
		for (int i = 0; i < m->nregions; i++) {
			const struct mem_region *r = &m->regions[i];
			if (!r->enabled || r->kind == MEM_KIND_IO || a < r->base ||
			    a >= r->base + r->size)
				continue;
			if (region_beats(m, i, best))
				best = i;
			if (r->flags & MEM_RF_DRAM) {
				if (region_beats(m, i, best_dram))
					best_dram = i;
			} else if (region_beats(m, i, best_pci)) {
				best_pci = i;
			}
		}
		rsrc = wsrc = best;
		if (mem_chipset_routed(m, a, &rd_dram, &wr_dram)) {
			rsrc = rd_dram ? best_dram : best_pci;
			wsrc = wr_dram ? best_dram : best_pci;
		}
		if (rsrc >= 0) {
			int ro = 0;
			s.rd_off = a - m->regions[rsrc].base;
			s.rd = resolve(m, rsrc, &s.rd_off, &ro);
		}
		if (wsrc >= 0) {
			s.wr_off = a - m->regions[wsrc].base;
			s.wr = resolve(m, wsrc, &s.wr_off, &s.wr_drop);
		}
		if (s.rd < 0 && s.wr < 0)
			continue;
		if (span_push(out, nout, capout, &s)) {
			ret = -1;
			break;
		}
	}
	free(pts);
	return ret;
}

static const struct mem_span *span_find(const struct mem_span *v, int n, uint64_t pa)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (pa < v[mid].start)
			hi = mid;
		else if (pa >= v[mid].end)
			lo = mid + 1;
		else
			return &v[mid];
	}
	return NULL;
}

const struct mem_span *mem_view_find(const struct mem *m, uint64_t pa)
{
	return span_find(m->spans, m->nspans, pa);
}

/* The routing at pa as comparable values (offsets normalised to pa). */
struct route {
	int rd, wr, drop;
	uint64_t rd_off, wr_off;
};

static struct route route_at(const struct mem_span *v, int n, uint64_t pa)
{
	const struct mem_span *s = span_find(v, n, pa);
	struct route r = { -1, -1, 0, 0, 0 };

	if (!s)
		return r;
	r.rd = s->rd;
	r.wr = s->wr;
	r.drop = s->wr_drop;
	if (s->rd >= 0)
		r.rd_off = s->rd_off + (pa - s->start);
	if (s->wr >= 0)
		r.wr_off = s->wr_off + (pa - s->start);
	return r;
}

static int route_eq(const struct route *a, const struct route *b)
{
	return a->rd == b->rd && a->wr == b->wr && a->drop == b->drop &&
	       a->rd_off == b->rd_off && a->wr_off == b->wr_off;
}

static int code_marked(const struct mem *m, uint64_t page)
{
	return (m->code_bits[page >> 6] >> (page & 63)) & 1;
}

uint8_t *mem_span_read_ptr(const struct mem *m, const struct mem_span *s, uint64_t pa)
{
	if (!s || s->end - pa < MEM_PAGE_SIZE || s->rd < 0)
		return NULL;
	const struct mem_region *r = &m->regions[s->rd];
	if (r->kind != MEM_KIND_RAM && r->kind != MEM_KIND_ROM)
		return NULL;
	return r->data + s->rd_off + (pa - s->start);
}

/* Recompute the fast pointers of low page `page` from the current spans. */
static void page_fill(struct mem *m, uint64_t page)
{
	uint64_t pa = page << MEM_PAGE_SHIFT;
	const struct mem_span *s = mem_view_find(m, pa);
	uint8_t *rd = mem_watch_page(m, page) ? NULL : mem_span_read_ptr(m, s, pa), *wr = NULL;

	if (s && s->end - pa >= MEM_PAGE_SIZE) {
		if (s->wr >= 0 && !s->wr_drop && !code_marked(m, page)) {
			const struct mem_region *r = &m->regions[s->wr];
			if (r->kind == MEM_KIND_RAM)
				wr = r->data + s->wr_off + (pa - s->start);
		}
	}
	/* Only store changes, so untouched parts of the table stay unbacked. */
	if (m->pages[page].rd != rd)
		m->pages[page].rd = rd;
	if (m->pages[page].wr != wr)
		m->pages[page].wr = wr;
}

void mem_page_refresh(struct mem *m, uint64_t page)
{
	if (page < MEM_LOW_PAGES)
		page_fill(m, page);
}

static void pages_refill(struct mem *m, uint64_t lo, uint64_t hi)
{
	if (lo >= MEM_4G)
		return;
	if (hi > MEM_4G)
		hi = MEM_4G;
	for (uint64_t p = lo >> MEM_PAGE_SHIFT; p < (hi + MEM_PAGE_SIZE - 1) >> MEM_PAGE_SHIFT; p++)
		page_fill(m, p);
}

void mem_view_update(struct mem *m)
{
	struct mem_span *nv, *ov = m->spans;
	int nn, ncap, on = m->nspans, npts = 0, changed = 0;
	uint64_t *pts;

	if (view_build(m, &nv, &nn, &ncap)) {
		/* Out of host memory: keep the old view rather than lose RAM. */
		free(nv);
		fprintf(stderr, "lockstep: mem: out of memory rebuilding the memory map\n");
		return;
	}
	m->spans = nv;
	m->nspans = nn;
	m->cap_spans = ncap;

	pts = malloc(((size_t)on + nn) * 2 * sizeof(*pts) + sizeof(*pts));
	if (!pts) {
		pages_refill(m, 0, MEM_4G);
		m->generation++;
		free(ov);
		return;
	}
	for (int i = 0; i < on; i++) {
		pts[npts++] = ov[i].start;
		pts[npts++] = ov[i].end;
	}
	for (int i = 0; i < nn; i++) {
		pts[npts++] = nv[i].start;
		pts[npts++] = nv[i].end;
	}
	qsort(pts, npts, sizeof(*pts), cmp_u64);
	for (int k = 0; k + 1 < npts; k++) {
		struct route a, b;
		if (pts[k] == pts[k + 1])
			continue;
		a = route_at(ov, on, pts[k]);
		b = route_at(nv, nn, pts[k]);
		if (!route_eq(&a, &b)) {
			changed = 1;
			pages_refill(m, pts[k] & ~(uint64_t)(MEM_PAGE_SIZE - 1), pts[k + 1]);
		}
	}
	free(pts);
	free(ov);
	if (changed)
		m->generation++;
}

uint64_t mem_generation(const struct mem *m)
{
	return m->generation;
}

void mem_io_update(struct mem *m)
{
	int *order = malloc(((size_t)m->nregions + 1) * sizeof(*order));
	int n = 0;

	if (!order) {
		fprintf(stderr, "lockstep: mem: out of memory rebuilding the port map\n");
		return;
	}

	/* Paint I/O regions lowest first (priority, then registration order). */
	for (int i = 0; i < m->nregions; i++) {
		int j;
		if (m->regions[i].kind != MEM_KIND_IO || !m->regions[i].enabled)
			continue;
		for (j = n; j > 0 && region_beats(m, order[j - 1], i); j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	memset(m->io_map, 0, sizeof(m->io_map));
	for (int k = 0; k < n; k++) {
		const struct mem_region *r = &m->regions[order[k]];
		for (uint64_t p = r->base; p < r->base + r->size; p++)
			m->io_map[p] = (uint16_t)(order[k] + 1);
	}
	free(order);
}
