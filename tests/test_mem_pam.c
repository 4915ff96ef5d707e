/*
 * tests/test_mem_pam.c: i440FX PAM and SMRAM routing (mem/pam.c), after
 * QEMU's tests/qtest/i440fx-test.c PAM test but covering every window, every
 * mode and the read/write split modes 1 and 2 (82441FX datasheet §3.2,
 * PAM[6:0] 59h-5Fh and SMRAM 72h).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"

#define MiB (1ull << 20)

struct window {
	uint32_t lo;
	int reg, shift;
};

/* The 13 PAM windows: PAM0[7:4] -> 0xF0000, PAMn[3:0]/[7:4] -> 16 KiB each. */
static struct window win(int i)
{
	struct window w;
	if (i == 0) {
		w.lo = 0xF0000;
		w.reg = 0;
		w.shift = 4;
	} else {
		w.lo = 0xC0000 + 0x4000 * (uint32_t)(i - 1);
		w.reg = 1 + (i - 1) / 2;
		w.shift = ((i - 1) & 1) * 4;
	}
	return w;
}

static uint32_t win_size(int i) { return i == 0 ? 0x10000 : 0x4000; }

/* ROM/PCI side content at pa and shadow RAM content at pa. */
static uint8_t rom_byte(uint32_t pa) { return (uint8_t)(0x5A ^ (pa >> 8) ^ pa); }
static uint8_t ram_byte(uint32_t pa) { return (uint8_t)(0xC3 ^ (pa >> 6) ^ (pa * 7)); }

struct rig {
	struct mem *m;
	uint8_t *ram;
	uint8_t image[256 << 10];    /* its top 128 KiB covers 0xE0000-0xFFFFF */
	uint8_t optrom[128 << 10];   /* 0xC0000-0xDFFFF on the PCI side */
};

static struct rig *rig_new(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	int id;

	cr_assert_not_null(r);
	r->m = mem_new(16 * MiB);
	cr_assert_not_null(r->m);
	r->ram = mem_ram_ptr(r->m);
	/* image[i] appears at 0xFFFC0000 + i and, for its top half, at 0xC0000 + i. */
	for (uint32_t i = 0; i < sizeof(r->image); i++)
		r->image[i] = rom_byte(0xC0000 + i);
	for (uint32_t i = 0; i < sizeof(r->optrom); i++)
		r->optrom[i] = rom_byte(0xC0000 + i);
	cr_assert_eq(mem_setup_bios(r->m, MEM_MACHINE_PC, "bios-256k.bin", r->image, sizeof(r->image)), 0);
	id = mem_add_rom(r->m, "optroms", 0xC0000, sizeof(r->optrom), 1);
	cr_assert_geq(id, 0);
	cr_assert_geq(rom_add_blob_region(r->m, "optroms", r->optrom, sizeof(r->optrom), id, 0, 0), 0);
	mem_system_reset(r->m);
	for (uint32_t pa = 0xC0000; pa < 0x100000; pa++)
		r->ram[pa] = ram_byte(pa);
	return r;
}

static void rig_free(struct rig *r)
{
	mem_free(r->m);
	free(r);
}

static void expect_window_reads(struct rig *r, int i, int from_ram)
{
	struct window w = win(i);
	uint32_t pts[] = { w.lo, w.lo + 1, w.lo + 0x1FFF, w.lo + win_size(i) - 4 };
	uint8_t buf[64];

	for (size_t k = 0; k < sizeof(pts) / sizeof(pts[0]); k++) {
		uint32_t pa = pts[k];
		uint32_t want = 0;
		for (int b = 0; b < 4; b++)
			want |= (uint32_t)(from_ram ? r->ram[pa + b] : rom_byte(pa + b)) << (8 * b);
		cr_expect_eq(mem_read(r->m, pa, 4), want, "window %d pa %05x mode read %s: got %08x want %08x",
			     i, pa, from_ram ? "ram" : "rom", mem_read(r->m, pa, 4), want);
		uint8_t *p = mem_page_read_ptr(r->m, pa);
		cr_expect_not_null(p);
		if (p)
			cr_expect_eq(p[pa & 0xFFF], from_ram ? r->ram[pa] : rom_byte(pa));
	}
	mem_read_buf(r->m, w.lo + 0x100, buf, sizeof(buf));
	for (int b = 0; b < 64; b++)
		cr_expect_eq(buf[b], from_ram ? r->ram[w.lo + 0x100 + b] : rom_byte(w.lo + 0x100 + b));
}

static void check_mode(int i, int mode)
{
	struct rig *r = rig_new();
	struct window w = win(i);
	int re = mode & 1, we = (mode >> 1) & 1;
	uint32_t pa = w.lo + 0x10;
	uint8_t dma[16];

	mem_pam_write(r->m, w.reg, (uint8_t)(mode << w.shift));
	cr_expect_eq(mem_pam_read(r->m, w.reg), (uint8_t)(mode << w.shift));
	expect_window_reads(r, i, re);

	/* CPU write, DMA write and the TLB's write pointer. */
	mem_write(r->m, pa, 0xA1B2C3D4, 4);
	memset(dma, 0xEE, sizeof(dma));
	mem_write_buf(r->m, w.lo + win_size(i) - 8, dma, 8);
	if (we) {
		cr_expect_eq(r->ram[pa], 0xD4, "window %d mode %d", i, mode);
		cr_expect_eq(r->ram[pa + 3], 0xA1);
		cr_expect_eq(r->ram[w.lo + win_size(i) - 1], 0xEE);
		cr_expect_eq(mem_page_write_ptr(r->m, w.lo), r->ram + w.lo);
	} else {
		cr_expect_eq(r->ram[pa], ram_byte(pa), "window %d mode %d", i, mode);
		cr_expect_eq(r->ram[w.lo + win_size(i) - 1], ram_byte(w.lo + win_size(i) - 1));
		cr_expect_null(mem_page_write_ptr(r->m, w.lo));
	}
	/* Reads after the write come from the read side only. */
	cr_expect_eq(mem_read(r->m, pa, 1), re ? r->ram[pa] : rom_byte(pa));
	/* ROM never changes. */
	for (uint32_t a = w.lo; a < w.lo + win_size(i); a += 0x400)
		cr_expect_eq(mem_read(r->m, a, 1), re ? r->ram[a] : rom_byte(a));
	struct rom_info info;
	uint64_t dropped = 0;
	for (int k = 0; k < rom_count(r->m); k++) {
		cr_assert_eq(rom_get_info(r->m, k, &info), 0);
		dropped += info.dropped_writes;
	}
	cr_expect_eq(dropped, we ? 0 : 2, "window %d mode %d dropped %llu", i, mode,
		     (unsigned long long)dropped);
	/* The other windows stay in mode 0 (ROM/PCI both ways). */
	for (int j = 0; j < 13; j++) {
		if (j == i)
			continue;
		struct window o = win(j);
		cr_expect_eq(mem_read(r->m, o.lo + 8, 1), rom_byte(o.lo + 8), "window %d after %d", j, i);
	}
	rig_free(r);
}

Test(mem_pam, every_window_every_mode)
{
	for (int i = 0; i < 13; i++)
		for (int mode = 0; mode < 4; mode++)
			check_mode(i, mode);
}

/* QEMU's i440fx-test sequence on one window, with the split modes working. */
Test(mem_pam, qemu_style_sequence_each_window)
{
	for (int i = 0; i < 13; i++) {
		struct rig *r = rig_new();
		struct window w = win(i);
		uint32_t pa = w.lo + 0x200;

		/* Mode 3: write 0x11 into RAM. */
		mem_pam_write(r->m, w.reg, (uint8_t)(3 << w.shift));
		mem_write(r->m, pa, 0x11, 1);
		cr_expect_eq(mem_read(r->m, pa, 1), 0x11);
		/* Mode 2 (write-only RAM): reads show ROM, a write of 0x22 lands in RAM. */
		mem_pam_write(r->m, w.reg, (uint8_t)(2 << w.shift));
		cr_expect_eq(mem_read(r->m, pa, 1), rom_byte(pa));
		mem_write(r->m, pa, 0x22, 1);
		cr_expect_eq(mem_read(r->m, pa, 1), rom_byte(pa));
		/* Mode 1 (read-only RAM): reads show 0x22, a write of 0x33 is dropped. */
		mem_pam_write(r->m, w.reg, (uint8_t)(1 << w.shift));
		cr_expect_eq(mem_read(r->m, pa, 1), 0x22, "window %d", i);
		mem_write(r->m, pa, 0x33, 1);
		cr_expect_eq(mem_read(r->m, pa, 1), 0x22);
		/* Mode 0: ROM again; mode 3: RAM still 0x22. */
		mem_pam_write(r->m, w.reg, 0);
		cr_expect_eq(mem_read(r->m, pa, 1), rom_byte(pa));
		mem_pam_write(r->m, w.reg, (uint8_t)(3 << w.shift));
		cr_expect_eq(mem_read(r->m, pa, 1), 0x22);
		rig_free(r);
	}
}

Test(mem_pam, unused_bits_are_kept_but_do_not_route)
{
	struct rig *r = rig_new();
	uint64_t g = mem_generation(r->m);

	mem_pam_write(r->m, 3, 0xCC);   /* bits 2-3 and 6-7 only */
	cr_expect_eq(mem_pam_read(r->m, 3), 0xCC);
	cr_expect_eq(mem_generation(r->m), g);
	cr_expect_eq(mem_read(r->m, 0xD0000, 1), rom_byte(0xD0000));
	mem_pam_write(r->m, 3, 0xCD);   /* low nibble RE */
	cr_expect_gt(mem_generation(r->m), g);
	cr_expect_eq(mem_read(r->m, 0xD0000, 1), r->ram[0xD0000]);
	cr_expect_eq(mem_pam_read(r->m, 7), 0xFF);
	cr_expect_eq(mem_pam_read(r->m, -1), 0xFF);
	mem_pam_write(r->m, 7, 0x33);   /* ignored */
	rig_free(r);
}

Test(mem_pam, generation_moves_only_when_routing_changes)
{
	struct rig *r = rig_new();
	uint64_t g = mem_generation(r->m);

	mem_pam_write(r->m, 0, 0x00);
	cr_expect_eq(mem_generation(r->m), g);
	mem_pam_write(r->m, 0, 0x30);
	cr_expect_eq(mem_generation(r->m), g + 1);
	mem_pam_write(r->m, 0, 0x30);
	cr_expect_eq(mem_generation(r->m), g + 1);
	mem_smram_write(r->m, 0x02);
	mem_set_smm(r->m, 1);             /* G_SMRAME clear: same view in SMM */
	mem_set_smm(r->m, 0);
	cr_expect_eq(mem_generation(r->m), g + 1);
	rig_free(r);
}

struct hook_log {
	int pam, smram, rom_write;
	int last_reg;
	uint8_t last_old, last_new;
	uint64_t last_pa, last_len;
};

static void on_pam(void *o, int reg, uint8_t old, uint8_t nw)
{
	struct hook_log *l = o;
	l->pam++;
	l->last_reg = reg;
	l->last_old = old;
	l->last_new = nw;
}

static void on_smram(void *o, uint8_t old, uint8_t nw)
{
	struct hook_log *l = o;
	l->smram++;
	l->last_old = old;
	l->last_new = nw;
}

static void on_rom_write(void *o, uint64_t pa, uint64_t len)
{
	struct hook_log *l = o;
	l->rom_write++;
	l->last_pa = pa;
	l->last_len = len;
}

Test(mem_pam, hooks_see_updates_and_dropped_writes)
{
	struct rig *r = rig_new();
	struct hook_log log = { 0 };
	struct mem_hooks h = { .opaque = &log, .pam_update = on_pam, .smram_update = on_smram,
			       .rom_write = on_rom_write };

	mem_set_hooks(r->m, &h);
	mem_pam_write(r->m, 0, 0x10);
	cr_expect_eq(log.pam, 1);
	cr_expect_eq(log.last_reg, 0);
	cr_expect_eq(log.last_old, 0x00);
	cr_expect_eq(log.last_new, 0x10);
	mem_write(r->m, 0xF0000, 0x1234, 2);    /* mode 1: write goes to ROM, dropped */
	cr_expect_eq(log.rom_write, 1);
	cr_expect_eq(log.last_pa, 0xF0000);
	cr_expect_eq(log.last_len, 2);
	mem_write(r->m, 0xFFFF0000, 0x12, 1);
	cr_expect_eq(log.rom_write, 2);
	mem_smram_write(r->m, 0x4A);
	cr_expect_eq(log.smram, 1);
	cr_expect_eq(log.last_old, 0x02);
	cr_expect_eq(log.last_new, 0x4A);
	mem_set_hooks(r->m, NULL);
	mem_pam_write(r->m, 0, 0x30);
	cr_expect_eq(log.pam, 1);
	rig_free(r);
}

Test(mem_pam, chipset_load_recomputes_routing)
{
	struct rig *r = rig_new();
	uint8_t pam[7] = { 0x10, 0x11, 0x11, 0x11, 0x11, 0x11, 0x31 };

	mem_chipset_load(r->m, pam, 0x02);
	for (int i = 0; i < 7; i++)
		cr_expect_eq(mem_pam_read(r->m, i), pam[i]);
	cr_expect_eq(mem_read(r->m, 0xF0000, 1), r->ram[0xF0000]);
	cr_expect_eq(mem_read(r->m, 0xC0000, 1), r->ram[0xC0000]);
	mem_write(r->m, 0xEC000, 0x77, 1);
	cr_expect_eq(r->ram[0xEC000], 0x77);
	rig_free(r);
}

Test(mem_pam, render_lists_every_window)
{
	struct rig *r = rig_new();
	char buf[8192];

	mem_pam_write(r->m, 0, 0x20);
	mem_pam_write(r->m, 6, 0x13);
	mem_format_pam(r->m, buf, sizeof(buf));
	cr_expect(strstr(buf, "PAM0.hi f0000-fffff reg=0x20 mode 2 (r:rom/pci w:ram) read rom/pci(bios) write ram(ram)\n") != NULL, "%s", buf);
	cr_expect(strstr(buf, "PAM6.lo e8000-ebfff reg=0x13 mode 3 (r:ram w:ram) read ram(ram) write ram(ram)\n") != NULL, "%s", buf);
	cr_expect(strstr(buf, "PAM6.hi ec000-effff reg=0x13 mode 1 (r:ram w:rom/pci) read ram(ram) write rom/pci(bios)\n") != NULL, "%s", buf);
	cr_expect(strstr(buf, "PAM1.lo c0000-c3fff reg=0x00 mode 0 (r:rom/pci w:rom/pci) read rom/pci(optroms) write rom/pci(optroms)\n") != NULL, "%s", buf);
	cr_expect(strstr(buf, "SMRAM a0000-bffff reg=0x02 smm=0 read rom/pci(open-bus) write rom/pci(open-bus)\n") != NULL, "%s", buf);
	int lines = 0;
	for (char *p = buf; *p; p++)
		lines += *p == '\n';
	cr_expect_eq(lines, 14);
	rig_free(r);
}

/* ---- SMRAM ---- */

Test(mem_smram, closed_open_and_smm_views)
{
	struct mem *m = mem_new(1 * MiB);
	uint8_t *ram = mem_ram_ptr(m);

	mem_enable_i440fx(m);
	ram[0xA0000] = 0x5E;
	/* Default 0x02: the VGA/PCI window (nothing here: open bus). */
	cr_expect_eq(mem_smram_read(m), 0x02);
	cr_expect_eq(mem_read(m, 0xA0000, 1), 0xFF);
	mem_write(m, 0xA0001, 0x99, 1);
	cr_expect_eq(ram[0xA0001], 0);
	/* bios-256k.bin: 0x4A (D_OPEN | G_SMRAME) opens SMRAM to everyone. */
	mem_smram_write(m, 0x4A);
	cr_expect_eq(mem_read(m, 0xA0000, 1), 0x5E);
	mem_write(m, 0xA0001, 0x99, 1);
	cr_expect_eq(ram[0xA0001], 0x99);
	/* 0x0A: closed; only SMM sees RAM. */
	mem_smram_write(m, 0x0A);
	cr_expect_eq(mem_read(m, 0xA0000, 1), 0xFF);
	mem_set_smm(m, 1);
	cr_expect_eq(mem_read(m, 0xA0000, 1), 0x5E);
	cr_expect_eq(mem_page_read_ptr(m, 0xA0000), ram + 0xA0000);
	mem_set_smm(m, 0);
	cr_expect_eq(mem_read(m, 0xA0000, 1), 0xFF);
	cr_expect_null(mem_page_read_ptr(m, 0xA0000));
	/* Without G_SMRAME, SMM sees the PCI window too. */
	mem_smram_write(m, 0x02);
	mem_set_smm(m, 1);
	cr_expect_eq(mem_read(m, 0xA0000, 1), 0xFF);
	mem_free(m);
}

Test(mem_smram, vga_window_when_closed)
{
	struct mem *m = mem_new(1 * MiB);
	int vram = mem_add_ram(m, "vga", 0xA0000, 0x20000, 1);
	uint8_t *ram = mem_ram_ptr(m);

	mem_enable_i440fx(m);
	mem_write(m, 0xB8000, 0x41, 1);
	cr_expect_eq(mem_region_data(m, vram, NULL)[0x18000], 0x41);
	cr_expect_eq(ram[0xB8000], 0);
	mem_smram_write(m, 0x48);
	mem_write(m, 0xB8000, 0x42, 1);
	cr_expect_eq(ram[0xB8000], 0x42);
	cr_expect_eq(mem_region_data(m, vram, NULL)[0x18000], 0x41);
	mem_free(m);
}

Test(mem_smram, lock_is_sticky_until_system_reset)
{
	struct mem *m = mem_new(1 * MiB);

	mem_enable_i440fx(m);
	/* D_LCK clears D_OPEN even in the same write. */
	mem_smram_write(m, 0x58);
	cr_expect_eq(mem_smram_read(m), 0x1A);
	/* Locked: D_OPEN, D_LCK and G_SMRAME are read-only; D_CLS still writes. */
	mem_smram_write(m, 0x40 | 0x20);
	cr_expect_eq(mem_smram_read(m), 0x3A);
	mem_smram_write(m, 0x00);
	cr_expect_eq(mem_smram_read(m), 0x1A);
	cr_expect_eq(mem_read(m, 0xA0000, 1), 0xFF);
	/* C_BASE_SEG is fixed at 010 and bit 7 is reserved. */
	mem_system_reset(m);
	cr_expect_eq(mem_smram_read(m), 0x02);
	mem_smram_write(m, 0x85);
	cr_expect_eq(mem_smram_read(m), 0x02);
	mem_free(m);
}

Test(mem_smram, without_i440fx_a0000_is_plain_ram)
{
	struct mem *m = mem_new(1 * MiB);
	mem_write(m, 0xA0000, 0x12, 1);
	cr_expect_eq(mem_read(m, 0xA0000, 1), 0x12);
	mem_write(m, 0xF0000, 0x34, 1);
	cr_expect_eq(mem_read(m, 0xF0000, 1), 0x34);
	mem_free(m);
}

/* XXX: D_CLS (SMM data accesses to the PCI window) is stored but not
 * modelled: the CPU does not tell code fetches from data accesses, so in SMM
 * data accesses see SMRAM like QEMU's i440FX. This test pins that gap. */
Test(mem_smram, d_cls_is_stored_but_not_modelled)
{
	struct mem *m = mem_new(1 * MiB);

	mem_enable_i440fx(m);
	mem_ram_ptr(m)[0xA0000] = 0x77;
	mem_smram_write(m, MEM_SMRAM_G_SMRAME | MEM_SMRAM_D_CLS);
	cr_expect_eq(mem_smram_read(m), 0x2A);
	mem_set_smm(m, 1);
	cr_expect_eq(mem_read(m, 0xA0000, 1), 0x77);
	mem_free(m);
}
