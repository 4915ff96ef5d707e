/* tests/test_fw_cfg.c: the fw_cfg device (machine/fw_cfg.c) through its ports
 * and DMA, as SeaBIOS src/fw/paravirt.c drives it, and the pc contents
 * (machine/fw_cfg_pc.c). Behaviour from QEMU docs/specs/fw_cfg.rst. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/fw_cfg.h"
#include "mem/mem.h"

/* ---- a fake guest memory: RAM at [base, base+size), then a guard zone
 * that the DMA callbacks refuse; tests check the guard is never written. ---- */
#define RAM_SIZE 0x10000
#define GUARD 256
#define CANARY 0xa5

struct fake_mem {
	uint64_t base;
	uint8_t ram[RAM_SIZE + GUARD];
	int refused;
};

static int in_ram(const struct fake_mem *m, uint64_t pa, size_t len)
{
	return pa >= m->base && pa - m->base <= RAM_SIZE && len <= RAM_SIZE - (pa - m->base);
}

static int fake_read(void *opaque, uint64_t pa, void *buf, size_t len)
{
	struct fake_mem *m = opaque;
	if (!in_ram(m, pa, len)) {
		m->refused++;
		return -1;
	}
	memcpy(buf, m->ram + (pa - m->base), len);
	return 0;
}

static int fake_write(void *opaque, uint64_t pa, const void *buf, size_t len)
{
	struct fake_mem *m = opaque;
	if (!in_ram(m, pa, len)) {
		m->refused++;
		return -1;
	}
	memcpy(m->ram + (pa - m->base), buf, len);
	return 0;
}

static struct fake_mem *fake_mem_new(uint64_t base)
{
	struct fake_mem *m = calloc(1, sizeof(*m));
	cr_assert(m);
	m->base = base;
	memset(m->ram + RAM_SIZE, CANARY, GUARD);
	return m;
}

static int guard_intact(const struct fake_mem *m)
{
	for (int i = 0; i < GUARD; i++)
		if (m->ram[RAM_SIZE + i] != CANARY)
			return 0;
	return 1;
}

static struct fw_cfg *dev_new(struct fake_mem *m)
{
	struct fw_cfg_dma_ops ops = { fake_read, fake_write, m };
	struct fw_cfg *fw = fw_cfg_new(&ops);
	cr_assert(fw);
	return fw;
}

/* ---- the guest side, as SeaBIOS does it ---- */

static void sel(struct fw_cfg *fw, uint16_t key)
{
	fw_cfg_io_write(fw, 0, key, 2);      /* outw(key, 0x510) */
}

static uint8_t rd8(struct fw_cfg *fw)
{
	return (uint8_t)fw_cfg_io_read(fw, 1, 1);   /* inb(0x511) */
}

static void rd(struct fw_cfg *fw, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n--)
		*p++ = rd8(fw);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t bswap(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Write a FWCfgDmaAccess at desc (big-endian fields) and trigger it like
 * SeaBIOS qemu_cfg_dma_transfer: high half at 0x514 only when non-zero,
 * then outl(cpu_to_be32(low), 0x518). Returns the control word read back. */
static uint32_t dma(struct fw_cfg *fw, struct fake_mem *m, uint64_t desc, uint32_t control,
		    uint32_t length, uint64_t address)
{
	uint8_t d[16];
	put_be32(d, control);
	put_be32(d + 4, length);
	put_be32(d + 8, (uint32_t)(address >> 32));
	put_be32(d + 12, (uint32_t)address);
	if (in_ram(m, desc, 16))
		memcpy(m->ram + (desc - m->base), d, 16);
	if (desc >> 32)
		fw_cfg_io_write(fw, 4, bswap((uint32_t)(desc >> 32)), 4);
	fw_cfg_io_write(fw, 8, bswap((uint32_t)desc), 4);
	return in_ram(m, desc, 4) ? be32(m->ram + (desc - m->base)) : 0xdeadbeef;
}

#define DESC 0x100
#define BUF  0x1000

Test(fw_cfg, signature_and_id_through_ports)
{
	struct fake_mem *m = fake_mem_new(0);
	struct fw_cfg *fw = dev_new(m);
	char sig[5] = { 0 };
	uint8_t id[4];

	sel(fw, FW_CFG_SIGNATURE);
	rd(fw, sig, 4);
	cr_expect_str_eq(sig, "QEMU");
	cr_expect_eq(rd8(fw), 0, "reads past the end return 0");
	sel(fw, FW_CFG_ID);
	rd(fw, id, 4);
	cr_expect_eq(le(id, 4), FW_CFG_VERSION | FW_CFG_VERSION_DMA);
	/* Offset 0 decodes the data byte too (QEMU's combined region). */
	sel(fw, FW_CFG_SIGNATURE);
	cr_expect_eq(fw_cfg_io_read(fw, 0, 1), 'Q');
	cr_expect_eq(fw_cfg_io_read(fw, 1, 1), 'E');
	/* Wider reads are not decoded: open bus. */
	cr_expect_eq(fw_cfg_io_read(fw, 1, 2), 0xffff);
	cr_expect_eq(fw_cfg_io_read(fw, 2, 1), 0xff);
	fw_cfg_free(fw);
	free(m);
}

Test(fw_cfg, id_without_dma)
{
	struct fw_cfg *fw = fw_cfg_new(NULL);
	uint8_t id[4];

	cr_assert(fw);
	sel(fw, FW_CFG_ID);
	rd(fw, id, 4);
	cr_expect_eq(le(id, 4), FW_CFG_VERSION);
	cr_expect_eq(fw_cfg_io_read(fw, 4, 4), 0xffffffffu, "no DMA register");
	fw_cfg_io_write(fw, 8, 0, 4);   /* ignored, must not crash */
	fw_cfg_free(fw);
}

Test(fw_cfg, dma_register_reads_signature)
{
	struct fake_mem *m = fake_mem_new(0);
	struct fw_cfg *fw = dev_new(m);
	char s[9] = { 0 };

	/* fw_cfg.rst: the DMA address register reads "QEMU CFG" (big-endian). */
	for (int i = 0; i < 8; i++)
		s[i] = (char)fw_cfg_io_read(fw, 4 + (uint32_t)i, 1);
	cr_expect_str_eq(s, "QEMU CFG");
	cr_expect_eq(fw_cfg_io_read(fw, 4, 4), 0x554d4551u, "bytes 'QEMU' read as a dword");
	fw_cfg_free(fw);
	free(m);
}

Test(fw_cfg, absent_item_reads_zero)
{
	struct fw_cfg *fw = fw_cfg_new(NULL);

	sel(fw, 0x1234);
	for (int i = 0; i < 8; i++)
		cr_expect_eq(rd8(fw), 0);
	sel(fw, FW_CFG_ARCH_LOCAL + 0x100);
	cr_expect_eq(rd8(fw), 0);
	cr_expect_null(fw_cfg_find_key(fw, 0x1234, NULL));
	fw_cfg_free(fw);
}

Test(fw_cfg, write_channel_bit_is_ignored_for_reads)
{
	struct fw_cfg *fw = fw_cfg_new(NULL);
	char sig[5] = { 0 };

	/* fw_cfg.rst "Selector Register": bit 14 only marks writes. */
	sel(fw, FW_CFG_WRITE_CHANNEL | FW_CFG_SIGNATURE);
	rd(fw, sig, 4);
	cr_expect_str_eq(sig, "QEMU");
	/* Byte writes to the data port are ignored (QEMU >= 2.4). */
	sel(fw, FW_CFG_WRITE_CHANNEL | FW_CFG_SIGNATURE);
	fw_cfg_io_write(fw, 1, 'X', 1);
	sel(fw, FW_CFG_SIGNATURE);
	cr_expect_eq(rd8(fw), 'Q');
	fw_cfg_free(fw);
}

Test(fw_cfg, integers_are_little_endian)
{
	struct fw_cfg *fw = fw_cfg_new(NULL);
	uint8_t b[8];

	cr_assert_eq(fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, 0x1234), 0);
	cr_assert_eq(fw_cfg_add_i32(fw, FW_CFG_ARCH_LOCAL + 2, 0x11223344), 0);
	cr_assert_eq(fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, 0x0102030405060708ull), 0);
	sel(fw, FW_CFG_NB_CPUS);
	rd(fw, b, 2);
	cr_expect_eq(b[0], 0x34);
	cr_expect_eq(b[1], 0x12);
	sel(fw, FW_CFG_ARCH_LOCAL + 2);
	rd(fw, b, 4);
	cr_expect_eq(le(b, 4), 0x11223344);
	sel(fw, FW_CFG_RAM_SIZE);
	rd(fw, b, 8);
	cr_expect_eq(le(b, 8), 0x0102030405060708ull);
	fw_cfg_free(fw);
}

Test(fw_cfg, add_rejects_bad_keys_and_names)
{
	struct fw_cfg *fw = fw_cfg_new(NULL);
	char longname[80];

	cr_expect_eq(fw_cfg_add_bytes(fw, FW_CFG_SIGNATURE, "X", 1), -EEXIST);
	cr_expect_eq(fw_cfg_add_bytes(fw, FW_CFG_FILE_FIRST, "X", 1), -EINVAL);
	cr_expect_eq(fw_cfg_add_bytes(fw, FW_CFG_FILE_DIR, "X", 1), -EINVAL);
	cr_expect_eq(fw_cfg_add_file(fw, "a", "1", 1), 0);
	cr_expect_eq(fw_cfg_add_file(fw, "a", "2", 1), -EEXIST);
	cr_expect_eq(fw_cfg_add_file(fw, "", "2", 1), -EINVAL);
	memset(longname, 'n', sizeof(longname));
	longname[FW_CFG_MAX_FILE_PATH - 1] = 0;    /* 55 characters: fits */
	cr_expect_eq(fw_cfg_add_file(fw, longname, "2", 1), 0);
	longname[FW_CFG_MAX_FILE_PATH - 1] = 'n';
	longname[FW_CFG_MAX_FILE_PATH] = 0;        /* 56: no room for the NUL */
	cr_expect_eq(fw_cfg_add_file(fw, longname, "2", 1), -EINVAL);
	fw_cfg_free(fw);
}

/* Reads the directory like SeaBIOS qemu_cfg_init (port variant). */
Test(fw_cfg, directory_walk_sorted_by_name)
{
	struct fw_cfg *fw = fw_cfg_new(NULL);
	static const char *names[] = { "etc/e820", "bootorder", "genroms/b.bin", "etc/acpi/rsdp",
				       "genroms/a.bin" };
	static const char *sorted[] = { "bootorder", "etc/acpi/rsdp", "etc/e820", "genroms/a.bin",
					"genroms/b.bin" };
	uint8_t cnt[4];

	for (size_t i = 0; i < 5; i++) {
		char data[64];
		snprintf(data, sizeof(data), "contents of %s", names[i]);
		cr_assert_eq(fw_cfg_add_file(fw, names[i], data, strlen(data)), 0);
	}
	sel(fw, FW_CFG_FILE_DIR);
	rd(fw, cnt, 4);
	cr_assert_eq(be32(cnt), 5, "count is big-endian");
	for (uint32_t i = 0; i < 5; i++) {
		uint8_t e[FW_CFG_FILE_ENTRY_SIZE];
		char expect[64];
		rd(fw, e, sizeof(e));
		snprintf(expect, sizeof(expect), "contents of %s", sorted[i]);
		cr_expect_str_eq((char *)e + 8, sorted[i]);
		cr_expect_eq(be32(e), strlen(expect), "size is big-endian");
		cr_expect_eq(e[4] << 8 | e[5], FW_CFG_FILE_FIRST + i, "select is big-endian");
		cr_expect_eq(e[6] | e[7], 0, "reserved");
	}
	cr_expect_eq(rd8(fw), 0, "nothing after the last entry");

	/* Select by name, then read through the data port. */
	uint16_t key;
	uint32_t len;
	cr_assert(fw_cfg_find_file(fw, "genroms/a.bin", &key, &len));
	cr_expect_eq(key, FW_CFG_FILE_FIRST + 3);
	char buf[64] = { 0 };
	sel(fw, key);
	rd(fw, buf, len);
	cr_expect_str_eq(buf, "contents of genroms/a.bin");
	cr_expect_null(fw_cfg_find_file(fw, "nope", NULL, NULL));
	fw_cfg_free(fw);
}

Test(fw_cfg, file_keys_do_not_depend_on_insertion_order)
{
	struct fw_cfg *a = fw_cfg_new(NULL), *b = fw_cfg_new(NULL);

	cr_assert_eq(fw_cfg_add_file(a, "z", "1", 1), 0);
	cr_assert_eq(fw_cfg_add_file(a, "m", "22", 2), 0);
	cr_assert_eq(fw_cfg_add_file(b, "m", "22", 2), 0);
	cr_assert_eq(fw_cfg_add_file(b, "z", "1", 1), 0);
	/* The guest sees the same directory, and the same file at each key. */
	uint8_t da[4 + 2 * FW_CFG_FILE_ENTRY_SIZE], db[sizeof(da)];
	sel(a, FW_CFG_FILE_DIR);
	rd(a, da, sizeof(da));
	sel(b, FW_CFG_FILE_DIR);
	rd(b, db, sizeof(db));
	cr_expect_eq(be32(da), 2);
	cr_expect(memcmp(da, db, sizeof(da)) == 0);
	for (uint16_t key = FW_CFG_FILE_FIRST; key < FW_CFG_FILE_FIRST + 2; key++) {
		char ca[4] = { 0 }, cb[4] = { 0 };
		sel(a, key);
		rd(a, ca, sizeof(ca));
		sel(b, key);
		rd(b, cb, sizeof(cb));
		cr_expect_str_eq(ca, cb);
	}
	fw_cfg_free(a);
	fw_cfg_free(b);
}

Test(fw_cfg, dma_read_file_into_ram)
{
	struct fake_mem *m = fake_mem_new(0);
	struct fw_cfg *fw = dev_new(m);
	uint8_t rom[3000];
	uint16_t key;

	for (size_t i = 0; i < sizeof(rom); i++)
		rom[i] = (uint8_t)(i * 7 + 1);
	cr_assert_eq(fw_cfg_add_file(fw, "genroms/test.bin", rom, sizeof(rom)), 0);
	cr_assert(fw_cfg_find_file(fw, "genroms/test.bin", &key, NULL));
	/* Select + read in one descriptor, as qemu_cfg_read_entry does. */
	uint32_t ctl = dma(fw, m, DESC,
			   (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
			   1000, BUF);
	cr_expect_eq(ctl, 0, "control cleared on success");
	cr_expect_eq(memcmp(m->ram + BUF, rom, 1000), 0);
	/* The offset moved: the data port continues at byte 1000. */
	cr_expect_eq(rd8(fw), rom[1000]);
	/* Skip, then read the rest plus 100 bytes: the tail is zero-filled. */
	cr_expect_eq(dma(fw, m, DESC, FW_CFG_DMA_CTL_SKIP, 999, 0), 0);
	memset(m->ram + BUF, 0xee, 2000);
	cr_expect_eq(dma(fw, m, DESC, FW_CFG_DMA_CTL_READ, 1100, BUF), 0);
	cr_expect_eq(memcmp(m->ram + BUF, rom + 2000, 1000), 0);
	for (int i = 1000; i < 1100; i++)
		cr_expect_eq(m->ram[BUF + i], 0, "byte %d past the end", i);
	cr_expect_eq(m->ram[BUF + 1100], 0xee, "nothing beyond length");
	cr_expect(guard_intact(m));
	fw_cfg_free(fw);
	free(m);
}

Test(fw_cfg, dma_absent_item_zero_fills)
{
	struct fake_mem *m = fake_mem_new(0);
	struct fw_cfg *fw = dev_new(m);

	memset(m->ram + BUF, 0xee, 16);
	/* SeaBIOS reads 0x8001 (SMBIOS entries) even when absent. */
	cr_expect_eq(dma(fw, m, DESC,
			 (uint32_t)FW_CFG_SMBIOS_ENTRIES << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
			 2, BUF), 0);
	cr_expect_eq(m->ram[BUF], 0);
	cr_expect_eq(m->ram[BUF + 1], 0);
	cr_expect_eq(m->ram[BUF + 2], 0xee);
	fw_cfg_free(fw);
	free(m);
}

Test(fw_cfg, dma_bad_destination_sets_error)
{
	struct fake_mem *m = fake_mem_new(0);
	struct fw_cfg *fw = dev_new(m);
	uint8_t data[512];
	uint16_t key;

	memset(data, 0x5a, sizeof(data));
	cr_assert_eq(fw_cfg_add_file(fw, "f", data, sizeof(data)), 0);
	cr_assert(fw_cfg_find_file(fw, "f", &key, NULL));
	uint32_t sr = (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;

	/* Destination entirely outside RAM. */
	cr_expect_eq(dma(fw, m, DESC, sr, 16, RAM_SIZE + 8) & FW_CFG_DMA_CTL_ERROR,
		     FW_CFG_DMA_CTL_ERROR);
	cr_expect(guard_intact(m));
	/* Destination running off the end of RAM: refused, guard untouched. */
	cr_expect_eq(dma(fw, m, DESC, sr, 512, RAM_SIZE - 100) & FW_CFG_DMA_CTL_ERROR,
		     FW_CFG_DMA_CTL_ERROR);
	cr_expect(guard_intact(m));
	/* A length far beyond the item: the item part lands, the zero fill
	 * runs off RAM and fails; nothing outside RAM is written. */
	cr_expect_eq(dma(fw, m, DESC, sr, 0xfffffff0u, RAM_SIZE - 0x800) & FW_CFG_DMA_CTL_ERROR,
		     FW_CFG_DMA_CTL_ERROR);
	cr_expect_eq(m->ram[RAM_SIZE - 0x800], 0x5a);
	cr_expect(guard_intact(m));
	/* An address range that wraps around 2^64. */
	cr_expect_eq(dma(fw, m, DESC, sr, 0x100, 0xffffffffffffff80ull) & FW_CFG_DMA_CTL_ERROR,
		     FW_CFG_DMA_CTL_ERROR);
	cr_expect(guard_intact(m));
	fw_cfg_free(fw);
	free(m);
}

Test(fw_cfg, dma_descriptor_outside_ram_touches_nothing)
{
	struct fake_mem *m = fake_mem_new(0);
	struct fw_cfg *fw = dev_new(m);
	static uint8_t zero[RAM_SIZE];

	dma(fw, m, 0xfffffffffffffff8ull, FW_CFG_DMA_CTL_READ, 4, 0);
	cr_expect_eq(memcmp(m->ram, zero, RAM_SIZE), 0);
	/* A descriptor straddling the end of RAM cannot be read; like QEMU the
	 * device still reports the error in its control word, which is in RAM. */
	dma(fw, m, RAM_SIZE - 8, FW_CFG_DMA_CTL_READ, 4, 0);
	cr_expect_eq(memcmp(m->ram, zero, RAM_SIZE - 8), 0);
	cr_expect_eq(be32(m->ram + RAM_SIZE - 8), FW_CFG_DMA_CTL_ERROR);
	cr_expect_eq(memcmp(m->ram + RAM_SIZE - 4, zero, 4), 0);
	cr_expect(guard_intact(m));
	cr_expect_geq(m->refused, 2);
	fw_cfg_free(fw);
	free(m);
}

Test(fw_cfg, dma_write_to_read_only_item_fails)
{
	struct fake_mem *m = fake_mem_new(0);
	struct fw_cfg *fw = dev_new(m);
	uint32_t len;

	memcpy(m->ram + BUF, "EVIL", 4);
	/* fw_cfg.rst: "Writes to read-only items are also rejected." */
	uint32_t ctl = dma(fw, m, DESC,
			   FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE,
			   4, BUF);
	cr_expect_eq(ctl & FW_CFG_DMA_CTL_ERROR, FW_CFG_DMA_CTL_ERROR);
	const uint8_t *sig = fw_cfg_find_key(fw, FW_CFG_SIGNATURE, &len);
	cr_assert(sig);
	cr_expect_eq(memcmp(sig, "QEMU", 4), 0);
	/* Writing an absent item fails too. */
	ctl = dma(fw, m, DESC, 0x77 << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4, BUF);
	cr_expect_eq(ctl & FW_CFG_DMA_CTL_ERROR, FW_CFG_DMA_CTL_ERROR);
	/* No operation bit: nothing happens, success. */
	cr_expect_eq(dma(fw, m, DESC, 0, 4, BUF), 0);
	fw_cfg_free(fw);
	free(m);
}

Test(fw_cfg, dma_descriptor_above_4g)
{
	struct fake_mem *m = fake_mem_new(0x100000000ull);
	struct fw_cfg *fw = dev_new(m);
	char sig[5] = { 0 };

	uint32_t ctl = dma(fw, m, 0x100000000ull + DESC,
			   FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
			   4, 0x100000000ull + BUF);
	cr_expect_eq(ctl, 0);
	memcpy(sig, m->ram + BUF, 4);
	cr_expect_str_eq(sig, "QEMU");
	/* The address register was cleared by the transfer: a low-half write
	 * alone now targets below 4 GiB, which this memory refuses. */
	m->refused = 0;
	fw_cfg_io_write(fw, 8, bswap(DESC), 4);
	cr_expect_geq(m->refused, 1);
	fw_cfg_free(fw);
	free(m);
}

/* Whether two devices are in the same guest-visible state (the fields the
 * machine's state visitor saves). */
static int same_state(const struct fw_cfg *a, const struct fw_cfg *b)
{
	struct fw_cfg_state sa, sb;
	fw_cfg_get_state(a, &sa);
	fw_cfg_get_state(b, &sb);
	return sa.key == sb.key && sa.offset == sb.offset && sa.dma_addr == sb.dma_addr;
}

Test(fw_cfg, reset_and_state)
{
	struct fake_mem *m = fake_mem_new(0);
	struct fw_cfg *fw = dev_new(m), *fw2 = dev_new(m);
	struct fw_cfg_state st;

	cr_expect(same_state(fw, fw2));
	sel(fw, FW_CFG_ID);
	rd8(fw);
	fw_cfg_get_state(fw, &st);
	cr_expect_eq(st.key, FW_CFG_ID);
	cr_expect_eq(st.offset, 1);
	cr_expect_not(same_state(fw, fw2));
	fw_cfg_set_state(fw2, &st);
	cr_expect(same_state(fw, fw2));
	cr_expect_eq(rd8(fw2), 0, "second byte of id 3");
	fw_cfg_reset(fw);
	fw_cfg_get_state(fw, &st);
	cr_expect_eq(st.key, FW_CFG_SIGNATURE);
	cr_expect_eq(st.offset, 0);
	cr_expect_eq(st.dma_addr, 0);
	cr_expect_eq(rd8(fw), 'Q');
	/* The DMA address register is state too (its high half alone starts
	 * no transfer). */
	fw_cfg_reset(fw);
	fw_cfg_reset(fw2);
	cr_expect(same_state(fw, fw2));
	fw_cfg_io_write(fw2, 4, bswap(1), 4);
	cr_expect_not(same_state(fw, fw2));
	fw_cfg_free(fw);
	fw_cfg_free(fw2);
	free(m);
}

Test(fw_cfg, render_lists_items)
{
	struct fw_cfg *fw = fw_cfg_new(NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_eq(fw_cfg_add_file(fw, "etc/sercon-port", "\xf8\x03", 2), 0);
	fw_cfg_render(fw, f);
	fclose(f);
	cr_expect(strstr(text, "signature"));
	cr_expect(strstr(text, "etc/sercon-port"));
	cr_expect(strstr(text, "0x0020"));
	free(text);
	fw_cfg_free(fw);
}

/* ---- the pc machine's contents ---- */

static struct fw_cfg *pc_new(uint64_t ram)
{
	struct fw_cfg *fw = fw_cfg_new(NULL);
	struct pc_fw_cfg_params p;

	fw_cfg_pc_params_init(&p, ram);
	cr_assert_eq(fw_cfg_setup_pc(fw, &p), 0);
	return fw;
}

Test(fw_cfg_pc, ram_split_like_qemu_pc)
{
	uint64_t lo, hi;

	mem_split_ram(128ull << 20, &lo, &hi);
	cr_expect_eq(lo, 128ull << 20);
	cr_expect_eq(hi, 0);
	mem_split_ram(3583ull << 20, &lo, &hi);
	cr_expect_eq(lo, 3583ull << 20);
	cr_expect_eq(hi, 0);
	/* pc_piix.c: "qemu -M pc -m 4G (new default) -> 3072M low, 1024M high". */
	mem_split_ram(4096ull << 20, &lo, &hi);
	cr_expect_eq(lo, 3072ull << 20);
	cr_expect_eq(hi, 1024ull << 20);
	mem_split_ram(3584ull << 20, &lo, &hi);
	cr_expect_eq(lo, 3072ull << 20);
	cr_expect_eq(hi, 512ull << 20);
}

Test(fw_cfg_pc, e820_128m)
{
	struct fw_cfg *fw = pc_new(128ull << 20);
	uint32_t len;
	const uint8_t *e = fw_cfg_find_file(fw, "etc/e820", NULL, &len);

	cr_assert(e);
	cr_assert_eq(len, FW_CFG_E820_ENTRY_SIZE);
	cr_expect_eq(le(e, 8), 0);
	cr_expect_eq(le(e + 8, 8), 128ull << 20);
	cr_expect_eq(le(e + 16, 4), FW_CFG_E820_RAM);
	fw_cfg_free(fw);
}

Test(fw_cfg_pc, e820_above_3_5g)
{
	struct fw_cfg *fw = pc_new(3584ull << 20);
	uint32_t len;
	const uint8_t *e = fw_cfg_find_file(fw, "etc/e820", NULL, &len);
	uint8_t b[8];

	cr_assert(e);
	cr_assert_eq(len, 2 * FW_CFG_E820_ENTRY_SIZE);
	cr_expect_eq(le(e, 8), 0);
	cr_expect_eq(le(e + 8, 8), 0xc0000000ull);
	cr_expect_eq(le(e + 16, 4), FW_CFG_E820_RAM);
	e += FW_CFG_E820_ENTRY_SIZE;
	cr_expect_eq(le(e, 8), 0x100000000ull);
	cr_expect_eq(le(e + 8, 8), 0x20000000ull);
	cr_expect_eq(le(e + 16, 4), FW_CFG_E820_RAM);
	sel(fw, FW_CFG_RAM_SIZE);
	rd(fw, b, 8);
	cr_expect_eq(le(b, 8), 3584ull << 20);
	fw_cfg_free(fw);
}

/* Reads what SeaBIOS 1.16.2 reads, in its order (shared/reference/
 * seabios-i440fx.md), through DMA like SeaBIOS with id bit 1 set. */
Test(fw_cfg_pc, seabios_read_sequence)
{
	struct fake_mem *m = fake_mem_new(0);
	struct fw_cfg *fw = dev_new(m);
	struct pc_fw_cfg_params p;
	char sig[5] = { 0 };
	uint8_t *b = m->ram + BUF;

#define READ_ENTRY(key, n) \
	cr_assert_eq(dma(fw, m, DESC, (uint32_t)(key) << 16 | FW_CFG_DMA_CTL_SELECT | \
			 FW_CFG_DMA_CTL_READ, (n), BUF), 0)

	fw_cfg_pc_params_init(&p, 128ull << 20);
	p.bootorder = "/pci@i0cf8/*@1,1/drive@0/disk@0\nHALT";
	cr_assert_eq(fw_cfg_setup_pc(fw, &p), 0);
	cr_assert_eq(fw_cfg_add_file(fw, "genroms/opt.bin", "\x55\xaa\x01", 3), 0);

	sel(fw, FW_CFG_SIGNATURE);
	rd(fw, sig, 4);
	cr_expect_str_eq(sig, "QEMU");
	READ_ENTRY(FW_CFG_ID, 4);
	cr_expect_eq(le(b, 4), 3);
	READ_ENTRY(FW_CFG_BOOT_MENU, 2);         /* etc/show-boot-menu */
	cr_expect_eq(le(b, 2), 0, "boot menu off, else SeaBIOS waits");
	READ_ENTRY(FW_CFG_IRQ0_OVERRIDE, 1);
	cr_expect_eq(b[0], 0, "no IO-APIC");
	READ_ENTRY(FW_CFG_MAX_CPUS, 2);
	cr_expect_eq(le(b, 2), 1);
	READ_ENTRY(FW_CFG_NUMA, 8);
	cr_expect_eq(le(b, 8), 0, "no NUMA nodes");
	READ_ENTRY(FW_CFG_ACPI_TABLES, 2);
	cr_expect_eq(le(b, 2), 0, "no legacy ACPI tables");
	READ_ENTRY(FW_CFG_SMBIOS_ENTRIES, 2);
	cr_expect_eq(le(b, 2), 0, "no legacy SMBIOS entries");
	READ_ENTRY(FW_CFG_NB_CPUS, 2);
	cr_expect_eq(le(b, 2), 1);

	/* The directory: count, then entries read on with plain DMA reads. */
	READ_ENTRY(FW_CFG_FILE_DIR, 4);
	uint32_t count = be32(b);
	const char *want[] = { "bootorder", "etc/acpi/rsdp", "etc/acpi/tables", "etc/boot-fail-wait",
			       "etc/e820", "etc/sercon-port", "etc/table-loader", "genroms/opt.bin" };
	cr_assert_eq(count, 8);
	for (uint32_t i = 0; i < count; i++) {
		cr_assert_eq(dma(fw, m, DESC, FW_CFG_DMA_CTL_READ, 64, BUF), 0);
		cr_expect_str_eq((char *)b + 8, want[i]);
		uint16_t key;
		uint32_t len;
		cr_assert(fw_cfg_find_file(fw, want[i], &key, &len));
		cr_expect_eq(be32(b), len);
		cr_expect_eq(b[4] << 8 | b[5], key);
	}
	uint16_t key;
	uint32_t len;
	cr_assert(fw_cfg_find_file(fw, "etc/boot-fail-wait", &key, &len));
	cr_expect_eq(len, 4);
	READ_ENTRY(key, 4);
	cr_expect_eq(le(b, 4), 0xffffffffu);
	cr_assert(fw_cfg_find_file(fw, "etc/sercon-port", &key, &len));
	cr_expect_eq(len, 2);
	READ_ENTRY(key, 2);
	cr_expect_eq(le(b, 2), 0x3f8);
	cr_assert(fw_cfg_find_file(fw, "bootorder", &key, &len));
	READ_ENTRY(key, len);
	cr_expect_str_eq((char *)b, p.bootorder);
	cr_assert(fw_cfg_find_file(fw, "etc/table-loader", &key, &len));
	cr_expect_eq(len % 128, 0);
	cr_assert(fw_cfg_find_file(fw, "etc/acpi/rsdp", &key, &len));
	cr_expect_eq(len, 20);
	READ_ENTRY(key, len);
	cr_expect_eq(memcmp(b, "RSD PTR ", 8), 0);
	cr_expect(guard_intact(m));
#undef READ_ENTRY
	fw_cfg_free(fw);
	free(m);
}

Test(fw_cfg_pc, vga_machine_has_no_sercon)
{
	struct fw_cfg *fw = fw_cfg_new(NULL);
	struct pc_fw_cfg_params p;
	uint8_t b[2];

	fw_cfg_pc_params_init(&p, 64ull << 20);
	p.has_vga = 1;
	cr_assert_eq(fw_cfg_setup_pc(fw, &p), 0);
	cr_expect_null(fw_cfg_find_file(fw, "etc/sercon-port", NULL, NULL));
	cr_expect_null(fw_cfg_find_file(fw, "bootorder", NULL, NULL));
	sel(fw, FW_CFG_NOGRAPHIC);
	rd(fw, b, 2);
	cr_expect_eq(le(b, 2), 0);
	fw_cfg_free(fw);
}
