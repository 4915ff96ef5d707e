/* mem/mem.c: creating the address space and registering regions. */
#include "mem/mem_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int region_new(struct mem *m, const char *name, enum mem_kind kind, uint64_t base,
		      uint64_t size, int priority)
{
	struct mem_region *r;

	if (!name || size == 0)
		return -EINVAL;
	if (kind == MEM_KIND_IO) {
		if (base > 0xFFFF || size > 0x10000 || base + size > 0x10000)
			return -EINVAL;
	} else if (base >= MEM_ADDR_LIMIT || size > MEM_ADDR_LIMIT - base) {
		return -EINVAL;
	}
	if (m->nregions >= 0xFFFE)
		return -ENOMEM;
	if (m->nregions == m->cap_regions) {
		int cap = m->cap_regions ? m->cap_regions * 2 : 16;
		struct mem_region *n = realloc(m->regions, (size_t)cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		m->regions = n;
		m->cap_regions = cap;
	}
	r = &m->regions[m->nregions];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->kind = kind;
	r->base = base;
	r->size = size;
	r->priority = priority;
	r->enabled = 1;
	r->target = -1;
	r->max_access = 4;
	return m->nregions++;
}

static int region_backed(struct mem *m, const char *name, enum mem_kind kind, uint64_t base,
			 uint64_t size, int priority)
{
	uint8_t *data;
	int id;

	if (size == 0 || size > MEM_ADDR_LIMIT || size > SIZE_MAX)
		return -EINVAL;
	data = calloc(1, size);
	if (!data)
		return -ENOMEM;
	id = region_new(m, name, kind, base, size, priority);
	if (id < 0) {
		free(data);
		return id;
	}
	m->regions[id].data = data;
	mem_view_update(m);
	return id;
}

void mem_split_ram(uint64_t ram_size, uint64_t *below_4g, uint64_t *above_4g)
{
	uint64_t lowmem = ram_size >= MEM_PCI_HOLE ? MEM_LOWMEM_ALIGNED : MEM_PCI_HOLE;

	*below_4g = ram_size < lowmem ? ram_size : lowmem;
	*above_4g = ram_size - *below_4g;
}

struct mem *mem_new(uint64_t ram_size)
{
	struct mem *m;
	uint64_t low, high;
	int id;

	if (ram_size == 0 || ram_size % MEM_PAGE_SIZE || ram_size > MEM_ADDR_LIMIT - MEM_4G ||
	    ram_size > SIZE_MAX)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->pages = calloc(MEM_LOW_PAGES, sizeof(*m->pages));
	m->code_bits = calloc(MEM_LOW_PAGES / 64, sizeof(*m->code_bits));
	m->ram = calloc(1, ram_size);
	/* Dirty-page tracking from the start: RAM is zero-filled, so pages never
	 * marked need not be read for the first hash (mem/ram_hash.c). */
	m->dirty_bits = calloc((ram_size >> MEM_PAGE_SHIFT) / 64 + 1, sizeof(uint64_t));
	if (!m->pages || !m->code_bits || !m->ram || !m->dirty_bits)
		goto fail;
	m->ram_size = ram_size;
	m->smram = MEM_SMRAM_DEFAULT;

	/* Region 0 is the RAM block itself, never mapped directly; aliases place
	 * it below the PCI hole and above 4 GiB. */
	id = region_new(m, "ram", MEM_KIND_RAM, 0, ram_size, 0);
	if (id != MEM_REGION_RAM)
		goto fail;
	m->regions[id].data = m->ram;
	m->regions[id].enabled = 0;
	mem_split_ram(ram_size, &low, &high);
	id = mem_add_alias(m, "ram-below-4g", 0, low, MEM_REGION_RAM, 0, 0, 0);
	if (id < 0)
		goto fail;
	m->regions[id].flags |= MEM_RF_DRAM;
	if (high) {
		id = mem_add_alias(m, "ram-above-4g", MEM_4G, high, MEM_REGION_RAM, low, 0, 0);
		if (id < 0)
			goto fail;
		m->regions[id].flags |= MEM_RF_DRAM;
	}
	mem_io_update(m);
	return m;
fail:
	mem_free(m);
	return NULL;
}

void mem_free(struct mem *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nregions; i++)
		if (m->regions[i].data != m->ram)
			free(m->regions[i].data);
	free(m->regions);
	free(m->spans);
	free(m->pages);
	free(m->code_bits);
	free(m->watch_bits);
	free(m->dirty_bits);
	free(m->page_hash);
	free(m->ram);
	rom_free_all(m);
	free(m);
}

uint8_t *mem_ram_ptr(struct mem *m) { return m->ram; }
uint64_t mem_ram_size(const struct mem *m) { return m->ram_size; }

int mem_add_ram(struct mem *m, const char *name, uint64_t base, uint64_t size, int priority)
{
	return region_backed(m, name, MEM_KIND_RAM, base, size, priority);
}

int mem_add_rom(struct mem *m, const char *name, uint64_t base, uint64_t size, int priority)
{
	return region_backed(m, name, MEM_KIND_ROM, base, size, priority);
}

int mem_add_alias(struct mem *m, const char *name, uint64_t base, uint64_t size,
		  int target, uint64_t target_offset, int priority, unsigned flags)
{
	const struct mem_region *t;
	int id, depth = 0;

	if (target < 0 || target >= m->nregions)
		return -EINVAL;
	t = &m->regions[target];
	if (t->kind == MEM_KIND_IO || target_offset > t->size || size > t->size - target_offset)
		return -EINVAL;
	for (int i = target; m->regions[i].kind == MEM_KIND_ALIAS; i = m->regions[i].target)
		if (++depth >= MEM_ALIAS_DEPTH)
			return -EINVAL;
	id = region_new(m, name, MEM_KIND_ALIAS, base, size, priority);
	if (id < 0)
		return id;
	m->regions[id].target = target;
	m->regions[id].target_offset = target_offset;
	if (flags & MEM_ALIAS_READONLY)
		m->regions[id].flags |= MEM_RF_READONLY;
	mem_view_update(m);
	return id;
}

static int check_access(int max_access)
{
	if (max_access == 0)
		return 4;
	if (max_access == 1 || max_access == 2 || max_access == 4)
		return max_access;
	return -1;
}

/* A region served by callbacks: MMIO in the memory map or ports in I/O space. */
static int add_callback_region(struct mem *m, const char *name, enum mem_kind kind,
			       uint64_t base, uint64_t size, int priority, mem_read_fn read,
			       mem_write_fn write, void *opaque, int max_access)
{
	int id, acc = check_access(max_access);

	if (acc < 0)
		return -EINVAL;
	id = region_new(m, name, kind, base, size, priority);
	if (id < 0)
		return id;
	m->regions[id].read = read;
	m->regions[id].write = write;
	m->regions[id].opaque = opaque;
	m->regions[id].max_access = acc;
	if (kind == MEM_KIND_MMIO)
		mem_view_update(m);
	else
		mem_io_update(m);
	return id;
}

int mem_add_mmio(struct mem *m, const char *name, uint64_t base, uint64_t size, int priority,
		 mem_read_fn read, mem_write_fn write, void *opaque, int max_access)
{
	return add_callback_region(m, name, MEM_KIND_MMIO, base, size, priority, read, write,
				   opaque, max_access);
}

int mem_add_io(struct mem *m, const char *name, uint16_t port, uint32_t count, int priority,
	       mem_read_fn read, mem_write_fn write, void *opaque, int max_access)
{
	return add_callback_region(m, name, MEM_KIND_IO, port, count, priority, read, write,
				   opaque, max_access);
}

/* Region 0 (the RAM block) and the main RAM aliases are fixed. */
static int region_fixed(const struct mem *m, int id)
{
	return id == MEM_REGION_RAM || (m->regions[id].flags & MEM_RF_DRAM);
}

int mem_region_set_enabled(struct mem *m, int id, int enabled)
{
	struct mem_region *r;

	if (id < 0 || id >= m->nregions || region_fixed(m, id))
		return -EINVAL;
	r = &m->regions[id];
	if (r->enabled == !!enabled)
		return 0;
	r->enabled = !!enabled;
	if (r->kind == MEM_KIND_IO)
		mem_io_update(m);
	else
		mem_view_update(m);
	return 0;
}

int mem_region_move(struct mem *m, int id, uint64_t base)
{
	struct mem_region *r;

	if (id < 0 || id >= m->nregions || region_fixed(m, id))
		return -EINVAL;
	r = &m->regions[id];
	if (r->kind == MEM_KIND_IO) {
		if (base > 0xFFFF || base + r->size > 0x10000)
			return -EINVAL;
		r->base = base;
		mem_io_update(m);
		return 0;
	}
	if (base >= MEM_ADDR_LIMIT || r->size > MEM_ADDR_LIMIT - base)
		return -EINVAL;
	if (base == r->base)
		return 0;
	r->base = base;
	if (r->enabled)
		mem_view_update(m);
	return 0;
}

int mem_region_find(const struct mem *m, const char *name)
{
	for (int i = 0; i < m->nregions; i++)
		if (strcmp(m->regions[i].name, name) == 0)
			return i;
	return -1;
}

uint8_t *mem_region_data(struct mem *m, int id, uint64_t *size)
{
	if (id < 0 || id >= m->nregions || !m->regions[id].data) {
		if (size)
			*size = 0;
		return NULL;
	}
	if (size)
		*size = m->regions[id].size;
	return m->regions[id].data;
}

void mem_set_log(struct mem *m, mem_log_fn fn, void *opaque)
{
	m->log = fn;
	m->log_opaque = opaque;
}

void mem_set_hooks(struct mem *m, const struct mem_hooks *h)
{
	if (h)
		m->hooks = *h;
	else
		memset(&m->hooks, 0, sizeof(m->hooks));
}

void mem_set_code_write_handler(struct mem *m, mem_code_write_fn fn, void *opaque)
{
	m->code_write = fn;
	m->code_opaque = opaque;
}

void mem_set_code_write_filter(struct mem *m, mem_code_filter_fn fn)
{
	m->code_filter = fn;
}
