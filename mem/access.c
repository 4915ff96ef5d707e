/*
 * mem/access.c: guest accesses to physical memory and port I/O. RAM pages
 * go through the per-page host pointers; everything else through the spans
 * of the flattened view. Every host access is bounded by the span (and so
 * the region) it belongs to; open bus reads all-ones and drops writes.
 */
#include "mem/mem_internal.h"

#include <inttypes.h>
#include <string.h>

static inline uint32_t ld_le(const uint8_t *p, int size)
{
	uint32_t v = 0;

	switch (size) {
	case 1:
		return p[0];
	case 2:
		return (uint32_t)p[0] | (uint32_t)p[1] << 8;
	case 4:
		return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		       (uint32_t)p[3] << 24;
	default:
		for (int i = 0; i < size && i < 4; i++)
			v |= (uint32_t)p[i] << (8 * i);
		return v;
	}
}

static inline void st_le(uint8_t *p, uint32_t v, int size)
{
	for (int i = 0; i < size && i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t size_mask(int size)
{
	return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

void mem_log_open_bus(struct mem *m, int io, int write, uint64_t addr, int size)
{
	uint64_t site;
	char msg[128];

	if (!m->log)
		return;
	site = (io ? addr : addr >> MEM_PAGE_SHIFT) << 2 | (uint64_t)io << 1 | (uint64_t)write;
	for (int i = 0; i < m->nlog_sites; i++)
		if (m->log_sites[i] == site)
			return;
	if (m->nlog_sites == MEM_LOG_SITES) {
		if (!m->log_full) {
			snprintf(msg, sizeof(msg), "mem: more than %d open-bus sites; no longer logging them",
				 MEM_LOG_SITES);
			m->log(m->log_opaque, msg);
		}
		m->log_full = 1;
		return;
	}
	m->log_sites[m->nlog_sites++] = site;
	if (io)
		snprintf(msg, sizeof(msg), "mem: open-bus %s of port 0x%04" PRIx64 " (size %d)",
			 write ? "write" : "read", addr, size);
	else
		snprintf(msg, sizeof(msg), "mem: open-bus %s at 0x%08" PRIx64 " (size %d; logged once per page)",
			 write ? "write" : "read", addr, size);
	m->log(m->log_opaque, msg);
}

/* ---- code pages ---- */

static inline int code_test(const struct mem *m, uint64_t page)
{
	return (m->code_bits[page >> 6] >> (page & 63)) & 1;
}

void mem_mark_code_page(struct mem *m, uint64_t pa)
{
	uint64_t page = pa >> MEM_PAGE_SHIFT;

	if (page >= MEM_LOW_PAGES)
		return;
	m->code_bits[page >> 6] |= 1ull << (page & 63);
	m->pages[page].wr = NULL;
}

int mem_code_page_marked(const struct mem *m, uint64_t pa)
{
	uint64_t page = pa >> MEM_PAGE_SHIFT;
	return page < MEM_LOW_PAGES && code_test(m, page);
}

/* A write is about to change [pa, pa + len) of writable memory: unmark and
 * report every marked page it touches whose written bytes the filter does
 * not clear. */
static void code_check(struct mem *m, uint64_t pa, uint64_t len)
{
	uint64_t first = pa >> MEM_PAGE_SHIFT, last;

	if (len == 0 || first >= MEM_LOW_PAGES)
		return;
	last = (pa + len - 1) >> MEM_PAGE_SHIFT;
	if (last >= MEM_LOW_PAGES)
		last = MEM_LOW_PAGES - 1;
	for (uint64_t p = first; p <= last; p++) {
		if (!code_test(m, p))
			continue;
		if (m->code_filter) {
			uint64_t lo = p << MEM_PAGE_SHIFT, hi = lo + MEM_PAGE_SIZE;
			if (pa > lo)
				lo = pa;
			if (pa + len < hi)
				hi = pa + len;
			if (m->code_filter(m->code_opaque, lo, hi - lo))
				continue;
		}
		m->code_bits[p >> 6] &= ~(1ull << (p & 63));
		mem_page_refresh(m, p);
		if (m->code_write)
			m->code_write(m->code_opaque, p << MEM_PAGE_SHIFT, MEM_PAGE_SIZE);
	}
}

/* ---- fast paths ---- */

uint8_t *mem_page_read_ptr(struct mem *m, uint64_t pa)
{
	if (pa >= MEM_4G)
		return NULL;
	return m->pages[pa >> MEM_PAGE_SHIFT].rd;
}

uint8_t *mem_page_write_ptr(struct mem *m, uint64_t pa)
{
	uint8_t *p;

	if (pa >= MEM_4G)
		return NULL;
	p = m->pages[pa >> MEM_PAGE_SHIFT].wr;
	/* The caller may write through p until it drops it: the page counts as
	 * written from now on (mem_ram_hash). */
	if (p && m->dirty_bits)
		mem_dirty_host(m, p, MEM_PAGE_SIZE);
	return p;
}

/* ---- slow paths: one piece inside one span ---- */

/* Bytes from pa to the end of its span (or to the next span, for open bus),
 * capped at max. */
static uint64_t piece_len(const struct mem *m, const struct mem_span *s, uint64_t pa,
			  uint64_t max)
{
	uint64_t n;

	if (s) {
		n = s->end - pa;
	} else {
		/* Open bus runs to the next span; one byte is always safe. */
		const struct mem_span *next = NULL;
		for (int lo = 0, hi = m->nspans; lo < hi;) {
			int mid = lo + (hi - lo) / 2;
			if (m->spans[mid].start > pa) {
				next = &m->spans[mid];
				hi = mid;
			} else {
				lo = mid + 1;
			}
		}
		n = next ? next->start - pa : max;
	}
	return n < max ? n : max;
}

/* Largest of 4, 2, 1 that fits the remaining bytes, the region's access
 * width and the region's end. */
static int region_piece(const struct mem_region *r, uint64_t off, int remain)
{
	for (int n = 4; n > 1; n >>= 1)
		if (n <= remain && n <= r->max_access && off + n <= r->size)
			return n;
	return 1;
}

static uint32_t mmio_read(const struct mem_region *r, uint64_t off, int size)
{
	uint32_t v = 0;

	for (int done = 0, n; done < size; done += n) {
		uint32_t piece;
		n = region_piece(r, off + done, size - done);
		piece = r->read ? r->read(r->opaque, (uint32_t)(off + done), n) : 0xFFFFFFFFu;
		v |= (piece & size_mask(n)) << (8 * done);
	}
	return v;
}

static void mmio_write(const struct mem_region *r, uint64_t off, uint32_t value, int size)
{
	for (int done = 0, n; done < size; done += n) {
		n = region_piece(r, off + done, size - done);
		if (r->write)
			r->write(r->opaque, (uint32_t)(off + done), (value >> (8 * done)) & size_mask(n), n);
	}
}

/* Read size (<= 4) bytes that lie inside one span (or one open-bus gap). */
static uint32_t read_piece(struct mem *m, const struct mem_span *s, uint64_t pa, int size)
{
	const struct mem_region *r;
	uint64_t off;

	if (!s || s->rd < 0) {
		mem_log_open_bus(m, 0, 0, pa, size);
		return size_mask(size);
	}
	r = &m->regions[s->rd];
	off = s->rd_off + (pa - s->start);
	if (r->kind == MEM_KIND_MMIO)
		return mmio_read(r, off, size);
	return ld_le(r->data + off, size);
}

void mem_rom_write_dropped(struct mem *m, int r, uint64_t off, uint64_t pa, uint64_t len)
{
	m->regions[r].dropped++;
	for (int i = 0; i < m->nroms; i++) {
		struct rom_blob *b = &m->roms[i];
		if (b->region == r && off >= b->offset && off - b->offset < b->rom_size) {
			b->dropped++;
			break;
		}
	}
	if (m->hooks.rom_write)
		m->hooks.rom_write(m->hooks.opaque, pa, len);
}

/* Write bytes (host buffer `src`, or `value` when src is NULL) inside one
 * span or gap. */
static void write_piece(struct mem *m, const struct mem_span *s, uint64_t pa, uint64_t len,
			const uint8_t *src, uint32_t value)
{
	const struct mem_region *r;
	uint64_t off;

	if (!s || s->wr < 0) {
		mem_log_open_bus(m, 0, 1, pa, (int)(len > 4 ? 4 : len));
		return;
	}
	r = &m->regions[s->wr];
	off = s->wr_off + (pa - s->start);
	if (r->kind == MEM_KIND_ROM || s->wr_drop) {
		if (r->kind == MEM_KIND_ROM)
			mem_rom_write_dropped(m, s->wr, off, pa, len);
		return;
	}
	if (r->kind == MEM_KIND_MMIO) {
		if (src) {
			for (uint64_t i = 0; i < len; i++) {
				if (m->hooks.mmio_write)
					m->hooks.mmio_write(m->hooks.opaque, pa + i, 1, src[i]);
				mmio_write(r, off + i, src[i], 1);
			}
		} else {
			if (m->hooks.mmio_write)
				m->hooks.mmio_write(m->hooks.opaque, pa, (int)len, value);
			mmio_write(r, off, value, (int)len);
		}
		return;
	}
	code_check(m, pa, len);
	mem_dirty_host(m, r->data + off, len);
	if (src)
		memcpy(r->data + off, src, len);
	else
		st_le(r->data + off, value, (int)len);
}

/* ---- the public accessors ---- */

uint32_t mem_fetch(struct mem *m, uint64_t pa, int size)
{
	const struct mem_span *s;
	uint32_t v = 0;

	if (pa < MEM_4G && (pa & (MEM_PAGE_SIZE - 1)) + size <= MEM_PAGE_SIZE) {
		const uint8_t *p = m->pages[pa >> MEM_PAGE_SHIFT].rd;
		if (p)
			return ld_le(p + (pa & (MEM_PAGE_SIZE - 1)), size);
	}
	s = mem_view_find(m, pa);
	if (size <= 1 || (s && s->end - pa >= (uint64_t)size))
		return read_piece(m, s, pa, size);
	/* Crosses a span or gap boundary: byte by byte. */
	for (int i = 0; i < size && i < 4; i++)
		v |= mem_fetch(m, pa + i, 1) << (8 * i);
	return v;
}

uint32_t mem_read(struct mem *m, uint64_t pa, int size)
{
	uint32_t v = mem_fetch(m, pa, size);

	/* A watched page has no fast pointer: mem_fetch took its slow path. */
	if (m->nwatch && (mem_watch_page(m, pa >> MEM_PAGE_SHIFT) ||
			  mem_watch_page(m, (pa + (uint64_t)size - 1) >> MEM_PAGE_SHIFT)))
		mem_watch_check(m, pa, size, v);
	return v;
}

void mem_write(struct mem *m, uint64_t pa, uint32_t value, int size)
{
	const struct mem_span *s;

	if (pa < MEM_4G && (pa & (MEM_PAGE_SIZE - 1)) + size <= MEM_PAGE_SIZE) {
		uint8_t *p = m->pages[pa >> MEM_PAGE_SHIFT].wr;
		if (p) {
			if (m->dirty_bits)
				mem_dirty_host(m, p, MEM_PAGE_SIZE);
			st_le(p + (pa & (MEM_PAGE_SIZE - 1)), value, size);
			return;
		}
	}
	s = mem_view_find(m, pa);
	if (size <= 1 || (s && s->end - pa >= (uint64_t)size)) {
		write_piece(m, s, pa, size, NULL, value);
		return;
	}
	for (int i = 0; i < size && i < 4; i++)
		mem_write(m, pa + i, (value >> (8 * i)) & 0xFF, 1);
}

void mem_read_buf(struct mem *m, uint64_t pa, void *buf, size_t len)
{
	uint8_t *d = buf;

	while (len) {
		const struct mem_span *s;
		uint64_t n;
		if (pa >= MEM_ADDR_LIMIT) {
			memset(d, 0xFF, len);
			return;
		}
		s = mem_view_find(m, pa);
		n = piece_len(m, s, pa, len);
		if (s && s->rd >= 0 && m->regions[s->rd].kind != MEM_KIND_MMIO) {
			const struct mem_region *r = &m->regions[s->rd];
			memcpy(d, r->data + s->rd_off + (pa - s->start), n);
		} else if (!s || s->rd < 0) {
			mem_log_open_bus(m, 0, 0, pa, 1);
			memset(d, 0xFF, n);
		} else {
			for (uint64_t i = 0; i < n; i++)
				d[i] = (uint8_t)read_piece(m, s, pa + i, 1);
		}
		d += n;
		pa += n;
		len -= n;
	}
}

void mem_write_buf(struct mem *m, uint64_t pa, const void *buf, size_t len)
{
	const uint8_t *src = buf;

	while (len) {
		const struct mem_span *s;
		uint64_t n;
		if (pa >= MEM_ADDR_LIMIT)
			return;
		s = mem_view_find(m, pa);
		n = piece_len(m, s, pa, len);
		write_piece(m, s, pa, n, src, 0);
		src += n;
		pa += n;
		len -= n;
	}
}

/* ---- port I/O ---- */

/* Bytes the I/O region id can take at port p in one callback. */
static int io_piece(const struct mem *m, int id, uint32_t p, int remain)
{
	const struct mem_region *r = &m->regions[id];

	for (int n = 4; n > 1; n >>= 1) {
		int ok = n <= remain && n <= r->max_access && p - r->base + n <= r->size;
		/* A higher-priority region may cover part of this one. */
		for (int i = 1; ok && i < n; i++)
			ok = m->io_map[p + i] - 1 == id;
		if (ok)
			return n;
	}
	return 1;
}

uint32_t mem_io_read(struct mem *m, uint16_t port, int size)
{
	uint32_t v = 0;

	for (int done = 0, n; done < size && done < 4; done += n) {
		uint32_t p = (uint32_t)port + done, piece;
		int id = p <= 0xFFFF ? m->io_map[p] - 1 : -1;
		const struct mem_region *r;

		if (id < 0) {
			mem_log_open_bus(m, 1, 0, p, 1);
			v |= 0xFFu << (8 * done);
			n = 1;
			continue;
		}
		r = &m->regions[id];
		n = io_piece(m, id, p, size - done);
		piece = r->read ? r->read(r->opaque, (uint32_t)(p - r->base), n) : 0xFFFFFFFFu;
		v |= (piece & size_mask(n)) << (8 * done);
	}
	if (m->hooks.io)
		m->hooks.io(m->hooks.opaque, port, size, 0, v);
	return v;
}

void mem_io_write(struct mem *m, uint16_t port, uint32_t value, int size)
{
	if (m->hooks.io)
		m->hooks.io(m->hooks.opaque, port, size, 1, value);
	for (int done = 0, n; done < size && done < 4; done += n) {
		uint32_t p = (uint32_t)port + done;
		int id = p <= 0xFFFF ? m->io_map[p] - 1 : -1;
		const struct mem_region *r;

		if (id < 0) {
			mem_log_open_bus(m, 1, 1, p, 1);
			n = 1;
			continue;
		}
		r = &m->regions[id];
		n = io_piece(m, id, p, size - done);
		if (r->write)
			r->write(r->opaque, (uint32_t)(p - r->base), (value >> (8 * done)) & size_mask(n), n);
	}
}
