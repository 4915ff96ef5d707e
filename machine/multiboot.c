/* machine/multiboot.c: Multiboot v1 image parsing and boot information (spec 0.6.96). */
#include "machine/multiboot.h"

#include <stdio.h>
#include <string.h>

/* Header flags (§3.1.2). */
#define MBH_PAGE_ALIGN  (1u << 0)
#define MBH_MEMORY_INFO (1u << 1)
#define MBH_VIDEO_MODE  (1u << 2)
#define MBH_AOUT_KLUDGE (1u << 16)

/* Info flags (§3.3). */
#define MBI_MEMORY  (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MMAP    (1u << 6)

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Segments must fit the image, stay below 4 GiB, and keep clear of the real-mode
 * IVT/BDA (below 0x500), the boot information page and the VGA/ROM hole. */
static int segment_ok(const struct multiboot_segment *s, size_t len, char *err, size_t errlen)
{
	if ((uint64_t)s->offset + s->filesz > len) {
		snprintf(err, errlen, "segment at 0x%x: %u bytes at file offset %u run past the "
			 "end of the %zu-byte image", s->paddr, s->filesz, s->offset, len);
		return -1;
	}
	if (s->filesz > s->memsz) {
		snprintf(err, errlen, "segment at 0x%x: file size %u larger than memory size %u",
			 s->paddr, s->filesz, s->memsz);
		return -1;
	}
	if (s->paddr < 0x500 || (uint64_t)s->paddr + s->memsz > 0xFFFFFFFFull ||
	    overlaps(s->paddr, s->memsz, MULTIBOOT_INFO_ADDR, 0x1000) ||
	    overlaps(s->paddr, s->memsz, 0xA0000, 0x60000)) {
		snprintf(err, errlen, "segment at 0x%x (+%u bytes) overlaps the IVT/BDA, the boot "
			 "information at 0x%x or the 0xA0000-0xFFFFF hole", s->paddr, s->memsz,
			 MULTIBOOT_INFO_ADDR);
		return -1;
	}
	return 0;
}

static int parse_elf(const uint8_t *img, size_t len, struct multiboot_image *out,
		     char *err, size_t errlen)
{
	uint32_t phoff;
	uint16_t phentsize, phnum;

	if (len < 52 || memcmp(img, "\177ELF", 4)) {
		snprintf(err, errlen, "not an ELF file and the header has no a.out kludge (flag 16)");
		return -1;
	}
	if (img[4] != 1 || img[5] != 1 || rd16(img + 18) != 3) {
		snprintf(err, errlen, "ELF image is not 32-bit little-endian i386");
		return -1;
	}
	if (rd16(img + 16) != 2) {
		snprintf(err, errlen, "ELF image is not an executable (e_type %u)", rd16(img + 16));
		return -1;
	}
	phoff = rd32(img + 28);
	phentsize = rd16(img + 42);
	phnum = rd16(img + 44);
	if (phentsize < 32 || (uint64_t)phoff + (uint64_t)phentsize * phnum > len) {
		snprintf(err, errlen, "ELF program headers (offset %u, %u x %u bytes) lie outside "
			 "the %zu-byte image", phoff, phnum, phentsize, len);
		return -1;
	}
	out->is_elf = 1;
	out->entry = rd32(img + 24);
	out->nsegments = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = img + phoff + (size_t)i * phentsize;
		struct multiboot_segment *s;

		if (rd32(ph) != 1 /* PT_LOAD */ || rd32(ph + 20) == 0)
			continue;
		if (out->nsegments == MULTIBOOT_MAX_SEGMENTS) {
			snprintf(err, errlen, "more than %d loadable ELF segments", MULTIBOOT_MAX_SEGMENTS);
			return -1;
		}
		s = &out->seg[out->nsegments++];
		s->offset = rd32(ph + 4);
		s->paddr = rd32(ph + 12);
		s->filesz = rd32(ph + 16);
		s->memsz = rd32(ph + 20);
		if (segment_ok(s, len, err, errlen))
			return -1;
	}
	if (!out->nsegments) {
		snprintf(err, errlen, "ELF image has no loadable segment");
		return -1;
	}
	return 0;
}

/* §3.1.3: header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr. */
static int parse_aout(const uint8_t *img, size_t len, const uint8_t *h, struct multiboot_image *out,
		      char *err, size_t errlen)
{
	uint32_t header_addr, load_addr, load_end, bss_end;
	struct multiboot_segment *s = &out->seg[0];

	if ((size_t)(h - img) + 32 > len) {
		snprintf(err, errlen, "multiboot header at offset %u is cut off by the end of the image",
			 out->header_offset);
		return -1;
	}
	header_addr = rd32(h + 12);
	load_addr = rd32(h + 16);
	load_end = rd32(h + 20);
	bss_end = rd32(h + 24);
	if (load_addr > header_addr || header_addr - load_addr > out->header_offset) {
		snprintf(err, errlen, "a.out kludge: load_addr 0x%x does not fit header_addr 0x%x at "
			 "file offset %u", load_addr, header_addr, out->header_offset);
		return -1;
	}
	s->paddr = load_addr;
	s->offset = out->header_offset - (header_addr - load_addr);
	if (load_end == 0)
		s->filesz = len - s->offset;
	else if (load_end < load_addr) {
		snprintf(err, errlen, "a.out kludge: load_end_addr 0x%x below load_addr 0x%x",
			 load_end, load_addr);
		return -1;
	} else
		s->filesz = load_end - load_addr;
	s->memsz = s->filesz;
	if (bss_end) {
		if (bss_end < load_addr + s->filesz) {
			snprintf(err, errlen, "a.out kludge: bss_end_addr 0x%x below the loaded end 0x%x",
				 bss_end, load_addr + s->filesz);
			return -1;
		}
		s->memsz = bss_end - load_addr;
	}
	out->is_elf = 0;
	out->entry = rd32(h + 28);
	out->nsegments = 1;
	return segment_ok(s, len, err, errlen);
}

int multiboot_parse(const uint8_t *img, size_t len, struct multiboot_image *out,
		    char *err, size_t errlen)
{
	size_t limit = len < 8192 ? len : 8192;

	memset(out, 0, sizeof(*out));
	for (size_t off = 0; off + 12 <= limit; off += 4) {
		const uint8_t *h = img + off;
		uint32_t flags;

		if (rd32(h) != MULTIBOOT_HEADER_MAGIC)
			continue;
		flags = rd32(h + 4);
		if ((uint32_t)(rd32(h) + flags + rd32(h + 8)) != 0)
			continue; /* a magic-looking word with a bad checksum: keep looking */
		out->header_offset = off;
		out->flags = flags;
		/* Bits 0-15 are requirements the loader must meet (§3.1.2). */
		if (flags & MBH_VIDEO_MODE) {
			snprintf(err, errlen, "multiboot header asks for a video mode (flag 2), "
				 "which lockstep does not provide");
			return -1;
		}
		if (flags & 0xFFF8u) {
			snprintf(err, errlen, "multiboot header has unknown required flags 0x%x",
				 flags & 0xFFF8u);
			return -1;
		}
		if (flags & MBH_AOUT_KLUDGE)
			return parse_aout(img, len, h, out, err, errlen);
		return parse_elf(img, len, out, err, errlen);
	}
	snprintf(err, errlen, "no multiboot header (magic 0x1BADB002 with a valid checksum) "
		 "in the first 8 KiB; unknown kernel format");
	return -1;
}

/* Layout inside buf: info (88 bytes), the mmap at +128, the command line at +512. */
#define INFO_SIZE    88
#define MMAP_OFF     128
#define CMDLINE_OFF  512

static uint8_t *put_mmap_entry(uint8_t *p, uint64_t base, uint64_t length, uint32_t type)
{
	wr32(p, 20);          /* size of the entry, not counting this field */
	wr32(p + 4, (uint32_t)base);
	wr32(p + 8, (uint32_t)(base >> 32));
	wr32(p + 12, (uint32_t)length);
	wr32(p + 16, (uint32_t)(length >> 32));
	wr32(p + 20, type);
	return p + 24;
}

size_t multiboot_build_info(uint8_t *buf, size_t len, uint64_t ram_below_4g,
			    uint64_t ram_above_4g, const char *cmdline)
{
	size_t clen = strlen(cmdline ? cmdline : "") + 1;
	uint8_t *p;
	uint64_t upper;

	if (len < CMDLINE_OFF + clen)
		return 0;
	memset(buf, 0, CMDLINE_OFF + clen);
	/* mem_lower: conventional memory below 640 KiB; mem_upper: from 1 MiB to the
	 * first hole, in KiB (§3.3). */
	upper = ram_below_4g > 0x100000 ? (ram_below_4g - 0x100000) >> 10 : 0;
	wr32(buf + 0, MBI_MEMORY | MBI_CMDLINE | MBI_MMAP);
	wr32(buf + 4, ram_below_4g >= 0xA0000 ? 639 : (uint32_t)(ram_below_4g >> 10));
	wr32(buf + 8, (uint32_t)upper);
	wr32(buf + 16, MULTIBOOT_INFO_ADDR + CMDLINE_OFF);
	p = buf + MMAP_OFF;
	p = put_mmap_entry(p, 0, ram_below_4g < 0x9FC00 ? ram_below_4g : 0x9FC00, 1);
	if (ram_below_4g > 0x100000)
		p = put_mmap_entry(p, 0x100000, ram_below_4g - 0x100000, 1);
	if (ram_above_4g)
		p = put_mmap_entry(p, 1ull << 32, ram_above_4g, 1);
	wr32(buf + 44, (uint32_t)(p - (buf + MMAP_OFF)));
	wr32(buf + 48, MULTIBOOT_INFO_ADDR + MMAP_OFF);
	memcpy(buf + CMDLINE_OFF, cmdline ? cmdline : "", clen);
	return CMDLINE_OFF + clen;
}
