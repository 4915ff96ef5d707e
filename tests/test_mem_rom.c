/*
 * tests/test_mem_rom.c: the ROM blob registry, rom_reset, the pc and isapc
 * BIOS mappings, firmware image validation and SeaBIOS's shadowing sequence
 * followed by a hard reset (mem/rom.c, mem/pam.c, mem/firmware.c; DESIGN.md §5).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "mem/firmware.h"
#include "mem/mem.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)

static uint8_t *make_image(uint64_t size, uint8_t seed)
{
	uint8_t *p = malloc(size);
	cr_assert_not_null(p);
	for (uint64_t i = 0; i < size; i++)
		p[i] = (uint8_t)(seed + i * 13 + (i >> 9));
	return p;
}

static struct mem *pc_with_image(const uint8_t *img, uint64_t size)
{
	struct mem *m = mem_new(32 * MiB);
	cr_assert_not_null(m);
	cr_assert_eq(mem_setup_bios(m, MEM_MACHINE_PC, "bios.bin", img, size), 0);
	mem_system_reset(m);
	return m;
}

static void check_low_alias(uint64_t size)
{
	uint8_t *img = make_image(size, (uint8_t)size);
	struct mem *m = pc_with_image(img, size);
	uint64_t low = size < 128 * KiB ? size : 128 * KiB;
	uint8_t *buf = malloc(size);

	/* The whole image at 4 GiB - size. */
	mem_read_buf(m, 0x100000000ull - size, buf, size);
	cr_expect_eq(memcmp(buf, img, size), 0, "high mapping, %llu", (unsigned long long)size);
	/* Its last min(size, 128 KiB) at 1 MiB - that. */
	mem_read_buf(m, 0x100000 - low, buf, low);
	cr_expect_eq(memcmp(buf, img + size - low, low), 0, "low alias, %llu", (unsigned long long)size);
	cr_expect_eq(mem_read(m, 0xFFFF0, 1), img[size - 16]);
	cr_expect_eq(mem_read(m, 0xFFFFFFF0, 4), mem_read(m, 0xFFFF0, 4));
	if (size == 64 * KiB) {
		/* Nothing below 0xF0000 on the ROM side: open bus. */
		cr_expect_eq(mem_read(m, 0xE0000, 4), 0xFFFFFFFF);
		cr_expect_eq(mem_read(m, 0xEFFFC, 4), 0xFFFFFFFF);
	}
	free(buf);
	free(img);
	mem_free(m);
}

Test(mem_rom, low_alias_64k) { check_low_alias(64 * KiB); }
Test(mem_rom, low_alias_128k) { check_low_alias(128 * KiB); }
Test(mem_rom, low_alias_256k) { check_low_alias(256 * KiB); }

Test(mem_rom, setup_rejects_bad_sizes)
{
	struct mem *m = mem_new(1 * MiB);
	uint8_t *img = make_image(128 * KiB, 1);
	cr_expect_lt(mem_setup_bios(m, MEM_MACHINE_PC, "x", img, 0), 0);
	cr_expect_lt(mem_setup_bios(m, MEM_MACHINE_PC, "x", img, 100000), 0);
	cr_expect_lt(mem_setup_bios(m, MEM_MACHINE_PC, "x", img, 32 * MiB), 0);
	cr_expect_eq(rom_count(m), 0);
	free(img);
	mem_free(m);
}

Test(mem_rom, writes_to_rom_change_nothing)
{
	uint8_t *img = make_image(128 * KiB, 7);
	struct mem *m = pc_with_image(img, 128 * KiB);
	uint8_t junk[256];
	uint8_t *buf = malloc(128 * KiB);
	struct rom_info info;

	memset(junk, 0, sizeof(junk));
	mem_write(m, 0xFFFE0000, 0xDEADBEEF, 4);
	mem_write(m, 0xFFFFFFF0, 0x90, 1);
	mem_write_buf(m, 0xFFFFFF00, junk, sizeof(junk));
	mem_write(m, 0xF0000, 0xDEADBEEF, 4);          /* PAM 0: to ROM, dropped */
	mem_write_buf(m, 0xE0000, junk, sizeof(junk));
	cr_expect_null(mem_page_write_ptr(m, 0xFFFFF000));
	cr_expect_null(mem_page_write_ptr(m, 0xF0000));
	mem_read_buf(m, 0xFFFE0000, buf, 128 * KiB);
	cr_expect_eq(memcmp(buf, img, 128 * KiB), 0);
	mem_read_buf(m, 0xE0000, buf, 128 * KiB);
	cr_expect_eq(memcmp(buf, img, 128 * KiB), 0);
	/* The shadow RAM under it is untouched too. */
	cr_expect_eq(mem_ram_ptr(m)[0xF0000], 0);
	cr_assert_eq(rom_get_info(m, 0, &info), 0);
	cr_expect_eq(info.dropped_writes, 5);
	free(buf);
	free(img);
	mem_free(m);
}

Test(mem_rom, registry_copies_nothing_until_rom_reset)
{
	struct mem *m = mem_new(1 * MiB);
	uint8_t data[100];
	const uint8_t *p;
	uint64_t size;
	struct rom_info info;
	XXH128_hash_t h;
	int rom = mem_add_rom(m, "opt", 0xC0000, 0x1000, 1);

	for (int i = 0; i < 100; i++)
		data[i] = (uint8_t)(i + 1);
	cr_assert_eq(rom_add_blob_region(m, "opt.bin", data, sizeof(data), rom, 0, 0x1000), 0);
	cr_assert_eq(rom_add_blob(m, "low.bin", data, sizeof(data), 0x7C00, 0), 1);
	cr_assert_eq(rom_add_blob(m, "genroms/x.bin", data, sizeof(data), ROM_ADDR_NONE, 0), 2);
	memset(data, 0, sizeof(data));                  /* the registry has its own copy */
	cr_expect_eq(mem_read(m, 0xC0000, 1), 0);
	cr_expect_eq(mem_read(m, 0x7C00, 1), 0);
	mem_region_data(m, rom, NULL)[0x800] = 0x55;    /* past the blob: zero-filled by reset */
	rom_reset(m);
	cr_expect_eq(mem_read(m, 0xC0000, 1), 1);
	cr_expect_eq(mem_read(m, 0xC0063, 1), 100);
	cr_expect_eq(mem_read(m, 0xC0800, 1), 0);
	cr_expect_eq(mem_read(m, 0x7C00, 1), 1);
	cr_expect_eq(mem_read(m, 0x7C63, 1), 100);
	/* fw_cfg blobs are not copied anywhere, but can be found. */
	p = rom_find(m, "genroms/x.bin", &size);
	cr_assert_not_null(p);
	cr_expect_eq(size, 100);
	cr_expect_eq(p[99], 100);
	cr_expect_null(rom_find(m, "nope", &size));
	cr_assert_eq(rom_get_info(m, 2, &info), 0);
	cr_expect_eq(info.addr, ROM_ADDR_NONE);
	cr_expect_eq(info.region, -1);
	h = XXH3_128bits(p, 100);
	cr_expect_eq(info.hash_high, h.high64);
	cr_expect_eq(info.hash_low, h.low64);
	cr_expect_lt(rom_get_info(m, 3, &info), 0);
	/* Targets that do not fit are refused. */
	cr_expect_lt(rom_add_blob(m, "nowhere", data, 10, 0x10000000, 0), 0);
	cr_expect_lt(rom_add_blob_region(m, "big", data, 100, rom, 0xFC0, 0), 0);
	cr_expect_lt(rom_add_blob(m, "short", data, 100, 0x1000, 50), 0);
	mem_free(m);
}

struct hook_log {
	int loads, resets, code_calls;
	char last_name[64];
	uint64_t code_pa[8], code_len[8];
};

static void on_load(void *o, const struct rom_info *r)
{
	struct hook_log *l = o;
	l->loads++;
	snprintf(l->last_name, sizeof(l->last_name), "%s", r->name);
}

static void on_reset(void *o)
{
	((struct hook_log *)o)->resets++;
}

static void on_code(void *o, uint64_t pa, uint64_t len)
{
	struct hook_log *l = o;
	if (l->code_calls < 8) {
		l->code_pa[l->code_calls] = pa;
		l->code_len[l->code_calls] = len;
	}
	l->code_calls++;
}

Test(mem_rom, hooks_and_code_invalidation_on_reset)
{
	struct mem *m = mem_new(1 * MiB);
	struct hook_log log = { 0 };
	struct mem_hooks h = { .opaque = &log, .rom_load = on_load, .rom_reset = on_reset };
	uint8_t *img = make_image(64 * KiB, 3);

	mem_set_hooks(m, &h);
	mem_set_code_write_handler(m, on_code, &log);
	cr_assert_eq(mem_setup_bios(m, MEM_MACHINE_PC, "qboot.rom", img, 64 * KiB), 0);
	cr_expect_eq(log.loads, 1);
	cr_expect_str_eq(log.last_name, "qboot.rom");
	mem_system_reset(m);
	cr_expect_eq(log.resets, 1);
	/* Both guest views of the reloaded ROM: the low alias and the top. */
	cr_expect_eq(log.code_calls, 2);
	cr_expect_eq(log.code_pa[0], 0xF0000);
	cr_expect_eq(log.code_len[0], 64 * KiB);
	cr_expect_eq(log.code_pa[1], 0xFFFF0000);
	cr_expect_eq(log.code_len[1], 64 * KiB);
	free(img);
	mem_free(m);
}

/* SeaBIOS 1.16 (seabios-i440fx.md): unlock, copy, lock, then a hard reset. */
Test(mem_rom, seabios_shadow_sequence_then_hard_reset)
{
	const uint64_t size = 128 * KiB;
	uint8_t *img = make_image(size, 0x42);
	struct mem *m = pc_with_image(img, size);
	uint8_t *ram = mem_ram_ptr(m), *buf = malloc(size);

	cr_expect_eq(mem_pam_read(m, 0), 0);
	/* dword 0x58 = 0x33333000 (0x59..0x5B), dword 0x5C = 0x33333333 (0x5C..0x5F). */
	mem_pam_write(m, 0, 0x30);
	mem_pam_write(m, 1, 0x33);
	mem_pam_write(m, 2, 0x33);
	for (int r = 3; r <= 6; r++)
		mem_pam_write(m, r, 0x33);
	/* Copy from the 0xFFFE0000 alias into shadow RAM (rep movsb). */
	mem_read_buf(m, 0xFFFE0000, buf, size);
	mem_write_buf(m, 0xE0000, buf, size);
	cr_expect_eq(memcmp(ram + 0xE0000, img, size), 0);
	/* POST writes its variables into the shadowed F segment. */
	mem_write(m, 0xF1234, 0xA5A5A5A5, 4);
	mem_write(m, 0xEC010, 0x5A, 1);
	/* Lock: 0x58 = 0x11111000, 0x5C = 0x31111111. */
	mem_pam_write(m, 0, 0x10);
	mem_pam_write(m, 1, 0x11);
	mem_pam_write(m, 2, 0x11);
	for (int r = 3; r <= 5; r++)
		mem_pam_write(m, r, 0x11);
	mem_pam_write(m, 6, 0x31);
	cr_expect_eq(mem_read(m, 0xF1234, 4), 0xA5A5A5A5);
	mem_write(m, 0xF1234, 0, 4);                    /* read-only now */
	cr_expect_eq(mem_read(m, 0xF1234, 4), 0xA5A5A5A5);
	mem_write(m, 0xEC011, 0x77, 1);                 /* 0xEC000 stays writable */
	cr_expect_eq(ram[0xEC011], 0x77);
	mem_write(m, 0xE8000, 0x77, 1);
	cr_expect_eq(ram[0xE8000], img[0x8000]);
	/* rom_reset alone (no system reset) leaves PAM alone: INIT does not touch mem. */
	rom_reset(m);
	cr_expect_eq(mem_pam_read(m, 0), 0x10);
	cr_expect_eq(mem_read(m, 0xF1234, 4), 0xA5A5A5A5);

	/* Hard reset: PAM -> 0, SMRAM -> 0x02, pristine ROM, shadow RAM kept. */
	mem_smram_write(m, 0x4A);
	cr_assert_geq(mem_region_find(m, "bios"), 0);
	mem_region_data(m, mem_region_find(m, "bios"), NULL)[0x11234] ^= 0xFF;  /* damage the ROM copy */
	mem_system_reset(m);
	for (int r = 0; r < 7; r++)
		cr_expect_eq(mem_pam_read(m, r), 0);
	cr_expect_eq(mem_smram_read(m), 0x02);
	mem_read_buf(m, 0xE0000, buf, size);
	cr_expect_eq(memcmp(buf, img, size), 0);
	mem_read_buf(m, 0xFFFE0000, buf, size);
	cr_expect_eq(memcmp(buf, img, size), 0);
	cr_expect_eq(ram[0xF1234], 0xA5);
	cr_expect_eq(ram[0xEC011], 0x77);
	cr_expect_eq(ram[0xEC010], 0x5A);
	free(buf);
	free(img);
	mem_free(m);
}

Test(mem_rom, isapc_low_copy_is_writable_ram)
{
	const uint64_t size = 128 * KiB;
	uint8_t *img = make_image(size, 9);
	struct mem *m = mem_new(1 * MiB);               /* -m 1M is legal */
	uint8_t *buf = malloc(size);

	cr_assert_not_null(m);
	cr_assert_eq(mem_setup_bios(m, MEM_MACHINE_ISAPC, "bios.bin", img, size), 0);
	mem_system_reset(m);
	mem_read_buf(m, 0xFFFE0000, buf, size);
	cr_expect_eq(memcmp(buf, img, size), 0);
	mem_read_buf(m, 0xE0000, buf, size);
	cr_expect_eq(memcmp(buf, img, size), 0);
	cr_expect_eq(mem_page_write_ptr(m, 0xF0000), mem_ram_ptr(m) + 0xF0000);
	mem_write(m, 0xF0000, 0x12345678, 4);
	cr_expect_eq(mem_read(m, 0xF0000, 4), 0x12345678);
	/* PAM writes have no effect without the i440FX. */
	mem_pam_write(m, 0, 0x00);
	cr_expect_eq(mem_read(m, 0xF0000, 4), 0x12345678);
	/* A system reset reloads the low copy from the pristine image. */
	mem_system_reset(m);
	mem_read_buf(m, 0xE0000, buf, size);
	cr_expect_eq(memcmp(buf, img, size), 0);
	/* The top copy stays read-only. */
	mem_write(m, 0xFFFFFFF0, 0, 4);
	cr_expect_eq(mem_read(m, 0xFFFFFFF0, 1), img[size - 16]);
	free(buf);
	free(img);
	mem_free(m);
}

Test(mem_rom, info_roms_is_stable_text)
{
	uint8_t *img = make_image(64 * KiB, 5);
	struct mem *m = pc_with_image(img, 64 * KiB);
	XXH128_hash_t h = XXH3_128bits(img, 64 * KiB);
	char want[256], buf[1024];

	mem_write(m, 0xFFFF0000, 1, 1);
	snprintf(want, sizeof(want),
		 "bios.bin addr=0xffff0000 size=0x10000 rom_size=0x10000 xxh3=%016llx%016llx dropped_writes=1\n",
		 (unsigned long long)h.high64, (unsigned long long)h.low64);
	mem_format_roms(m, buf, sizeof(buf));
	cr_expect_str_eq(buf, want);
	free(img);
	mem_free(m);
}

/* ---- firmware files ---- */

static char *temp_file(const void *data, size_t size)
{
	char *path = strdup("/tmp/ls-mem-fw-XXXXXX");
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	if (size)
		cr_assert_eq(write(fd, data, size), (ssize_t)size);
	close(fd);
	return path;
}

static int one_line(const char *s)
{
	return strchr(s, '\n') == NULL && *s;
}

Test(mem_firmware, wrong_size_empty_and_missing)
{
	uint8_t *img = make_image(100000, 1), *data = NULL;
	uint64_t size = 0;
	char err[512];
	char *odd = temp_file(img, 100000), *empty = temp_file(NULL, 0), *good = temp_file(img, 65536);

	cr_expect_eq(firmware_load_bios(odd, &data, &size, err, sizeof(err)), -1);
	cr_expect(one_line(err), "%s", err);
	cr_expect(strstr(err, odd) && strstr(err, "100000") && strstr(err, "multiple of 64 KiB"), "%s", err);

	cr_expect_eq(firmware_load_bios(empty, &data, &size, err, sizeof(err)), -1);
	cr_expect(one_line(err), "%s", err);
	cr_expect(strstr(err, empty) && strstr(err, " 0 bytes") && strstr(err, "non-zero"), "%s", err);

	cr_expect_eq(firmware_load_bios("/nonexistent/bios.bin", &data, &size, err, sizeof(err)), -1);
	cr_expect(one_line(err), "%s", err);
	cr_expect(strstr(err, "/nonexistent/bios.bin") != NULL, "%s", err);

	cr_expect_eq(firmware_load_bios(good, &data, &size, err, sizeof(err)), 0);
	cr_expect_eq(size, 65536);
	cr_expect_eq(memcmp(data, img, 65536), 0);
	free(data);

	unlink(odd);
	unlink(empty);
	unlink(good);
	free(odd);
	free(empty);
	free(good);
	free(img);
}

Test(mem_firmware, rom_add_file_errors)
{
	struct mem *m = mem_new(1 * MiB);
	char err[512];
	char *empty = temp_file(NULL, 0);

	cr_expect_lt(rom_add_file(m, "/nonexistent/opt.rom", NULL, ROM_ADDR_NONE, 0, err, sizeof(err)), 0);
	cr_expect(one_line(err) && strstr(err, "/nonexistent/opt.rom"), "%s", err);
	cr_expect_lt(rom_add_file(m, empty, NULL, ROM_ADDR_NONE, 0, err, sizeof(err)), 0);
	cr_expect(one_line(err) && strstr(err, "empty"), "%s", err);
	cr_expect_eq(rom_count(m), 0);
	unlink(empty);
	free(empty);
	mem_free(m);
}
