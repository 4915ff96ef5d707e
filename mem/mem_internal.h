/*
 * mem/mem_internal.h: struct mem and the helpers the mem/ files share.
 * Nothing outside mem/ includes this; the public interface is mem/mem.h.
 */
#ifndef LS_MEM_INTERNAL_H
#define LS_MEM_INTERNAL_H

#include "mem/mem.h"

#include <stdint.h>
#include <stdio.h>

enum mem_kind { MEM_KIND_RAM, MEM_KIND_ROM, MEM_KIND_ALIAS, MEM_KIND_MMIO, MEM_KIND_IO };

#define MEM_NAME_MAX 40
#define MEM_ALIAS_DEPTH 4

/* Region flags (internal). */
#define MEM_RF_READONLY 1u  /* alias: writes dropped */
#define MEM_RF_DRAM     2u  /* main DRAM as seen by the chipset (PAM/SMRAM "RAM" side) */

struct mem_region {
	char name[MEM_NAME_MAX];
	enum mem_kind kind;
	uint64_t base, size;
	int priority;
	int enabled;
	unsigned flags;
	uint8_t *data;              /* RAM/ROM backing of `size` bytes, owned */
	int target;                 /* alias */
	uint64_t target_offset;
	mem_read_fn read;           /* MMIO / I/O */
	mem_write_fn write;
	void *opaque;
	int max_access;
	uint64_t dropped;           /* ROM: guest writes dropped (accesses) */
};

/* One piece of the flattened view: [start, end) routed to a terminal
 * region (RAM, ROM or MMIO; -1 = open bus) for reads and for writes, at
 * region offset *_off + (pa - start). wr_drop: the write target is
 * read-only through an alias. */
struct mem_span {
	uint64_t start, end;
	int rd, wr;
	uint64_t rd_off, wr_off;
	int wr_drop;
};

/* Per-page fast pointers for the low 4 GiB (NULL: take the slow path). */
struct mem_page {
	uint8_t *rd;
	uint8_t *wr;
};

#define MEM_LOW_PAGES (MEM_4G >> MEM_PAGE_SHIFT)
#define MEM_LOG_SITES 256

struct rom_blob {
	char name[MEM_NAME_MAX];
	uint8_t *data;
	uint64_t size, rom_size;
	uint64_t addr;              /* ROM_ADDR_NONE for region targets and fw_cfg-only */
	int region;                 /* -1 unless targeted at a region */
	uint64_t offset;            /* within region */
	uint64_t hash_high, hash_low;
	uint64_t dropped;
};

struct mem {
	uint8_t *ram;
	uint64_t ram_size;

	struct mem_region *regions;
	int nregions, cap_regions;

	struct mem_span *spans;     /* sorted, non-overlapping */
	int nspans, cap_spans;
	struct mem_page *pages;     /* MEM_LOW_PAGES entries */
	uint64_t *code_bits;        /* one bit per low page */
	uint64_t generation;
	uint64_t host_generation;   /* fast pointers changed, the map did not */

	/* Read watches (mem/watch.c): ranges, and their low pages, which get
	 * no fast read pointer so CPU reads reach mem_read's slow path. */
	struct { uint64_t lo, hi; int used; } watch[MEM_MAX_WATCH];
	uint64_t *watch_bits;       /* one bit per low page; NULL until the first watch */
	int nwatch;                 /* ranges in use */

	uint16_t io_map[0x10000];   /* region id + 1, 0 = nothing */

	/* i440FX state: the single source of truth for PAM/SMRAM routing. */
	int i440fx;
	uint8_t pam[7];
	uint8_t smram;
	int in_smm;

	struct rom_blob *roms;
	int nroms, cap_roms;

	mem_code_write_fn code_write;
	mem_code_filter_fn code_filter;
	void *code_opaque;
	struct mem_hooks hooks;

	/* Dirty-page tracking of main RAM for incremental hashing (mem/ram_hash.c);
	 * NULL until mem_dirty_enable. */
	uint64_t *dirty_bits;       /* one bit per RAM page: written since the last hash */
	uint64_t *page_hash;        /* XXH3-64 of each RAM page ^ zero_page_hash */
	uint64_t zero_page_hash;    /* XXH3-64 of 4 KiB of zeroes */
	uint64_t ram_hash_sum;      /* the combined hash over page_hash */

	mem_log_fn log;
	void *log_opaque;
	uint64_t log_sites[MEM_LOG_SITES];
	int nlog_sites;
	int log_full;
};

/* flatview.c: recompute the spans; refill the page entries wherever the
 * routing changed; bump the generation only when it did. */
void mem_view_update(struct mem *m);
/* Recompute the fast pointers of one low page (code marks changed). */
void mem_page_refresh(struct mem *m, uint64_t page);
/* The span containing pa, or NULL (open bus). */
const struct mem_span *mem_view_find(const struct mem *m, uint64_t pa);
/* Recompute the port table. */
void mem_io_update(struct mem *m);
/* Whether the chipset routes reads / writes of the PAM or SMRAM window
 * containing pa to DRAM; returns 0 when pa is outside 0xA0000-0xFFFFF. */
int mem_chipset_routed(const struct mem *m, uint64_t pa, int *rd_dram, int *wr_dram);

/* ram_hash.c: mark main-RAM pages dirty. p is a host pointer into any
 * region; only pointers into main RAM count. */
static inline void mem_dirty_host(struct mem *m, const uint8_t *p, uint64_t len)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)m->ram;

	if (!m->dirty_bits || off >= m->ram_size || len == 0)
		return;
	for (uint64_t pg = off >> MEM_PAGE_SHIFT; pg <= (off + len - 1) >> MEM_PAGE_SHIFT &&
	     pg < (m->ram_size >> MEM_PAGE_SHIFT); pg++)
		m->dirty_bits[pg >> 6] |= 1ull << (pg & 63);
}

/* access.c */
void mem_log_open_bus(struct mem *m, int io, int write, uint64_t addr, int size);
/* A write of len bytes at pa went to ROM region r at offset off and was dropped. */
void mem_rom_write_dropped(struct mem *m, int r, uint64_t off, uint64_t pa, uint64_t len);

/* rom.c */
void rom_free_all(struct mem *m);

/* render.c: a growing string. */
struct mem_sbuf {
	char *buf;
	size_t len, cap;
	int oom;
};
void mem_sbuf_printf(struct mem_sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* mem/flatview.c: the host page that reads of the page at pa (page-aligned)
 * come from when span s serves all of it from RAM or ROM, read watches
 * aside; else NULL. */
uint8_t *mem_span_read_ptr(const struct mem *m, const struct mem_span *s, uint64_t pa);

/* mem/watch.c */
int mem_watch_page(const struct mem *m, uint64_t page);
void mem_watch_check(struct mem *m, uint64_t pa, int size, uint32_t value);

#endif
