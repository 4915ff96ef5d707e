/* tests/test_multiboot.c: multiboot v1 header parsing and boot information (machine/multiboot.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "machine/multiboot.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v; p[1] = v >> 8;
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_header(uint8_t *p, uint32_t flags)
{
	put32(p, MULTIBOOT_HEADER_MAGIC);
	put32(p + 4, flags);
	put32(p + 8, -(MULTIBOOT_HEADER_MAGIC + flags));
}

/* A minimal ELF32 executable: one PT_LOAD of 0x200 bytes at 0x100000 with 0x100 bss. */
static size_t make_elf(uint8_t *img, size_t cap)
{
	memset(img, 0, cap);
	memcpy(img, "\177ELF", 4);
	img[4] = 1; img[5] = 1; img[6] = 1;
	put16(img + 16, 2);          /* ET_EXEC */
	put16(img + 18, 3);          /* EM_386 */
	put32(img + 20, 1);
	put32(img + 24, 0x100010);   /* entry */
	put32(img + 28, 52);         /* phoff */
	put16(img + 40, 52);
	put16(img + 42, 32);         /* phentsize */
	put16(img + 44, 1);          /* phnum */
	uint8_t *ph = img + 52;
	put32(ph, 1);                /* PT_LOAD */
	put32(ph + 4, 0x1000);       /* offset */
	put32(ph + 8, 0x100000);
	put32(ph + 12, 0x100000);    /* paddr */
	put32(ph + 16, 0x200);       /* filesz */
	put32(ph + 20, 0x300);       /* memsz */
	put_header(img + 0x1000, 0x3);
	return 0x1200;
}

Test(multiboot, elf_segments_and_entry)
{
	static uint8_t img[0x2000];
	struct multiboot_image mb;
	char err[256];
	size_t len = make_elf(img, sizeof(img));

	cr_assert_eq(multiboot_parse(img, len, &mb, err, sizeof(err)), 0, "%s", err);
	cr_expect(mb.is_elf);
	cr_expect_eq(mb.header_offset, 0x1000);
	cr_expect_eq(mb.entry, 0x100010);
	cr_assert_eq(mb.nsegments, 1);
	cr_expect_eq(mb.seg[0].paddr, 0x100000);
	cr_expect_eq(mb.seg[0].offset, 0x1000);
	cr_expect_eq(mb.seg[0].filesz, 0x200);
	cr_expect_eq(mb.seg[0].memsz, 0x300);
}

Test(multiboot, aout_kludge)
{
	static uint8_t img[0x400];
	struct multiboot_image mb;
	char err[256];

	/* Header at file offset 8, image loaded at 0x200000: header_addr = 0x200008. */
	put_header(img + 8, 0x10003);
	put32(img + 8 + 12, 0x200008);
	put32(img + 8 + 16, 0x200000);
	put32(img + 8 + 20, 0x200300);   /* load_end */
	put32(img + 8 + 24, 0x201000);   /* bss_end */
	put32(img + 8 + 28, 0x200040);   /* entry */
	cr_assert_eq(multiboot_parse(img, sizeof(img), &mb, err, sizeof(err)), 0, "%s", err);
	cr_expect(!mb.is_elf);
	cr_expect_eq(mb.entry, 0x200040);
	cr_expect_eq(mb.seg[0].paddr, 0x200000);
	cr_expect_eq(mb.seg[0].offset, 0);
	cr_expect_eq(mb.seg[0].filesz, 0x300);
	cr_expect_eq(mb.seg[0].memsz, 0x1000);
}

Test(multiboot, refusals_have_reasons)
{
	static uint8_t img[0x2000];
	struct multiboot_image mb;
	char err[256];
	size_t len;

	memset(img, 0, sizeof(img));
	cr_expect_eq(multiboot_parse(img, sizeof(img), &mb, err, sizeof(err)), -1);
	cr_expect(strstr(err, "no multiboot header"), "%s", err);

	/* Bad checksum: not a header. */
	put32(img, MULTIBOOT_HEADER_MAGIC);
	put32(img + 4, 0);
	put32(img + 8, 0);
	cr_expect_eq(multiboot_parse(img, sizeof(img), &mb, err, sizeof(err)), -1);
	cr_expect(strstr(err, "no multiboot header"), "%s", err);

	/* Video mode requested. */
	put_header(img, 0x4);
	cr_expect_eq(multiboot_parse(img, sizeof(img), &mb, err, sizeof(err)), -1);
	cr_expect(strstr(err, "video mode"), "%s", err);

	/* ELF whose segment runs past the end of the file. */
	len = make_elf(img, sizeof(img));
	cr_expect_eq(multiboot_parse(img, len - 0x100, &mb, err, sizeof(err)), -1);
	cr_expect(strstr(err, "past the end"), "%s", err);

	/* ELF loading into the VGA/ROM hole. */
	len = make_elf(img, sizeof(img));
	put32(img + 52 + 12, 0xF0000);
	cr_expect_eq(multiboot_parse(img, len, &mb, err, sizeof(err)), -1);
	cr_expect(strstr(err, "hole"), "%s", err);

	/* Not ELF, no kludge. */
	len = make_elf(img, sizeof(img));
	img[0] = 0;
	cr_expect_eq(multiboot_parse(img, len, &mb, err, sizeof(err)), -1);
	cr_expect(strstr(err, "not an ELF"), "%s", err);

	/* Header beyond the first 8 KiB is not found. */
	static uint8_t big[0x3000];
	put_header(big + 0x2000, 0x10000);
	cr_expect_eq(multiboot_parse(big, sizeof(big), &mb, err, sizeof(err)), -1);
}

Test(multiboot, truncated_images_never_read_past_the_end)
{
	static uint8_t img[0x2000];
	struct multiboot_image mb;
	char err[256];
	size_t len = make_elf(img, sizeof(img));

	/* Every prefix either parses or fails cleanly (run under ASan in CI). */
	for (size_t n = 0; n <= len; n += 7)
		(void)multiboot_parse(img, n, &mb, err, sizeof(err));
	cr_expect_eq(multiboot_parse(img, 0x1004, &mb, err, sizeof(err)), -1);
}

Test(multiboot, aout_header_cut_off_by_the_end)
{
	/* Found by the fuzzer: an a.out-kludge header whose address fields lie
	 * past the end of the image must be refused before they are read. */
	static uint8_t img[20];
	struct multiboot_image mb;
	char err[256];

	put_header(img + 8, 0x10000);
	cr_expect_eq(multiboot_parse(img, sizeof(img), &mb, err, sizeof(err)), -1);
	cr_expect(strstr(err, "cut off"), "%s", err);
}

Test(multiboot, info_memory_map_and_cmdline)
{
	static uint8_t buf[4096];
	size_t n = multiboot_build_info(buf, sizeof(buf), 128u << 20, 0, "console=ttyS0");

	cr_assert(n > 0);
	cr_expect_eq(get32(buf) & 0x45, 0x45);      /* memory, cmdline, mmap */
	cr_expect_eq(get32(buf + 4), 639);
	cr_expect_eq(get32(buf + 8), (127u << 20) >> 10);
	uint32_t cmd = get32(buf + 16) - MULTIBOOT_INFO_ADDR;
	cr_expect_str_eq((char *)buf + cmd, "console=ttyS0");
	uint32_t mmap_len = get32(buf + 44), mmap = get32(buf + 48) - MULTIBOOT_INFO_ADDR;
	cr_expect_eq(mmap_len, 48);                 /* two 24-byte entries */
	cr_expect_eq(get32(buf + mmap + 4), 0);
	cr_expect_eq(get32(buf + mmap + 12), 0x9FC00);
	cr_expect_eq(get32(buf + mmap + 24 + 4), 0x100000);
	cr_expect_eq(get32(buf + mmap + 24 + 12), (127u << 20));
	cr_expect_eq(get32(buf + mmap + 24 + 20), 1);
	cr_expect_eq(multiboot_build_info(buf, 100, 128u << 20, 0, ""), 0);
}

Test(multiboot, info_with_ram_above_4g)
{
	static uint8_t buf[4096];
	cr_assert(multiboot_build_info(buf, sizeof(buf), 0xE0000000u, 1ull << 30, NULL) > 0);
	uint32_t mmap_len = get32(buf + 44), mmap = get32(buf + 48) - MULTIBOOT_INFO_ADDR;
	cr_expect_eq(mmap_len, 72);
	cr_expect_eq(get32(buf + mmap + 48 + 8), 1);    /* base high dword: 4 GiB */
	cr_expect_eq(get32(buf + mmap + 48 + 12), 1u << 30);
}
