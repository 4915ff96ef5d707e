/*
 * mem/rom.c: the ROM blob registry and rom_reset (after QEMU's hw/core/loader.c
 * model: registering a blob copies nothing into the guest; rom_reset copies
 * every blob into place at power-on and at every system reset), and the BIOS
 * mapping of the pc and isapc machines (DESIGN.md §5).
 */
#include "mem/mem_internal.h"
#include "mem/firmware.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem/bulk_hash.h"

#define BIOS_LOW_MAX (128u << 10)
#define BIOS_MAX (16u << 20)
#define ROM_FILE_MAX (64u << 20)

void rom_free_all(struct mem *m)
{
	for (int i = 0; i < m->nroms; i++)
		free(m->roms[i].data);
	free(m->roms);
	m->roms = NULL;
	m->nroms = m->cap_roms = 0;
}

static void blob_info(const struct rom_blob *b, struct rom_info *out)
{
	out->name = b->name;
	out->region = b->region;
	out->addr = b->addr;
	out->size = b->size;
	out->rom_size = b->rom_size;
	out->hash_high = b->hash_high;
	out->hash_low = b->hash_low;
	out->dropped_writes = b->dropped;
}

/* Register a blob whose target is already resolved (region -1: fw_cfg only). */
static int blob_add(struct mem *m, const char *name, const void *data, uint64_t size,
		    uint64_t addr, int region, uint64_t offset, uint64_t rom_size)
{
	struct rom_blob *b;
	XXH128_hash_t h;
	struct rom_info info;

	if (!name || (size && !data) || size > SIZE_MAX || rom_size > SIZE_MAX)
		return -EINVAL;
	if (m->nroms == m->cap_roms) {
		int cap = m->cap_roms ? m->cap_roms * 2 : 8;
		struct rom_blob *n = realloc(m->roms, (size_t)cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		m->roms = n;
		m->cap_roms = cap;
	}
	b = &m->roms[m->nroms];
	memset(b, 0, sizeof(*b));
	b->data = malloc(size ? size : 1);
	if (!b->data)
		return -ENOMEM;
	if (size)
		memcpy(b->data, data, size);
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->size = size;
	b->rom_size = rom_size;
	b->addr = addr;
	b->region = region;
	b->offset = offset;
	h = bulk_hash128(b->data, size);
	b->hash_high = h.high64;
	b->hash_low = h.low64;
	m->nroms++;
	if (m->hooks.rom_load) {
		blob_info(b, &info);
		m->hooks.rom_load(m->hooks.opaque, &info);
	}
	return m->nroms - 1;
}

int rom_add_blob_region(struct mem *m, const char *name, const void *data, uint64_t size,
			int region, uint64_t offset, uint64_t rom_size)
{
	const struct mem_region *r;

	if (rom_size == 0)
		rom_size = size;
	if (region < 0 || region >= m->nregions || rom_size < size)
		return -EINVAL;
	r = &m->regions[region];
	if ((r->kind != MEM_KIND_RAM && r->kind != MEM_KIND_ROM) || offset > r->size ||
	    rom_size > r->size - offset)
		return -EINVAL;
	/* The address is where the region is mapped now (informational: info
	 * roms, traces); rom_reset copies through the region itself. */
	return blob_add(m, name, data, size, r->base + offset, region, offset, rom_size);
}

/* The RAM or ROM region (through aliases, ignoring chipset routing and
 * read-only flags) that holds all of [addr, addr + len); -1 if none. */
static int resolve_addr(const struct mem *m, uint64_t addr, uint64_t len, uint64_t *offset)
{
	int best = -1;

	for (int i = 0; i < m->nregions; i++) {
		const struct mem_region *r = &m->regions[i];
		if (!r->enabled || r->kind == MEM_KIND_IO || r->kind == MEM_KIND_MMIO ||
		    addr < r->base || addr - r->base >= r->size || len > r->size - (addr - r->base))
			continue;
		if (best < 0 || r->priority > m->regions[best].priority ||
		    (r->priority == m->regions[best].priority && i > best))
			best = i;
	}
	if (best < 0)
		return -1;
	*offset = addr - m->regions[best].base;
	for (int depth = 0; m->regions[best].kind == MEM_KIND_ALIAS; depth++) {
		if (depth >= MEM_ALIAS_DEPTH)
			return -1;
		*offset += m->regions[best].target_offset;
		best = m->regions[best].target;
	}
	if (m->regions[best].kind == MEM_KIND_MMIO)
		return -1;
	return best;
}

int rom_add_blob(struct mem *m, const char *name, const void *data, uint64_t size,
		 uint64_t addr, uint64_t rom_size)
{
	uint64_t offset = 0;
	int region = -1;

	if (rom_size == 0)
		rom_size = size;
	if (rom_size < size)
		return -EINVAL;
	if (addr != ROM_ADDR_NONE) {
		region = resolve_addr(m, addr, rom_size, &offset);
		if (region < 0)
			return -EINVAL;
	}
	return blob_add(m, name, data, size, addr, region, offset, rom_size);
}

int rom_add_file(struct mem *m, const char *path, const char *name, uint64_t addr,
		 uint64_t rom_size, char *err, size_t errlen)
{
	uint8_t *data;
	uint64_t size;
	int r;

	if (firmware_read(path, ROM_FILE_MAX, &data, &size, err, errlen))
		return -EINVAL;
	if (!name) {
		const char *slash = strrchr(path, '/');
		name = slash ? slash + 1 : path;
	}
	r = rom_add_blob(m, name, data, size, addr, rom_size);
	free(data);
	if (r < 0)
		snprintf(err, errlen, "%s: cannot place %llu bytes at 0x%llx: %s", path,
			 (unsigned long long)(rom_size > size ? rom_size : size),
			 (unsigned long long)addr, strerror(-r));
	return r;
}

/* Tell the code-write handler about every guest range that shows region
 * bytes [off, off + len). */
static void notify_reload(struct mem *m, int region, uint64_t off, uint64_t len)
{
	if (!m->code_write)
		return;
	for (int i = 0; i < m->nspans; i++) {
		const struct mem_span *s = &m->spans[i];
		uint64_t so, lo, hi;
		int r = s->rd == region ? s->rd : s->wr == region ? s->wr : -1;
		if (r < 0)
			continue;
		so = s->rd == region ? s->rd_off : s->wr_off;
		lo = off > so ? off : so;
		hi = off + len < so + (s->end - s->start) ? off + len : so + (s->end - s->start);
		if (lo < hi)
			m->code_write(m->code_opaque, s->start + (lo - so), hi - lo);
	}
}

void rom_reset(struct mem *m)
{
	for (int i = 0; i < m->nroms; i++) {
		const struct rom_blob *b = &m->roms[i];
		struct mem_region *r;
		if (b->region < 0)
			continue;       /* served through fw_cfg only */
		r = &m->regions[b->region];
		/* Bounds were checked at registration; regions never shrink. */
		mem_dirty_host(m, r->data + b->offset, b->rom_size);
		memcpy(r->data + b->offset, b->data, b->size);
		memset(r->data + b->offset + b->size, 0, b->rom_size - b->size);
		notify_reload(m, b->region, b->offset, b->rom_size);
	}
	if (m->hooks.rom_reset)
		m->hooks.rom_reset(m->hooks.opaque);
}

int rom_count(const struct mem *m)
{
	return m->nroms;
}

int rom_get_info(const struct mem *m, int i, struct rom_info *out)
{
	if (i < 0 || i >= m->nroms)
		return -EINVAL;
	blob_info(&m->roms[i], out);
	return 0;
}

const uint8_t *rom_find(const struct mem *m, const char *name, uint64_t *size)
{
	for (int i = 0; i < m->nroms; i++) {
		if (strcmp(m->roms[i].name, name) == 0) {
			if (size)
				*size = m->roms[i].size;
			return m->roms[i].data;
		}
	}
	if (size)
		*size = 0;
	return NULL;
}

int mem_setup_bios(struct mem *m, enum mem_machine kind, const char *name,
		   const uint8_t *image, uint64_t size)
{
	uint64_t low;
	int rom, r;

	if (!image || size == 0 || size % (64u << 10) || size > BIOS_MAX)
		return -EINVAL;
	low = size < BIOS_LOW_MAX ? size : BIOS_LOW_MAX;
	rom = mem_add_rom(m, "bios", MEM_4G - size, size, 0);
	if (rom < 0)
		return rom;
	r = rom_add_blob_region(m, name, image, size, rom, 0, size);
	if (r < 0)
		return r;
	if (kind == MEM_MACHINE_PC) {
		/* Read-only alias of the image's top, under the PAM windows. */
		r = mem_add_alias(m, "isa-bios", 0x100000 - low, low, rom, size - low, 1,
				  MEM_ALIAS_READONLY);
		if (r < 0)
			return r;
		mem_enable_i440fx(m);
		return 0;
	}
	/* isapc: no PAM; the low copy is plain RAM that rom_reset reloads. */
	r = rom_add_blob(m, "isa-bios", image + size - low, low, 0x100000 - low, low);
	return r < 0 ? r : 0;
}
