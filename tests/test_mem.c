/* tests/test_mem.c: address space, accessors, MMIO, port I/O, code pages, generation (mem/). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"

#define MiB (1ull << 20)

Test(mem, new_rejects_bad_sizes)
{
	cr_expect_null(mem_new(0));
	cr_expect_null(mem_new(4097));
	struct mem *m = mem_new(1 * MiB);
	cr_assert_not_null(m);
	cr_expect_eq(mem_ram_size(m), 1 * MiB);
	mem_free(m);
}

Test(mem, ram_is_zero_and_little_endian)
{
	struct mem *m = mem_new(2 * MiB);
	cr_assert_not_null(m);
	cr_expect_eq(mem_read(m, 0x1000, 4), 0);
	cr_expect_eq(mem_read(m, 2 * MiB - 4, 4), 0);
	mem_write(m, 0x1000, 0x11223344, 4);
	cr_expect_eq(mem_read(m, 0x1000, 1), 0x44);
	cr_expect_eq(mem_read(m, 0x1001, 2), 0x2233);
	cr_expect_eq(mem_ram_ptr(m)[0x1003], 0x11);
	/* Across a page boundary (slow path, byte-wise). */
	mem_write(m, 0x1FFE, 0xAABBCCDD, 4);
	cr_expect_eq(mem_read(m, 0x1FFE, 4), 0xAABBCCDD);
	cr_expect_eq(mem_ram_ptr(m)[0x2001], 0xAA);
	mem_free(m);
}

Test(mem, open_bus_reads_ones_and_drops_writes)
{
	struct mem *m = mem_new(1 * MiB);
	cr_expect_eq(mem_read(m, 0x200000, 4), 0xFFFFFFFF);
	cr_expect_eq(mem_read(m, 0x200000, 2), 0xFFFF);
	cr_expect_eq(mem_read(m, 0x200000, 1), 0xFF);
	mem_write(m, 0x200000, 0x12345678, 4);
	cr_expect_eq(mem_read(m, 0x200000, 4), 0xFFFFFFFF);
	/* Straddling the end of RAM: the RAM byte is real, the rest open bus. */
	mem_write(m, 1 * MiB - 1, 0x5A, 1);
	cr_expect_eq(mem_read(m, 1 * MiB - 1, 4), 0xFFFFFF5A);
	cr_expect_eq(mem_read(m, 0xFFFFFFFC, 4), 0xFFFFFFFF);
	cr_expect_eq(mem_read(m, (1ull << 60), 4), 0xFFFFFFFF);
	cr_expect_null(mem_page_read_ptr(m, 0x200000));
	cr_expect_null(mem_page_write_ptr(m, 0x200000));
	mem_free(m);
}

static void log_to_file(void *opaque, const char *msg)
{
	fprintf(opaque, "%s\n", msg);
}

Test(mem, open_bus_logged_once_per_site)
{
	struct mem *m = mem_new(1 * MiB);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	mem_set_log(m, log_to_file, f);
	mem_read(m, 0x300000, 1);
	mem_read(m, 0x300004, 4);
	mem_write(m, 0x300000, 1, 1);
	mem_io_read(m, 0x2F8, 1);
	mem_io_read(m, 0x2F8, 1);
	mem_set_log(m, NULL, NULL);
	fclose(f);
	cr_expect_eq(strstr(text, "read at 0x00300000") != NULL, 1, "%s", text);
	int lines = 0;
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	cr_expect_eq(lines, 3, "%s", text);
	free(text);
	mem_free(m);
}

Test(mem, buffers_are_bounded_by_regions)
{
	struct mem *m = mem_new(1 * MiB);
	uint8_t buf[64], src[64];

	memset(src, 0xA5, sizeof(src));
	/* 32 bytes of RAM then 32 of open bus. */
	mem_write_buf(m, 1 * MiB - 32, src, sizeof(src));
	mem_read_buf(m, 1 * MiB - 32, buf, sizeof(buf));
	for (int i = 0; i < 32; i++)
		cr_expect_eq(buf[i], 0xA5);
	for (int i = 32; i < 64; i++)
		cr_expect_eq(buf[i], 0xFF);
	/* Guest-controlled addresses near the top of the address space. */
	mem_read_buf(m, UINT64_MAX - 8, buf, sizeof(buf));
	for (int i = 0; i < 64; i++)
		cr_expect_eq(buf[i], 0xFF);
	mem_write_buf(m, UINT64_MAX - 8, src, sizeof(src));
	mem_free(m);
}

Test(mem, page_pointers_for_ram)
{
	struct mem *m = mem_new(4 * MiB);
	uint8_t *r = mem_page_read_ptr(m, 0x12345), *w = mem_page_write_ptr(m, 0x12345);
	cr_expect_eq(r, mem_ram_ptr(m) + 0x12000);
	cr_expect_eq(w, mem_ram_ptr(m) + 0x12000);
	cr_expect_null(mem_page_read_ptr(m, 4 * MiB));
	mem_free(m);
}

Test(mem, region_priorities_and_aliases)
{
	struct mem *m = mem_new(2 * MiB);
	int rom = mem_add_rom(m, "rom", 0x100000, 0x10000, 1);
	uint64_t sz;
	uint8_t *d = mem_region_data(m, rom, &sz);

	cr_assert_geq(rom, 0);
	cr_assert_eq(sz, 0x10000);
	d[0] = 0x42;
	cr_expect_eq(mem_read(m, 0x100000, 1), 0x42);  /* ROM beats RAM */
	mem_write(m, 0x100000, 0x99, 1);
	cr_expect_eq(d[0], 0x42);                        /* dropped */
	cr_expect_eq(mem_ram_ptr(m)[0x100000], 0);       /* RAM under it untouched */
	cr_expect_null(mem_page_write_ptr(m, 0x100000));
	cr_expect_eq(mem_page_read_ptr(m, 0x100000), d);

	/* Lower priority than RAM: invisible. */
	int hidden = mem_add_rom(m, "hidden", 0x80000, 0x1000, -1);
	cr_assert_geq(hidden, 0);
	mem_write(m, 0x80000, 0x77, 1);
	cr_expect_eq(mem_read(m, 0x80000, 1), 0x77);

	/* A writable alias of RAM and a read-only one. */
	int a = mem_add_alias(m, "mirror", 0x300000, 0x1000, MEM_REGION_RAM, 0x5000, 0, 0);
	int ro = mem_add_alias(m, "mirror-ro", 0x301000, 0x1000, MEM_REGION_RAM, 0x5000, 0,
			       MEM_ALIAS_READONLY);
	cr_assert_geq(a, 0);
	cr_assert_geq(ro, 0);
	mem_write(m, 0x300010, 0xBEEF, 2);
	cr_expect_eq(mem_read(m, 0x5010, 2), 0xBEEF);
	cr_expect_eq(mem_read(m, 0x301010, 2), 0xBEEF);
	mem_write(m, 0x301010, 0x1234, 2);
	cr_expect_eq(mem_read(m, 0x5010, 2), 0xBEEF);
	cr_expect_null(mem_page_write_ptr(m, 0x301000));

	/* Bad registrations. */
	cr_expect_lt(mem_add_alias(m, "too-big", 0, 0x2000, hidden, 0, 0, 0), 0);
	cr_expect_lt(mem_add_alias(m, "no-target", 0, 0x1000, 999, 0, 0, 0), 0);
	cr_expect_lt(mem_add_ram(m, "zero", 0, 0, 0), 0);
	cr_expect_lt(mem_add_rom(m, "wrap", UINT64_MAX - 10, 0x1000, 0), 0);
	cr_expect_lt(mem_region_set_enabled(m, MEM_REGION_RAM, 0), 0);
	mem_free(m);
}

Test(mem, equal_priority_later_wins)
{
	struct mem *m = mem_new(1 * MiB);
	int a = mem_add_ram(m, "a", 0x400000, 0x1000, 3);
	int b = mem_add_ram(m, "b", 0x400000, 0x1000, 3);
	mem_write(m, 0x400000, 7, 1);
	cr_expect_eq(mem_region_data(m, b, NULL)[0], 7);
	cr_expect_eq(mem_region_data(m, a, NULL)[0], 0);
	mem_region_set_enabled(m, b, 0);
	cr_expect_eq(mem_read(m, 0x400000, 1), 0);
	mem_free(m);
}

struct dev {
	uint32_t last_off, last_val;
	int last_size, reads, writes;
	uint8_t regs[16];
};

static uint32_t dev_read(void *o, uint32_t off, int size)
{
	struct dev *d = o;
	uint32_t v = 0;
	d->reads++;
	d->last_off = off;
	d->last_size = size;
	for (int i = 0; i < size; i++)
		v |= (uint32_t)d->regs[(off + i) & 15] << (8 * i);
	return v;
}

static void dev_write(void *o, uint32_t off, uint32_t v, int size)
{
	struct dev *d = o;
	d->writes++;
	d->last_off = off;
	d->last_val = v;
	d->last_size = size;
	for (int i = 0; i < size; i++)
		d->regs[(off + i) & 15] = (uint8_t)(v >> (8 * i));
}

Test(mem, mmio_callbacks_and_splitting)
{
	struct mem *m = mem_new(1 * MiB);
	struct dev d = { 0 }, b = { 0 };
	int id = mem_add_mmio(m, "dev", 0xFEE00000, 0x10, 0, dev_read, dev_write, &d, 4);
	int bid = mem_add_mmio(m, "bytes", 0xFED00000, 0x10, 0, dev_read, dev_write, &b, 1);

	cr_assert_geq(id, 0);
	cr_assert_geq(bid, 0);
	cr_expect_null(mem_page_read_ptr(m, 0xFEE00000));
	mem_write(m, 0xFEE00004, 0xCAFEBABE, 4);
	cr_expect_eq(d.writes, 1);
	cr_expect_eq(d.last_off, 4);
	cr_expect_eq(d.last_size, 4);
	cr_expect_eq(mem_read(m, 0xFEE00004, 4), 0xCAFEBABE);
	cr_expect_eq(d.reads, 1);
	/* A dword read crossing the region's end: 2 bytes from the device, 2 open bus. */
	cr_expect_eq(mem_read(m, 0xFEE0000E, 4), 0xFFFF0000u | (uint32_t)d.regs[14] | (uint32_t)d.regs[15] << 8);
	/* Byte-wide device: a dword becomes four byte accesses. */
	mem_write(m, 0xFED00000, 0x44332211, 4);
	cr_expect_eq(b.writes, 4);
	cr_expect_eq(b.last_size, 1);
	cr_expect_eq(b.last_off, 3);
	cr_expect_eq(mem_read(m, 0xFED00000, 4), 0x44332211);
	cr_expect_eq(b.reads, 4);
	/* Moving and disabling a region. */
	cr_expect_eq(mem_region_move(m, id, 0xFEC00000), 0);
	cr_expect_eq(mem_read(m, 0xFEE00004, 4), 0xFFFFFFFF);
	cr_expect_eq(mem_read(m, 0xFEC00004, 4), 0xCAFEBABE);
	mem_region_set_enabled(m, id, 0);
	cr_expect_eq(mem_read(m, 0xFEC00004, 4), 0xFFFFFFFF);
	mem_free(m);
}

Test(mem, io_routing_and_splitting)
{
	struct mem *m = mem_new(1 * MiB);
	struct dev bytes = { 0 }, words = { 0 }, over = { 0 };
	int b = mem_add_io(m, "bytes", 0x70, 2, 0, dev_read, dev_write, &bytes, 1);
	int w = mem_add_io(m, "words", 0x1F0, 8, 0, dev_read, dev_write, &words, 2);

	cr_assert_geq(b, 0);
	cr_assert_geq(w, 0);
	/* 16-bit access to a byte-wide region: two byte accesses to consecutive ports. */
	mem_io_write(m, 0x70, 0xBBAA, 2);
	cr_expect_eq(bytes.writes, 2);
	cr_expect_eq(bytes.regs[0], 0xAA);
	cr_expect_eq(bytes.regs[1], 0xBB);
	cr_expect_eq(mem_io_read(m, 0x70, 2), 0xBBAA);
	cr_expect_eq(bytes.reads, 2);
	/* 32-bit access to a word-wide region: two word accesses. */
	mem_io_write(m, 0x1F0, 0x44332211, 4);
	cr_expect_eq(words.writes, 2);
	cr_expect_eq(words.last_size, 2);
	cr_expect_eq(words.last_off, 2);
	cr_expect_eq(mem_io_read(m, 0x1F0, 4), 0x44332211);
	/* Partly outside the region: the missing byte reads 0xFF. */
	cr_expect_eq(mem_io_read(m, 0x71, 2), 0xFF00 | bytes.regs[1]);
	cr_expect_eq(mem_io_read(m, 0x3F8, 1), 0xFF);
	cr_expect_eq(mem_io_read(m, 0x3F8, 4), 0xFFFFFFFF);
	cr_expect_eq(mem_io_read(m, 0xFFFF, 2), 0xFFFF);
	/* A higher-priority region over part of another splits the access. */
	int o = mem_add_io(m, "over", 0x1F2, 1, 1, dev_read, dev_write, &over, 4);
	cr_assert_geq(o, 0);
	words.writes = 0;
	mem_io_write(m, 0x1F2, 0xABCD, 2);
	cr_expect_eq(over.writes, 1);
	cr_expect_eq(over.regs[0], 0xCD);
	cr_expect_eq(words.writes, 1);
	cr_expect_eq(words.last_off, 3);
	cr_expect_eq(words.last_size, 1);
	/* Moving a port region (PCI I/O BARs, the PIIX4 PM base). */
	cr_expect_eq(mem_region_move(m, b, 0x170), 0);
	cr_expect_eq(mem_io_read(m, 0x70, 1), 0xFF);
	cr_expect_eq(mem_io_read(m, 0x170, 1), 0xAA);
	cr_expect_lt(mem_region_move(m, b, 0xFFFF), 0);
	cr_expect_lt(mem_add_io(m, "wrap", 0xFFFF, 2, 0, dev_read, dev_write, &over, 1), 0);
	cr_expect_lt(mem_add_io(m, "width", 0x80, 1, 0, dev_read, dev_write, &over, 3), 0);
	mem_free(m);
}

struct code_log {
	int calls;
	uint64_t pa[8], len[8];
};

static void on_code_write(void *o, uint64_t pa, uint64_t len)
{
	struct code_log *l = o;
	if (l->calls < 8) {
		l->pa[l->calls] = pa;
		l->len[l->calls] = len;
	}
	l->calls++;
}

Test(mem, code_pages_take_slow_path_once)
{
	struct mem *m = mem_new(1 * MiB);
	struct code_log log = { 0 };
	uint64_t gen;

	mem_set_code_write_handler(m, on_code_write, &log);
	gen = mem_generation(m);
	mem_mark_code_page(m, 0x7C00);
	cr_expect(mem_code_page_marked(m, 0x7000));
	cr_expect_null(mem_page_write_ptr(m, 0x7C00));
	cr_expect_not_null(mem_page_read_ptr(m, 0x7C00));
	mem_write(m, 0x7C10, 0x90, 1);
	cr_expect_eq(log.calls, 1);
	cr_expect_eq(log.pa[0], 0x7000);
	cr_expect_eq(log.len[0], 4096);
	cr_expect_eq(mem_read(m, 0x7C10, 1), 0x90);
	cr_expect(!mem_code_page_marked(m, 0x7000));
	cr_expect_not_null(mem_page_write_ptr(m, 0x7C00));
	mem_write(m, 0x7C11, 0x90, 1);
	cr_expect_eq(log.calls, 1);
	cr_expect_eq(mem_generation(m), gen);
	mem_free(m);
}

/* A filter that clears writes below offset 0x800 of their page. */
static uint64_t filter_pa[8], filter_len[8];
static int filter_calls;
static int low_half_is_data(void *o, uint64_t pa, uint64_t len)
{
	(void)o;
	if (filter_calls < 8) {
		filter_pa[filter_calls] = pa;
		filter_len[filter_calls] = len;
	}
	filter_calls++;
	return (pa & 0xfff) + len <= 0x800;
}

Test(mem, code_write_filter_keeps_the_page_marked)
{
	struct mem *m = mem_new(1 * MiB);
	struct code_log log = { 0 };
	uint8_t buf[0x1100];

	filter_calls = 0;
	mem_set_code_write_handler(m, on_code_write, &log);
	mem_set_code_write_filter(m, low_half_is_data);
	mem_mark_code_page(m, 0x7000);
	/* Cleared by the filter: written, page still marked, no handler call. */
	mem_write(m, 0x7010, 0x12345678, 4);
	cr_expect_eq(filter_calls, 1);
	cr_expect_eq(filter_pa[0], 0x7010);
	cr_expect_eq(filter_len[0], 4);
	cr_expect_eq(log.calls, 0);
	cr_expect_eq(mem_read(m, 0x7010, 4), 0x12345678);
	cr_expect(mem_code_page_marked(m, 0x7000));
	cr_expect_null(mem_page_write_ptr(m, 0x7000));
	/* Not cleared: the handler runs and the page is unmarked. */
	mem_write(m, 0x7ffe, 0xabcd, 2);
	cr_expect_eq(filter_calls, 2);
	cr_expect_eq(log.calls, 1);
	cr_expect_eq(log.pa[0], 0x7000);
	cr_expect(!mem_code_page_marked(m, 0x7000));
	cr_expect_eq(mem_read(m, 0x7ffe, 2), 0xabcd);
	/* A DMA write over two marked pages: the filter sees each page's part. */
	mem_mark_code_page(m, 0x8000);
	mem_mark_code_page(m, 0x9000);
	memset(buf, 0x5a, sizeof(buf));
	mem_write_buf(m, 0x8f00, buf, 0x200);     /* 0x8f00-0x90ff */
	cr_expect_eq(filter_calls, 4);
	cr_expect_eq(filter_pa[2], 0x8f00);
	cr_expect_eq(filter_len[2], 0x100);
	cr_expect_eq(filter_pa[3], 0x9000);
	cr_expect_eq(filter_len[3], 0x100);
	cr_expect_eq(log.calls, 2, "only the page whose part the filter refused");
	cr_expect_eq(log.pa[1], 0x8000);
	cr_expect(!mem_code_page_marked(m, 0x8000));
	cr_expect(mem_code_page_marked(m, 0x9000));
	cr_expect_eq(mem_read(m, 0x90ff, 1), 0x5a);
	mem_free(m);
}

Test(mem, dma_writes_honour_code_pages)
{
	struct mem *m = mem_new(1 * MiB);
	struct code_log log = { 0 };
	uint8_t buf[0x2000];

	memset(buf, 0xCC, sizeof(buf));
	mem_set_code_write_handler(m, on_code_write, &log);
	mem_mark_code_page(m, 0x10000);
	mem_mark_code_page(m, 0x11000);
	mem_mark_code_page(m, 0x13000);
	mem_write_buf(m, 0x10800, buf, sizeof(buf));   /* 0x10800-0x127FF */
	cr_expect_eq(log.calls, 2);
	cr_expect_eq(log.pa[0], 0x10000);
	cr_expect_eq(log.pa[1], 0x11000);
	cr_expect(mem_code_page_marked(m, 0x13000));
	cr_expect_eq(mem_read(m, 0x127FF, 1), 0xCC);
	cr_expect_eq(mem_read(m, 0x12800, 1), 0);
	mem_free(m);
}

Test(mem, generation_moves_only_on_layout_change)
{
	struct mem *m = mem_new(1 * MiB);
	struct dev d = { 0 };
	uint64_t g = mem_generation(m);

	mem_write(m, 0x100, 1, 4);
	mem_read(m, 0x100, 4);
	mem_io_read(m, 0x80, 1);
	cr_expect_eq(mem_generation(m), g);
	/* A region hidden under higher-priority RAM changes nothing. */
	int hidden = mem_add_rom(m, "hidden", 0x1000, 0x1000, -5);
	cr_expect_eq(mem_generation(m), g);
	mem_region_set_enabled(m, hidden, 0);
	cr_expect_eq(mem_generation(m), g);
	/* Port regions are not part of the memory view. */
	mem_add_io(m, "port", 0x80, 1, 0, dev_read, dev_write, &d, 1);
	cr_expect_eq(mem_generation(m), g);
	int r = mem_add_mmio(m, "dev", 0xFEB00000, 0x1000, 0, dev_read, dev_write, &d, 4);
	cr_expect_gt(mem_generation(m), g);
	g = mem_generation(m);
	mem_region_set_enabled(m, r, 1);       /* already enabled */
	mem_region_move(m, r, 0xFEB00000);     /* same place */
	cr_expect_eq(mem_generation(m), g);
	mem_region_move(m, r, 0xFEA00000);
	cr_expect_gt(mem_generation(m), g);
	mem_free(m);
}

Test(mem, ram_split_at_pci_hole)
{
	struct mem *m = mem_new(256 * MiB);
	char buf[4096];

	/* Below MEM_PCI_HOLE everything is below 4 GiB. */
	cr_expect_eq(mem_read(m, 256 * MiB - 4, 4), 0);
	cr_expect_eq(mem_read(m, MEM_4G, 4), 0xFFFFFFFF);
	mem_format_mtree(m, buf, sizeof(buf));
	cr_expect(strstr(buf, "ram-below-4g") != NULL, "%s", buf);
	cr_expect(strstr(buf, "ram-above-4g") == NULL, "%s", buf);
	mem_free(m);
}

Test(mem, split_follows_qemu_pc)
{
	uint64_t lo, hi;

	mem_split_ram(128 * MiB, &lo, &hi);
	cr_expect_eq(lo, 128 * MiB);
	cr_expect_eq(hi, 0);
	mem_split_ram(MEM_PCI_HOLE - MiB, &lo, &hi);
	cr_expect_eq(lo, MEM_PCI_HOLE - MiB);
	cr_expect_eq(hi, 0);
	/* From 3.5 GiB on only 3 GiB stay below 4 GiB (gigabyte alignment). */
	mem_split_ram(MEM_PCI_HOLE, &lo, &hi);
	cr_expect_eq(lo, MEM_LOWMEM_ALIGNED);
	cr_expect_eq(hi, MEM_PCI_HOLE - MEM_LOWMEM_ALIGNED);
}

#ifndef __SANITIZE_ADDRESS__
Test(mem, ram_above_pci_hole_goes_above_4g)
{
	/* 3.5 GiB + 1 MiB: 3 GiB at 0, the rest at 4 GiB (lazily allocated). */
	struct mem *m = mem_new(MEM_PCI_HOLE + MiB);
	uint64_t above = MEM_PCI_HOLE + MiB - MEM_LOWMEM_ALIGNED;
	cr_assert_not_null(m);
	mem_write(m, MEM_LOWMEM_ALIGNED - 4, 0x11111111, 4);
	mem_write(m, MEM_4G, 0x22222222, 4);
	cr_expect_eq(mem_read(m, MEM_LOWMEM_ALIGNED - 4, 4), 0x11111111);
	cr_expect_eq(mem_read(m, MEM_LOWMEM_ALIGNED, 4), 0xFFFFFFFF);
	cr_expect_eq(mem_read(m, MEM_4G, 4), 0x22222222);
	cr_expect_eq(mem_ram_ptr(m)[MEM_LOWMEM_ALIGNED], 0x22);
	cr_expect_eq(mem_read(m, MEM_4G + above - 4, 4), 0);
	cr_expect_eq(mem_read(m, MEM_4G + above, 4), 0xFFFFFFFF);
	mem_free(m);
}
#endif

Test(mem, mtree_is_stable_text)
{
	struct mem *m = mem_new(1 * MiB);
	char a[4096], b[4096];
	size_t n;

	mem_add_rom(m, "rom", 0xFFFF0000, 0x10000, 0);
	n = mem_format_mtree(m, a, sizeof(a));
	cr_expect_eq(n, strlen(a));
	mem_format_mtree(m, b, sizeof(b));
	cr_expect_str_eq(a, b);
	cr_expect(strstr(a, "00000000ffff0000-00000000ffffffff prio 0 rom   rom") != NULL, "%s", a);
	cr_expect(strstr(a, "0000000000000000-00000000000fffff read ram+0x0 write ram+0x0") != NULL, "%s", a);
	cr_expect(strstr(a, "read rom+0x0 (rom) write rom+0x0 (rom)") != NULL, "%s", a);
	/* Truncation is NUL-terminated and reports the full length. */
	cr_expect_eq(mem_format_mtree(m, b, 10), n);
	cr_expect_eq(strlen(b), 9);
	mem_free(m);
}

Test(mem, print_matches_format)
{
	struct mem *m = mem_new(1 * MiB);
	char *text = NULL, buf[8192];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	mem_print_mtree(m, f);
	mem_print_roms(m, f);
	mem_print_pam(m, f);
	fclose(f);
	size_t n = mem_format_mtree(m, buf, sizeof(buf));
	n += mem_format_roms(m, buf + n, sizeof(buf) - n);
	mem_format_pam(m, buf + n, sizeof(buf) - n);
	cr_expect_str_eq(text, buf);
	cr_expect(strstr(buf, "no ROM blobs\n") != NULL, "%s", buf);
	cr_expect(strstr(buf, "no i440FX") != NULL, "%s", buf);
	free(text);
	mem_free(m);
}

struct watch_seen {
	int n;
	uint64_t pa;
	int size;
	uint32_t value;
};

static void on_watch_read(void *opaque, uint64_t pa, int size, uint32_t value)
{
	struct watch_seen *w = opaque;
	w->n++;
	w->pa = pa;
	w->size = size;
	w->value = value;
}

/* A read watch takes the page off the fast path and reports mem_read calls
 * that overlap the range, with the value; fetches, buffer reads and writes
 * stay silent, and removing the watch restores the fast pointer. */
Test(mem, read_watch_reports_overlapping_reads_only)
{
	struct mem *m = mem_new(2 * MiB);
	struct watch_seen w = { 0 };
	struct mem_hooks h = { .opaque = &w, .watch_read = on_watch_read };
	uint8_t buf[8];
	uint64_t gen, hgen;
	int id;

	cr_assert_not_null(m);
	mem_set_hooks(m, &h);
	mem_write(m, 0x5000, 0x44332211, 4);
	cr_assert_not_null(mem_page_read_ptr(m, 0x5000));
	gen = mem_generation(m);
	hgen = mem_host_generation(m);
	id = mem_watch_add(m, 0x5002, 2);
	cr_assert_geq(id, 0);
	cr_expect_null(mem_page_read_ptr(m, 0x5000), "a watched page has no fast read pointer");
	cr_expect_not_null(mem_page_read_ptr(m, 0x6000), "its neighbour keeps one");
	cr_expect_eq(mem_generation(m), gen, "the map did not change");
	cr_expect_neq(mem_host_generation(m), hgen, "TLBs must refresh their pointers");
	cr_expect_not_null(mem_page_write_ptr(m, 0x5000), "writes keep their fast path");

	cr_expect_eq(mem_read(m, 0x5000, 2), 0x2211);
	cr_expect_eq(w.n, 0, "0x5000-0x5001 does not overlap 0x5002-0x5003");
	cr_expect_eq(mem_read(m, 0x5001, 2), 0x3322);
	cr_expect_eq(w.n, 1);
	cr_expect_eq(w.pa, 0x5001);
	cr_expect_eq(w.size, 2);
	cr_expect_eq(w.value, 0x3322);
	cr_expect_eq(mem_read(m, 0x5000, 4), 0x44332211);
	cr_expect_eq(w.n, 2);
	cr_expect_eq(mem_read(m, 0x5004, 1), 0);
	cr_expect_eq(w.n, 2, "past the range");

	cr_expect_eq(mem_fetch(m, 0x5002, 2), 0x4433);
	mem_read_buf(m, 0x5000, buf, sizeof(buf));
	mem_write(m, 0x5002, 0x55, 1);
	cr_expect_eq(w.n, 2, "fetch, buffer read and write are not watched reads");

	mem_watch_remove(m, id);
	cr_expect_not_null(mem_page_read_ptr(m, 0x5000));
	cr_expect_eq(mem_read(m, 0x5002, 1), 0x55);
	cr_expect_eq(w.n, 2, "no report after removal");
	mem_free(m);
}

Test(mem, read_watch_limits)
{
	struct mem *m = mem_new(1 * MiB);
	int ids[MEM_MAX_WATCH];

	cr_assert_not_null(m);
	cr_expect_eq(mem_watch_add(m, 0x1000, 0), -EINVAL);
	cr_expect_eq(mem_watch_add(m, 0x100000000ull, 4), -EINVAL);
	for (int i = 0; i < MEM_MAX_WATCH; i++)
		cr_assert_geq(ids[i] = mem_watch_add(m, 0x1000 + 16u * (unsigned)i, 4), 0);
	cr_expect_eq(mem_watch_add(m, 0x2000, 4), -ENOSPC);
	/* Two watches share page 0x1000: it stays watched until both go. */
	mem_watch_remove(m, ids[0]);
	cr_expect_null(mem_page_read_ptr(m, 0x1000));
	for (int i = 1; i < MEM_MAX_WATCH; i++)
		mem_watch_remove(m, ids[i]);
	cr_expect_not_null(mem_page_read_ptr(m, 0x1000));
	cr_expect_geq(mem_watch_add(m, 0x2000, 4), 0, "slots are reused");
	mem_free(m);
}
