/*
 * machine/multiboot.h: Multiboot (v1) kernel images, loaded without a BIOS.
 *
 * Follows the Multiboot Specification 0.6.96: §3.1 (the header, searched in
 * the first 8192 bytes, 32-bit aligned), §3.1.3 (the a.out kludge address
 * fields, flag bit 16) and §3.2 (machine state at entry); ELF32 images are
 * loaded by their PT_LOAD program headers. Parsing is pure: it never reads
 * outside the image and never touches guest memory.
 */
#ifndef LS_MACHINE_MULTIBOOT_H
#define LS_MACHINE_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#define MULTIBOOT_HEADER_MAGIC 0x1BADB002u
#define MULTIBOOT_BOOT_MAGIC   0x2BADB002u   /* EAX at entry */
#define MULTIBOOT_MAX_SEGMENTS 16

struct multiboot_segment {
	uint32_t paddr;      /* load address */
	uint32_t offset;     /* offset of the bytes in the image */
	uint32_t filesz;     /* bytes copied from the image */
	uint32_t memsz;      /* bytes occupied in memory (rest zero-filled) */
};

struct multiboot_image {
	uint32_t header_offset;   /* where the header was found */
	uint32_t flags;           /* header flags */
	int is_elf;               /* loaded through ELF program headers */
	uint32_t entry;
	int nsegments;
	struct multiboot_segment seg[MULTIBOOT_MAX_SEGMENTS];
};

/* Parse a kernel image. Returns 0, or -1 with a one-line reason in err
 * (no header, bad checksum, unsupported flags (video mode), not ELF32/i386
 * without the a.out kludge, segments outside the image or overlapping the
 * IVT/BDA, the boot information page or the 0xA0000-0xFFFFF hole, too many
 * segments). */
int multiboot_parse(const uint8_t *img, size_t len, struct multiboot_image *out,
		    char *err, size_t errlen);

/* Where the loader puts the boot information in guest memory. */
#define MULTIBOOT_INFO_ADDR 0x9000u

/* Build the multiboot_info structure, the memory map and the command line
 * into buf (which will be placed at MULTIBOOT_INFO_ADDR). ram_below_4g and
 * ram_above_4g describe RAM as the machine maps it. Returns the number of
 * bytes used, or 0 if buf is too small. */
size_t multiboot_build_info(uint8_t *buf, size_t len, uint64_t ram_below_4g,
			    uint64_t ram_above_4g, const char *cmdline);

#endif
