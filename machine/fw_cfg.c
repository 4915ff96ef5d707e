/*
 * machine/fw_cfg.c: QEMU fw_cfg device (docs/specs/fw_cfg.rst; behaviour of
 * QEMU hw/nvram/fw_cfg.c). Items, the sorted file directory, the port
 * interface and the DMA engine. docs/fw_cfg.md describes the choices.
 */
#include "machine/fw_cfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Most files a directory can list: keys 0x20-0x3fff. */
#define FW_CFG_MAX_FILES (FW_CFG_ENTRY_MASK + 1 - FW_CFG_FILE_FIRST)
/* "QEMU CFG": what the DMA address register reads as (fw_cfg.rst, Signature). */
static const char dma_signature[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };

struct fw_cfg_item {
	uint16_t key;                      /* numeric items only */
	char name[FW_CFG_MAX_FILE_PATH];   /* files only, NUL-terminated */
	uint32_t len;
	uint8_t *data;                     /* NULL when len is 0 */
};

struct fw_cfg {
	struct fw_cfg_dma_ops dma;
	int dma_enabled;
	/* Numeric items sorted by key; files sorted by name (key = 0x20 + index). */
	struct fw_cfg_item *items;
	size_t nitems, items_cap;
	struct fw_cfg_item *files;
	size_t nfiles, files_cap;
	/* FW_CFG_FILE_DIR contents, rebuilt after every fw_cfg_add_file(). */
	uint8_t *dir;
	uint32_t dir_len;
	/* Guest-visible state. */
	uint16_t cur_key;
	uint32_t cur_offset;
	uint64_t dma_addr;
};

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static uint32_t bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

/* Rebuild the directory: be32 count, then one 64-byte entry per file. */
static int dir_rebuild(struct fw_cfg *fw)
{
	size_t len = 4 + fw->nfiles * FW_CFG_FILE_ENTRY_SIZE;
	uint8_t *d = calloc(1, len);
	size_t i;

	if (!d)
		return -ENOMEM;
	put_be32(d, (uint32_t)fw->nfiles);
	for (i = 0; i < fw->nfiles; i++) {
		uint8_t *e = d + 4 + i * FW_CFG_FILE_ENTRY_SIZE;
		put_be32(e, fw->files[i].len);
		put_be16(e + 4, (uint16_t)(FW_CFG_FILE_FIRST + i));
		memcpy(e + 8, fw->files[i].name, strlen(fw->files[i].name));
	}
	free(fw->dir);
	fw->dir = d;
	fw->dir_len = (uint32_t)len;
	return 0;
}

struct fw_cfg *fw_cfg_new(const struct fw_cfg_dma_ops *ops)
{
	static const uint8_t zero_uuid[16];
	struct fw_cfg *fw = calloc(1, sizeof(*fw));

	if (!fw)
		return NULL;
	if (ops) {
		fw->dma = *ops;
		fw->dma_enabled = ops->read && ops->write;
	}
	/* What QEMU's fw_cfg_common_realize() adds for every machine. */
	if (fw_cfg_add_bytes(fw, FW_CFG_SIGNATURE, "QEMU", 4) ||
	    fw_cfg_add_i32(fw, FW_CFG_ID,
			   FW_CFG_VERSION | (fw->dma_enabled ? FW_CFG_VERSION_DMA : 0)) ||
	    fw_cfg_add_bytes(fw, FW_CFG_UUID, zero_uuid, sizeof(zero_uuid)) ||
	    dir_rebuild(fw)) {
		fw_cfg_free(fw);
		return NULL;
	}
	fw_cfg_reset(fw);
	return fw;
}

void fw_cfg_free(struct fw_cfg *fw)
{
	size_t i;

	if (!fw)
		return;
	for (i = 0; i < fw->nitems; i++)
		free(fw->items[i].data);
	for (i = 0; i < fw->nfiles; i++)
		free(fw->files[i].data);
	free(fw->items);
	free(fw->files);
	free(fw->dir);
	free(fw);
}

void fw_cfg_reset(struct fw_cfg *fw)
{
	/* QEMU fw_cfg_reset(): select the signature. */
	fw->cur_key = FW_CFG_SIGNATURE;
	fw->cur_offset = 0;
	fw->dma_addr = 0;
}

/* Make room for one more element in a growing array. */
static int grow(struct fw_cfg_item **arr, size_t n, size_t *cap)
{
	struct fw_cfg_item *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int copy_data(struct fw_cfg_item *it, const void *data, size_t len)
{
	it->len = (uint32_t)len;
	it->data = NULL;
	if (!len)
		return 0;
	it->data = malloc(len);
	if (!it->data)
		return -ENOMEM;
	memcpy(it->data, data, len);
	return 0;
}

int fw_cfg_add_bytes(struct fw_cfg *fw, uint16_t key, const void *data, size_t len)
{
	struct fw_cfg_item it;
	size_t i;
	int r;

	key &= (uint16_t)~FW_CFG_WRITE_CHANNEL;
	if (!(key & FW_CFG_ARCH_LOCAL) && (key >= FW_CFG_FILE_FIRST || key == FW_CFG_FILE_DIR))
		return -EINVAL;
	if (len >= UINT32_MAX || (len && !data))
		return -EINVAL;
	for (i = 0; i < fw->nitems && fw->items[i].key < key; i++)
		;
	if (i < fw->nitems && fw->items[i].key == key)
		return -EEXIST;
	if ((r = grow(&fw->items, fw->nitems, &fw->items_cap)))
		return r;
	memset(&it, 0, sizeof(it));
	it.key = key;
	if ((r = copy_data(&it, data, len)))
		return r;
	memmove(&fw->items[i + 1], &fw->items[i], (fw->nitems - i) * sizeof(it));
	fw->items[i] = it;
	fw->nitems++;
	return 0;
}

int fw_cfg_add_i16(struct fw_cfg *fw, uint16_t key, uint16_t value)
{
	uint8_t b[2] = { (uint8_t)value, (uint8_t)(value >> 8) };
	return fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

int fw_cfg_add_i32(struct fw_cfg *fw, uint16_t key, uint32_t value)
{
	uint8_t b[4];
	int i;

	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)(value >> (8 * i));
	return fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

int fw_cfg_add_i64(struct fw_cfg *fw, uint16_t key, uint64_t value)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(value >> (8 * i));
	return fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, size_t len)
{
	struct fw_cfg_item it;
	size_t i, nlen = name ? strlen(name) : 0;
	int r;

	if (!nlen || nlen >= FW_CFG_MAX_FILE_PATH || len >= UINT32_MAX || (len && !data))
		return -EINVAL;
	if (fw->nfiles >= FW_CFG_MAX_FILES)
		return -EINVAL;
	/* Insertion point in strcmp order (QEMU fw_cfg_add_file_callback(),
	 * non-legacy machine types: "Sort by file name."). */
	for (i = 0; i < fw->nfiles; i++) {
		int c = strcmp(name, fw->files[i].name);
		if (c == 0)
			return -EEXIST;
		if (c < 0)
			break;
	}
	if ((r = grow(&fw->files, fw->nfiles, &fw->files_cap)))
		return r;
	memset(&it, 0, sizeof(it));
	memcpy(it.name, name, nlen);
	if ((r = copy_data(&it, data, len)))
		return r;
	memmove(&fw->files[i + 1], &fw->files[i], (fw->nfiles - i) * sizeof(it));
	fw->files[i] = it;
	fw->nfiles++;
	if ((r = dir_rebuild(fw))) {
		/* Undo so the directory and the files never disagree. */
		free(fw->files[i].data);
		memmove(&fw->files[i], &fw->files[i + 1], (fw->nfiles - i - 1) * sizeof(it));
		fw->nfiles--;
		return r;
	}
	return 0;
}

/* The item a selector key names, or NULL. The write-channel bit is ignored
 * (QEMU indexes with key & FW_CFG_ENTRY_MASK). */
static const struct fw_cfg_item *item_lookup(const struct fw_cfg *fw, uint16_t key)
{
	uint16_t k = key & (FW_CFG_ARCH_LOCAL | FW_CFG_ENTRY_MASK);
	size_t i;

	if (!(k & FW_CFG_ARCH_LOCAL) && k >= FW_CFG_FILE_FIRST) {
		i = (size_t)(k - FW_CFG_FILE_FIRST);
		return i < fw->nfiles ? &fw->files[i] : NULL;
	}
	for (i = 0; i < fw->nitems; i++)
		if (fw->items[i].key == k)
			return &fw->items[i];
	return NULL;
}

/* Bytes and length of the item a key names; NULL/0 when absent. */
static const uint8_t *key_data(const struct fw_cfg *fw, uint16_t key, uint32_t *len)
{
	const struct fw_cfg_item *it;

	if ((key & (FW_CFG_ARCH_LOCAL | FW_CFG_ENTRY_MASK)) == FW_CFG_FILE_DIR) {
		*len = fw->dir_len;
		return fw->dir;
	}
	it = item_lookup(fw, key);
	if (!it) {
		*len = 0;
		return NULL;
	}
	*len = it->len;
	return it->data;
}

const uint8_t *fw_cfg_find_key(const struct fw_cfg *fw, uint16_t key, uint32_t *len)
{
	uint32_t l;
	const uint8_t *d = key_data(fw, key, &l);
	int is_dir = (key & (FW_CFG_ARCH_LOCAL | FW_CFG_ENTRY_MASK)) == FW_CFG_FILE_DIR;

	if (!is_dir && !item_lookup(fw, key))
		return NULL;
	if (len)
		*len = l;
	/* Present but empty: a valid, non-NULL pointer. */
	return d ? d : (const uint8_t *)"";
}

const uint8_t *fw_cfg_find_file(const struct fw_cfg *fw, const char *name,
				uint16_t *key, uint32_t *len)
{
	size_t i;

	for (i = 0; i < fw->nfiles; i++) {
		if (strcmp(fw->files[i].name, name) == 0) {
			if (key)
				*key = (uint16_t)(FW_CFG_FILE_FIRST + i);
			if (len)
				*len = fw->files[i].len;
			return fw->files[i].data ? fw->files[i].data : (const uint8_t *)"";
		}
	}
	return NULL;
}

static void select_key(struct fw_cfg *fw, uint16_t key)
{
	fw->cur_key = key;
	fw->cur_offset = 0;
}

/* Next byte of the selected item; 0 past the end (fw_cfg.rst, Data Register). */
static uint8_t data_read_byte(struct fw_cfg *fw)
{
	uint32_t len;
	const uint8_t *d = key_data(fw, fw->cur_key, &len);

	if (!d || fw->cur_offset >= len)
		return 0;
	return d[fw->cur_offset++];
}

/* Write the control word back, big-endian, into the descriptor. */
static void dma_put_control(struct fw_cfg *fw, uint64_t desc, uint32_t control)
{
	uint8_t b[4];

	put_be32(b, control);
	fw->dma.write(fw->dma.opaque, desc, b, sizeof(b));
}

/* Does [pa, pa+len) wrap around the 64-bit address space? */
static int range_wraps(uint64_t pa, uint64_t len)
{
	return len && pa + (len - 1) < pa;
}

/* Fill guest memory with zeros (reads past the end of an item). */
static int dma_zero(struct fw_cfg *fw, uint64_t pa, uint64_t len)
{
	static const uint8_t zeros[4096];

	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		if (fw->dma.write(fw->dma.opaque, pa, zeros, n))
			return -1;
		pa += n;
		len -= n;
	}
	return 0;
}

/* One FWCfgDmaAccess transfer (fw_cfg.rst "Guest-side DMA Interface"; the
 * loop follows QEMU fw_cfg_dma_transfer()): the descriptor is read from
 * guest memory, the item's bytes are copied out at the current offset, the
 * rest is zero-filled, and the control word is written back as 0 or with
 * FW_CFG_DMA_CTL_ERROR. Items are read-only: DMA writes always fail. */
static void dma_transfer(struct fw_cfg *fw)
{
	uint64_t desc = fw->dma_addr;
	uint8_t raw[16];
	uint32_t control, length, item_len;
	uint64_t address;
	const uint8_t *data;
	int read = 0, write = 0;

	fw->dma_addr = 0;
	if (range_wraps(desc, sizeof(raw)) ||
	    fw->dma.read(fw->dma.opaque, desc, raw, sizeof(raw))) {
		if (!range_wraps(desc, 4))
			dma_put_control(fw, desc, FW_CFG_DMA_CTL_ERROR);
		return;
	}
	control = get_be32(raw);
	length = get_be32(raw + 4);
	address = get_be64(raw + 8);

	if (control & FW_CFG_DMA_CTL_SELECT)
		select_key(fw, (uint16_t)(control >> 16));
	if (control & FW_CFG_DMA_CTL_READ)
		read = 1;
	else if (control & FW_CFG_DMA_CTL_WRITE)
		write = 1;
	else if (!(control & FW_CFG_DMA_CTL_SKIP))
		length = 0;

	data = key_data(fw, fw->cur_key, &item_len);
	control = 0;
	if (range_wraps(address, length) && (read || write))
		control = FW_CFG_DMA_CTL_ERROR;
	while (length && !(control & FW_CFG_DMA_CTL_ERROR)) {
		uint32_t n;

		if (!data || fw->cur_offset >= item_len) {
			n = length;
			if (read && dma_zero(fw, address, n))
				control |= FW_CFG_DMA_CTL_ERROR;
			if (write)
				control |= FW_CFG_DMA_CTL_ERROR;
		} else {
			n = item_len - fw->cur_offset;
			if (length < n)
				n = length;
			if (read && fw->dma.write(fw->dma.opaque, address,
						  data + fw->cur_offset, n))
				control |= FW_CFG_DMA_CTL_ERROR;
			if (write)
				control |= FW_CFG_DMA_CTL_ERROR;
			/* QEMU advances the offset even when the copy failed. */
			fw->cur_offset += n;
		}
		address += n;
		length -= n;
	}
	dma_put_control(fw, desc, control);
}

uint32_t fw_cfg_io_read(void *opaque, uint32_t offset, int size)
{
	struct fw_cfg *fw = opaque;
	uint32_t v = 0;
	int i;

	if (offset <= 1) {
		/* QEMU's combined selector/data region accepts only byte reads. */
		if (size != 1)
			return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
		return data_read_byte(fw);
	}
	if (offset >= 4 && fw->dma_enabled) {
		for (i = 0; i < size; i++) {
			uint32_t o = offset - 4 + (uint32_t)i;
			uint8_t b = o < sizeof(dma_signature) ? (uint8_t)dma_signature[o] : 0xff;
			v |= (uint32_t)b << (8 * i);
		}
		return v;
	}
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

void fw_cfg_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct fw_cfg *fw = opaque;

	if (offset == 0 && size == 2) {
		select_key(fw, (uint16_t)value);
		return;
	}
	/* Byte writes to the data port are ignored since QEMU 2.4. */
	if (!fw->dma_enabled || size != 4)
		return;
	/* The DMA address register is big-endian: the CPU's little-endian
	 * 32-bit write carries the bytes of a big-endian half. */
	if (offset == 4) {
		fw->dma_addr = (uint64_t)bswap32(value) << 32;
	} else if (offset == 8) {
		fw->dma_addr |= bswap32(value);
		dma_transfer(fw);
	}
}

void fw_cfg_get_state(const struct fw_cfg *fw, struct fw_cfg_state *st)
{
	st->key = fw->cur_key;
	st->offset = fw->cur_offset;
	st->dma_addr = fw->dma_addr;
}

void fw_cfg_set_state(struct fw_cfg *fw, const struct fw_cfg_state *st)
{
	fw->cur_key = st->key;
	fw->cur_offset = st->offset;
	fw->dma_addr = st->dma_addr;
}

static const char *key_name(uint16_t key)
{
	switch (key) {
	case FW_CFG_SIGNATURE: return "signature";
	case FW_CFG_ID: return "id";
	case FW_CFG_UUID: return "uuid";
	case FW_CFG_RAM_SIZE: return "ram_size";
	case FW_CFG_NOGRAPHIC: return "nographic";
	case FW_CFG_NB_CPUS: return "nb_cpus";
	case FW_CFG_NUMA: return "numa";
	case FW_CFG_BOOT_MENU: return "boot_menu";
	case FW_CFG_MAX_CPUS: return "max_cpus";
	case FW_CFG_FILE_DIR: return "file_dir";
	case FW_CFG_ACPI_TABLES: return "acpi_tables";
	case FW_CFG_SMBIOS_ENTRIES: return "smbios_entries";
	case FW_CFG_IRQ0_OVERRIDE: return "irq0_override";
	case FW_CFG_E820_TABLE: return "e820_table";
	default: return "?";
	}
}

/* Up to 8 bytes as hex, then "..." when longer. */
static void render_preview(FILE *out, const uint8_t *d, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len && i < 8; i++)
		fprintf(out, " %02x", d[i]);
	if (len > 8)
		fputs(" ...", out);
}

void fw_cfg_render(const struct fw_cfg *fw, FILE *out)
{
	size_t i;

	fprintf(out, "fw_cfg: selector %#06x offset %u dma %s addr %#018llx\n",
		fw->cur_key, fw->cur_offset, fw->dma_enabled ? "on" : "off",
		(unsigned long long)fw->dma_addr);
	for (i = 0; i < fw->nitems; i++) {
		const struct fw_cfg_item *it = &fw->items[i];
		fprintf(out, "  %#06x %-24s %8u", it->key, key_name(it->key), it->len);
		render_preview(out, it->data, it->len);
		fputc('\n', out);
	}
	fprintf(out, "  %#06x %-24s %8u (%zu files)\n", FW_CFG_FILE_DIR, "file_dir",
		fw->dir_len, fw->nfiles);
	for (i = 0; i < fw->nfiles; i++) {
		const struct fw_cfg_item *it = &fw->files[i];
		fprintf(out, "  %#06x %-24s %8u", (unsigned)(FW_CFG_FILE_FIRST + i), it->name,
			it->len);
		render_preview(out, it->data, it->len);
		fputc('\n', out);
	}
}
