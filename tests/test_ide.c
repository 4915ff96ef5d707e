/* tests/test_ide.c: the ATA channel (machine/ide.c) driven through its port
 * callbacks, with disks from temporary raw images. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine/disk.h"
#include "machine/ide.h"
#include "tests/testutil.h"

/* ---- fixtures ---- */

struct irq_rec {
	int level;
	int rises;
};

static void irq_rec_set(void *opaque, int n, int level)
{
	struct irq_rec *r = opaque;
	(void)n;
	if (level && !r->level)
		r->rises++;
	r->level = level;
}

static uint8_t pattern(uint64_t s, size_t i)
{
	return (uint8_t)(s * 31 + i + (s >> 8));
}

/* A temporary image of `sectors` sectors: the first `filled` hold pattern(),
 * the rest is a sparse hole. Returns the malloc'd path. */
static char *image_new(uint64_t sectors, uint64_t filled)
{
	char *path = strdup("/tmp/ls-ide-XXXXXX");
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	uint8_t sec[512];
	for (uint64_t s = 0; s < filled; s++) {
		for (size_t i = 0; i < 512; i++)
			sec[i] = pattern(s, i);
		cr_assert_eq(write(fd, sec, 512), 512);
	}
	cr_assert_eq(ftruncate(fd, (off_t)(sectors * 512)), 0);
	close(fd);
	return path;
}

static uint8_t *file_bytes(const char *path, uint64_t off, size_t len)
{
	uint8_t *buf = malloc(len);
	int fd = open(path, O_RDONLY);
	cr_assert(fd >= 0);
	cr_assert_eq(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
	return buf;
}

struct rig {
	struct ide *c;
	struct disk *d[2];
	char *path[2];
	struct irq_rec irq;
};

/* A primary channel with a master of `sectors` sectors (first 4096 filled)
 * and, if slave_sectors, a slave. */
static struct rig *rig_new(uint64_t sectors, uint64_t slave_sectors, enum disk_mode mode)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct irq_line line = { irq_rec_set, &r->irq, 14 };
	r->c = ide_new(0, line, NULL);
	cr_assert(r->c);
	uint64_t sizes[2] = { sectors, slave_sectors };
	for (int i = 0; i < 2; i++) {
		if (!sizes[i])
			continue;
		char err[256];
		r->path[i] = image_new(sizes[i], sizes[i] < 4096 ? sizes[i] : 4096);
		r->d[i] = disk_open(r->path[i], mode, err, sizeof(err));
		cr_assert(r->d[i], "%s", err);
		cr_assert_eq(ide_attach(r->c, i, r->d[i]), 0);
	}
	ide_reset(r->c);
	return r;
}

static void rig_free(struct rig *r)
{
	ide_free(r->c);
	for (int i = 0; i < 2; i++) {
		disk_free(r->d[i]);
		if (r->path[i])
			unlink(r->path[i]);
		free(r->path[i]);
	}
	free(r);
}

static uint8_t inb(struct rig *r, unsigned off)
{
	return (uint8_t)ide_read_cmd(r->c, off, 1);
}

static void outb(struct rig *r, unsigned off, uint8_t v)
{
	ide_write_cmd(r->c, off, v, 1);
}

static uint8_t alt_status(struct rig *r)
{
	return (uint8_t)ide_read_ctl(r->c, 0, 1);
}

static void dev_ctl(struct rig *r, uint8_t v)
{
	ide_write_ctl(r->c, 0, v, 1);
}

/* LBA28 task file for device `dev`, then the command. */
static void lba28_cmd(struct rig *r, int dev, uint32_t lba, uint8_t count, uint8_t cmd)
{
	outb(r, 6, (uint8_t)(0xE0 | dev << 4 | (lba >> 24 & 0x0F)));
	outb(r, 2, count);
	outb(r, 3, (uint8_t)lba);
	outb(r, 4, (uint8_t)(lba >> 8));
	outb(r, 5, (uint8_t)(lba >> 16));
	outb(r, 7, cmd);
}

/* LBA48 task file (each register written twice: previous, then current). */
static void lba48_cmd(struct rig *r, uint64_t lba, uint16_t count, uint8_t cmd)
{
	outb(r, 6, 0xE0);
	outb(r, 2, (uint8_t)(count >> 8));
	outb(r, 2, (uint8_t)count);
	outb(r, 3, (uint8_t)(lba >> 24));
	outb(r, 3, (uint8_t)lba);
	outb(r, 4, (uint8_t)(lba >> 32));
	outb(r, 4, (uint8_t)(lba >> 8));
	outb(r, 5, (uint8_t)(lba >> 40));
	outb(r, 5, (uint8_t)(lba >> 16));
	outb(r, 7, cmd);
}

/* Read one 512-byte block through the data port: `rep insw` or `rep insl`. */
static void read_block(struct rig *r, uint8_t *buf, int width)
{
	for (size_t i = 0; i < 512; i += (size_t)width) {
		uint32_t v = ide_read_cmd(r->c, 0, width);
		for (int b = 0; b < width; b++)
			buf[i + (size_t)b] = (uint8_t)(v >> (8 * b));
	}
}

static void write_block(struct rig *r, const uint8_t *buf, int width)
{
	for (size_t i = 0; i < 512; i += (size_t)width) {
		uint32_t v = 0;
		for (int b = 0; b < width; b++)
			v |= (uint32_t)buf[i + (size_t)b] << (8 * b);
		ide_write_cmd(r->c, 0, v, width);
	}
}

static uint16_t word(const uint8_t *id, int w)
{
	return (uint16_t)(id[2 * w] | id[2 * w + 1] << 8);
}

static uint64_t words(const uint8_t *id, int w, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 16 | word(id, w + i);
	return v;
}

/* IDENTIFY DEVICE on device dev, read with 32-bit accesses like SeaBIOS. */
static void identify(struct rig *r, int dev, uint8_t *id)
{
	outb(r, 6, (uint8_t)(0xA0 | dev << 4));
	outb(r, 7, 0xEC);
	cr_assert_eq(inb(r, 7), 0x58, "IDENTIFY: DRDY|DSC|DRQ");
	read_block(r, id, 4);
	cr_assert_eq(inb(r, 7), 0x50, "IDENTIFY: done");
}

/* An ATA string (two characters per word, first one in the high byte). */
static void id_str(const uint8_t *id, int w, int len, char *out)
{
	for (int i = 0; i < len; i += 2) {
		out[i] = (char)id[2 * w + i + 1];
		out[i + 1] = (char)id[2 * w + i];
	}
	out[len] = 0;
}

/* ---- tests ---- */

Test(ide, presence_test_echoes_registers)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	/* SeaBIOS ata_detect: device, then 0x55/0xAA into count and LBA low. */
	outb(r, 6, 0xA0);
	cr_expect_eq(inb(r, 6), 0xA0);
	outb(r, 2, 0x55);
	outb(r, 3, 0xAA);
	cr_expect_eq(inb(r, 2), 0x55);
	cr_expect_eq(inb(r, 3), 0xAA);
	outb(r, 4, 0x12);
	outb(r, 5, 0x34);
	cr_expect_eq(inb(r, 4), 0x12);
	cr_expect_eq(inb(r, 5), 0x34);
	rig_free(r);
}

Test(ide, power_on_state)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	cr_expect_eq(inb(r, 7), 0x50);
	cr_expect_eq(inb(r, 1), 0x01);
	cr_expect_eq(inb(r, 2), 0x01);
	cr_expect_eq(inb(r, 3), 0x01);
	cr_expect_eq(inb(r, 4), 0x00);
	cr_expect_eq(inb(r, 5), 0x00);
	cr_expect_eq(inb(r, 6), 0xA0);
	cr_expect_eq(r->irq.level, 0);
	rig_free(r);
}

Test(ide, soft_reset_signature)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	outb(r, 6, 0xB0);
	outb(r, 2, 0x55);
	outb(r, 4, 0x77);
	outb(r, 5, 0x88);
	/* SRST asserted: busy; while BSY every register reads as Status. */
	dev_ctl(r, 0x0E);
	outb(r, 6, 0xA0);
	cr_expect_eq(alt_status(r), 0x80);
	cr_expect_eq(inb(r, 7), 0x80);
	cr_expect_eq(inb(r, 2), 0x80);
	/* Commands are ignored while busy. */
	outb(r, 7, 0xEC);
	cr_expect_eq(alt_status(r), 0x80);
	/* Released: ATA signature, diagnostic code 01h, device 0 selected. */
	dev_ctl(r, 0x0A);
	cr_expect_eq(inb(r, 7), 0x50);
	cr_expect_eq(inb(r, 1), 0x01);
	cr_expect_eq(inb(r, 2), 0x01);
	cr_expect_eq(inb(r, 3), 0x01);
	cr_expect_eq(inb(r, 4), 0x00);
	cr_expect_eq(inb(r, 5), 0x00);
	cr_expect_eq(inb(r, 6), 0xA0);
	cr_expect_eq(r->irq.rises, 0, "a soft reset raises no interrupt");
	rig_free(r);
}

Test(ide, identify_1mib)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	uint8_t id[512];
	identify(r, 0, id);
	/* Default geometry as QEMU guesses it: the reference log's PCHS=2/16/63. */
	cr_expect_eq(word(id, 1), 2);
	cr_expect_eq(word(id, 3), 16);
	cr_expect_eq(word(id, 6), 63);
	cr_expect_eq(word(id, 5), 512, "bytes per sector (the Bochs BIOS reads word 5)");
	cr_expect_eq(word(id, 54), 2);
	cr_expect_eq(word(id, 55), 16);
	cr_expect_eq(word(id, 56), 63);
	cr_expect_eq(words(id, 57, 2), 2 * 16 * 63);
	cr_expect_eq(words(id, 60, 2), 2048, "LBA28 total");
	cr_expect_eq(words(id, 100, 4), 2048, "LBA48 total");
	cr_expect_eq(word(id, 0) & 0x8000, 0, "ATA device");
	cr_expect(word(id, 49) & (1 << 9), "LBA supported");
	cr_expect_eq(word(id, 47), 0x8010, "READ/WRITE MULTIPLE up to 16");
	cr_expect(word(id, 83) & (1 << 10), "48-bit address feature set");
	cr_expect_eq(word(id, 83) & 0xC000, 0x4000);
	cr_expect_eq(word(id, 80), 0x00F0, "ATA/ATAPI-4..7 (SeaBIOS prints ATA-7)");
	cr_expect_eq(word(id, 59), 0, "multiple mode off");
	/* Byte-swapped strings: "LOCKSTEP..." is stored "OL" "KC" ... */
	cr_expect_eq(id[54], 'O');
	cr_expect_eq(id[55], 'L');
	char s[41];
	id_str(id, 27, 40, s);
	cr_expect_str_eq(s, "LOCKSTEP HARDDISK                       ");
	id_str(id, 10, 20, s);
	cr_expect_str_eq(s, "LOCKSTEP-ATA-0      ");
	id_str(id, 23, 8, s);
	cr_expect_str_eq(s, "1.0     ");
	/* Word 93, device 0 with no device 1: bit 14, device 0 answers for
	 * device 1 (bit 6), so SeaBIOS skips probing the slave. */
	cr_expect_eq(word(id, 93) & 0xDF61, 0x4041);
	/* Integrity word 255: A5h and a checksum making the 512 bytes sum to 0. */
	cr_expect_eq(id[510], 0xA5);
	uint8_t sum = 0;
	for (int i = 0; i < 512; i++)
		sum = (uint8_t)(sum + id[i]);
	cr_expect_eq(sum, 0);
	rig_free(r);
}

Test(ide, identify_large_disks)
{
	/* 10 GiB: cylinders clamp at 16383, LBA28 holds the size. */
	struct rig *r = rig_new(20971520, 0, DISK_SNAPSHOT);
	uint8_t id[512];
	identify(r, 0, id);
	cr_expect_eq(word(id, 1), 16383);
	cr_expect_eq(word(id, 3), 16);
	cr_expect_eq(word(id, 6), 63);
	cr_expect_eq(words(id, 57, 2), 16383u * 16 * 63);
	cr_expect_eq(words(id, 60, 2), 20971520);
	cr_expect_eq(words(id, 100, 4), 20971520);
	rig_free(r);

	/* 200 GiB: beyond LBA28, words 60-61 saturate at 0FFFFFFFh. */
	r = rig_new(419430400, 0, DISK_SNAPSHOT);
	identify(r, 0, id);
	cr_expect_eq(words(id, 60, 2), 0x0FFFFFFF);
	cr_expect_eq(words(id, 100, 4), 419430400);
	rig_free(r);

	unsigned c, h, s;
	ide_default_geometry(2048, &c, &h, &s);
	cr_expect(c == 2 && h == 16 && s == 63);
	ide_default_geometry(100, &c, &h, &s);
	cr_expect_eq(c, 2, "at least 2 cylinders, as QEMU");
	ide_default_geometry(1008 * 100 + 5, &c, &h, &s);
	cr_expect_eq(c, 100);
}

Test(ide, identify_packet_aborts_on_a_hard_disk)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	outb(r, 6, 0xA0);
	outb(r, 7, 0xA1);
	cr_expect_eq(alt_status(r), 0x41, "ERR|DRDY");
	cr_expect_eq(inb(r, 1), 0x04, "ABRT");
	cr_expect_eq(r->irq.level, 1);
	cr_expect_eq(inb(r, 7), 0x41);
	cr_expect_eq(r->irq.level, 0);
	/* Unknown commands abort the same way and the next command works. */
	outb(r, 7, 0xFF);
	cr_expect_eq(inb(r, 7), 0x41);
	cr_expect_eq(inb(r, 1), 0x04);
	outb(r, 7, 0xE5);
	cr_expect_eq(inb(r, 7), 0x50);
	cr_expect_eq(inb(r, 1), 0x00);
	rig_free(r);
}

static void expect_sector(const uint8_t *buf, uint64_t s)
{
	for (size_t i = 0; i < 512; i++)
		cr_assert_eq(buf[i], pattern(s, i), "sector %llu byte %zu", (unsigned long long)s, i);
}

Test(ide, read_sectors_16_and_32_bit)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	for (int width = 2; width <= 4; width += 2) {
		lba28_cmd(r, 0, 5, 2, 0x20);
		cr_expect_eq(inb(r, 7), 0x58);
		uint8_t buf[512];
		read_block(r, buf, width);
		expect_sector(buf, 5);
		cr_expect_eq(alt_status(r), 0x58, "second block ready");
		read_block(r, buf, width);
		expect_sector(buf, 6);
		cr_expect_eq(alt_status(r), 0x50, "done: DRQ clear");
		/* The task file names the next sector, count 0. */
		cr_expect_eq(inb(r, 3), 7);
		cr_expect_eq(inb(r, 2), 0);
		cr_expect_eq(inb(r, 6), 0xE0);
	}
	/* A count of 0 means 256 sectors. */
	lba28_cmd(r, 0, 0, 0, 0x20);
	uint8_t buf[512];
	for (int s = 0; s < 256; s++) {
		cr_assert_eq(alt_status(r), 0x58);
		read_block(r, buf, 2);
	}
	expect_sector(buf, 255);
	cr_expect_eq(alt_status(r), 0x50);
	rig_free(r);
}

Test(ide, read_sectors_chs)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	/* Cylinder 1, head 2, sector 3 of 2/16/63: LBA (1*16+2)*63+2 = 1136. */
	outb(r, 6, 0xA2);
	outb(r, 2, 2);
	outb(r, 3, 3);
	outb(r, 4, 1);
	outb(r, 5, 0);
	outb(r, 7, 0x20);
	cr_assert_eq(inb(r, 7), 0x58);
	uint8_t buf[512];
	read_block(r, buf, 2);
	cr_expect_eq(buf[0], (uint8_t)pattern(1136, 0));
	cr_expect(buf[100] == pattern(1136, 100));
	read_block(r, buf, 2);
	/* Next sector in CHS form: sector 5 (1-based) after two sectors. */
	cr_expect_eq(inb(r, 3), 5);
	cr_expect_eq(inb(r, 4), 1);
	cr_expect_eq(inb(r, 6) & 0x0F, 2);
	rig_free(r);
}

Test(ide, write_then_read_in_snapshot_mode_leaves_the_file)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	uint8_t *before = file_bytes(r->path[0], 0, 2048 * 512);
	uint8_t out[512];
	for (int i = 0; i < 512; i++)
		out[i] = (uint8_t)(0xC3 ^ i);
	lba28_cmd(r, 0, 3, 1, 0x30);
	cr_expect_eq(alt_status(r), 0x58, "DRQ for the first block");
	cr_expect_eq(r->irq.level, 0, "PIO out: no interrupt before the first block");
	write_block(r, out, 2);
	cr_expect_eq(r->irq.level, 1, "interrupt at completion");
	cr_expect_eq(inb(r, 7), 0x50);

	lba28_cmd(r, 0, 2, 3, 0x20);
	uint8_t buf[512];
	read_block(r, buf, 4);
	expect_sector(buf, 2);
	read_block(r, buf, 4);
	cr_expect(memcmp(buf, out, 512) == 0, "the written sector reads back");
	read_block(r, buf, 4);
	expect_sector(buf, 4);
	cr_expect_eq(disk_dirty_sectors(r->d[0]), 1);

	uint8_t *after = file_bytes(r->path[0], 0, 2048 * 512);
	cr_expect(memcmp(before, after, 2048 * 512) == 0, "snapshot mode wrote the file");
	free(before);
	free(after);
	rig_free(r);
}

Test(ide, write_in_rw_mode_changes_the_file)
{
	struct rig *r = rig_new(2048, 0, DISK_RW);
	uint8_t out[2][512];
	memset(out[0], 0x11, 512);
	memset(out[1], 0x22, 512);
	lba28_cmd(r, 0, 100, 2, 0x30);
	write_block(r, out[0], 4);
	cr_expect_eq(alt_status(r), 0x58, "second block wanted");
	cr_expect_eq(inb(r, 7), 0x58);
	write_block(r, out[1], 4);
	cr_expect_eq(inb(r, 7), 0x50);
	outb(r, 7, 0xE7);                          /* FLUSH CACHE */
	cr_expect_eq(inb(r, 7), 0x50);
	uint8_t *f = file_bytes(r->path[0], 99 * 512, 4 * 512);
	for (int i = 0; i < 512; i++) {
		cr_assert_eq(f[512 + i], 0x11);
		cr_assert_eq(f[1024 + i], 0x22);
	}
	expect_sector(f, 99);
	expect_sector(f + 1536, 102);
	free(f);
	rig_free(r);
}

Test(ide, out_of_range_is_idnf)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	lba28_cmd(r, 0, 2048, 1, 0x20);
	cr_expect_eq(inb(r, 7), 0x41);
	cr_expect_eq(inb(r, 1), 0x10, "IDNF");
	lba28_cmd(r, 0, 2047, 2, 0x30);
	cr_expect_eq(inb(r, 7), 0x41);
	cr_expect_eq(inb(r, 1), 0x10);
	lba28_cmd(r, 0, 2047, 1, 0x20);            /* the last sector is fine */
	cr_expect_eq(inb(r, 7), 0x58);
	lba28_cmd(r, 0, 5000, 1, 0x40);            /* READ VERIFY */
	cr_expect_eq(inb(r, 7), 0x41);
	cr_expect_eq(inb(r, 1), 0x10);
	lba28_cmd(r, 0, 4000, 1, 0x70);            /* SEEK */
	cr_expect_eq(inb(r, 1), 0x10);
	/* CHS: sector 0 and head 16 do not exist; nor does cylinder 2. */
	outb(r, 6, 0xA0);
	outb(r, 3, 0);
	outb(r, 4, 0);
	outb(r, 5, 0);
	outb(r, 2, 1);
	outb(r, 7, 0x20);
	cr_expect_eq(inb(r, 1), 0x10);
	outb(r, 3, 1);
	outb(r, 4, 2);
	outb(r, 7, 0x20);
	cr_expect_eq(inb(r, 1), 0x10);
	lba48_cmd(r, 2047, 2, 0x24);
	cr_expect_eq(inb(r, 1), 0x10);
	rig_free(r);
}

Test(ide, hob_reads_previous_bytes)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	outb(r, 3, 0x12);
	outb(r, 3, 0x34);
	outb(r, 2, 0x56);
	outb(r, 2, 0x78);
	cr_expect_eq(inb(r, 3), 0x34);
	dev_ctl(r, 0x80);                          /* HOB */
	cr_expect_eq(inb(r, 3), 0x12);
	cr_expect_eq(inb(r, 2), 0x56);
	cr_expect_eq(inb(r, 7), 0x50, "Status has no HOB copy");
	outb(r, 1, 0x00);                          /* any command block write clears HOB */
	cr_expect_eq(inb(r, 3), 0x34);
	rig_free(r);
}

Test(ide, lba48_read_write_above_lba28)
{
	/* 300 GiB sparse: sectors above 2^28 need 48-bit commands. */
	struct rig *r = rig_new(629145600, 0, DISK_SNAPSHOT);
	uint64_t lba = 0x10000005;
	uint8_t out[2][512];
	memset(out[0], 0xA1, 512);
	memset(out[1], 0xB2, 512);
	lba48_cmd(r, lba, 2, 0x34);                /* WRITE SECTORS EXT */
	cr_assert_eq(alt_status(r), 0x58);
	write_block(r, out[0], 2);
	write_block(r, out[1], 2);
	cr_expect_eq(inb(r, 7), 0x50);

	lba48_cmd(r, lba - 1, 3, 0x24);            /* READ SECTORS EXT */
	uint8_t buf[512];
	read_block(r, buf, 4);
	cr_expect_eq(buf[0], 0, "sparse hole reads zero");
	read_block(r, buf, 4);
	cr_expect(memcmp(buf, out[0], 512) == 0);
	read_block(r, buf, 4);
	cr_expect(memcmp(buf, out[1], 512) == 0);
	cr_expect_eq(alt_status(r), 0x50);
	/* The task file names the next sector: 0x10000007, HOB bytes high. */
	cr_expect_eq(inb(r, 3), 0x07);
	cr_expect_eq(inb(r, 4), 0x00);
	cr_expect_eq(inb(r, 5), 0x00);
	dev_ctl(r, 0x80);
	cr_expect_eq(inb(r, 3), 0x10);
	cr_expect_eq(inb(r, 2), 0x00);
	dev_ctl(r, 0x00);

	/* READ VERIFY SECTORS EXT in range succeeds without data. */
	lba48_cmd(r, 629145600 - 1, 1, 0x42);
	cr_expect_eq(inb(r, 7), 0x50);
	rig_free(r);
}

Test(ide, multiple_mode)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	lba28_cmd(r, 0, 0, 4, 0xC4);               /* READ MULTIPLE before SET MULTIPLE */
	cr_expect_eq(inb(r, 7), 0x41);
	cr_expect_eq(inb(r, 1), 0x04);
	outb(r, 2, 3);
	outb(r, 7, 0xC6);                          /* not a power of two */
	cr_expect_eq(inb(r, 7), 0x41);
	outb(r, 2, 32);
	outb(r, 7, 0xC6);                          /* above the word 47 limit */
	cr_expect_eq(inb(r, 7), 0x41);
	outb(r, 2, 4);
	outb(r, 7, 0xC6);
	cr_expect_eq(inb(r, 7), 0x50);
	uint8_t id[512];
	identify(r, 0, id);
	cr_expect_eq(word(id, 59), 0x0104);

	/* 6 sectors in blocks of 4 and 2, one interrupt per block. */
	lba28_cmd(r, 0, 10, 6, 0xC4);
	cr_expect_eq(r->irq.level, 1);
	cr_expect_eq(inb(r, 7), 0x58);
	uint8_t buf[512];
	for (int s = 0; s < 4; s++) {
		cr_assert_eq(r->irq.level, 0, "no interrupt inside a block");
		read_block(r, buf, 2);
		expect_sector(buf, 10 + (uint64_t)s);
	}
	cr_expect_eq(r->irq.level, 1, "interrupt for the second block");
	cr_expect_eq(inb(r, 7), 0x58);
	for (int s = 4; s < 6; s++) {
		read_block(r, buf, 2);
		expect_sector(buf, 10 + (uint64_t)s);
	}
	cr_expect_eq(alt_status(r), 0x50);

	/* WRITE MULTIPLE EXT of 3 sectors: blocks of 4 -> one block of 3. */
	uint8_t out[512];
	memset(out, 0x3C, 512);
	lba48_cmd(r, 50, 3, 0x39);
	cr_expect_eq(inb(r, 7), 0x58);
	write_block(r, out, 2);
	write_block(r, out, 2);
	cr_expect_eq(alt_status(r), 0x58);
	cr_expect_eq(r->irq.level, 0);
	write_block(r, out, 2);
	cr_expect_eq(r->irq.level, 1);
	cr_expect_eq(inb(r, 7), 0x50);
	cr_expect_eq(disk_dirty_sectors(r->d[0]), 3);

	outb(r, 2, 0);
	outb(r, 7, 0xC6);                          /* 0 turns multiple mode off */
	cr_expect_eq(inb(r, 7), 0x50);
	lba28_cmd(r, 0, 0, 1, 0xC5);
	cr_expect_eq(inb(r, 7), 0x41);
	rig_free(r);
}

Test(ide, other_commands)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	outb(r, 6, 0xA0);
	/* SET FEATURES transfer mode: PIO 4 accepted, UDMA 5 refused (no DMA). */
	outb(r, 1, 0x03);
	outb(r, 2, 0x0C);
	outb(r, 7, 0xEF);
	cr_expect_eq(inb(r, 7), 0x50);
	outb(r, 1, 0x03);
	outb(r, 2, 0x45);
	outb(r, 7, 0xEF);
	cr_expect_eq(inb(r, 7), 0x41);
	outb(r, 1, 0x02);                          /* write cache on */
	outb(r, 7, 0xEF);
	cr_expect_eq(inb(r, 7), 0x50);
	outb(r, 1, 0x99);
	outb(r, 7, 0xEF);
	cr_expect_eq(inb(r, 7), 0x41);
	/* CHECK POWER MODE: active/idle. */
	outb(r, 2, 0);
	outb(r, 7, 0xE5);
	cr_expect_eq(inb(r, 7), 0x50);
	cr_expect_eq(inb(r, 2), 0xFF);
	/* Power, cache and positioning commands just succeed. */
	const uint8_t ok[] = { 0xE0, 0xE1, 0xE2, 0xE3, 0x94, 0x95, 0x96, 0x97,
			       0xE7, 0xEA, 0x10, 0x1F };
	for (size_t i = 0; i < sizeof(ok); i++) {
		outb(r, 7, ok[i]);
		cr_expect_eq(inb(r, 7), 0x50, "command %02x", ok[i]);
	}
	lba28_cmd(r, 0, 100, 1, 0x70);             /* SEEK in range */
	cr_expect_eq(inb(r, 7), 0x50);
	/* INITIALIZE DEVICE PARAMETERS: 4 heads, 17 sectors per track. */
	outb(r, 6, 0xA3);
	outb(r, 2, 17);
	outb(r, 7, 0x91);
	cr_expect_eq(inb(r, 7), 0x50);
	uint8_t id[512];
	identify(r, 0, id);
	cr_expect_eq(word(id, 55), 4);
	cr_expect_eq(word(id, 56), 17);
	cr_expect_eq(word(id, 54), 2048 / (4 * 17));
	cr_expect_eq(word(id, 3), 16, "default geometry unchanged");
	/* CHS now uses 4/17: cylinder 0 head 1 sector 1 = LBA 17. */
	outb(r, 6, 0xA1);
	outb(r, 2, 1);
	outb(r, 3, 1);
	outb(r, 4, 0);
	outb(r, 5, 0);
	outb(r, 7, 0x20);
	uint8_t buf[512];
	read_block(r, buf, 2);
	expect_sector(buf, 17);
	/* EXECUTE DEVICE DIAGNOSTIC: signature and code 01h. */
	outb(r, 4, 0x55);
	outb(r, 7, 0x90);
	cr_expect_eq(inb(r, 1), 0x01);
	cr_expect_eq(inb(r, 4), 0x00);
	cr_expect_eq(inb(r, 2), 0x01);
	cr_expect_eq(inb(r, 7), 0x50);
	rig_free(r);
}

Test(ide, absent_slave_answers)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	/* The task file echoes for the absent slave (both devices latch it). */
	outb(r, 6, 0xB0);
	cr_expect_eq(inb(r, 6), 0xB0);
	outb(r, 2, 0x55);
	outb(r, 3, 0xAA);
	cr_expect_eq(inb(r, 2), 0x55);
	cr_expect_eq(inb(r, 3), 0xAA);
	/* Device 0 answers Status/Alternate Status 00h and Error 00h for it. */
	cr_expect_eq(inb(r, 7), 0x00);
	cr_expect_eq(alt_status(r), 0x00);
	cr_expect_eq(inb(r, 1), 0x00);
	/* Commands to it are ignored: no DRQ, no error, no interrupt. */
	outb(r, 7, 0xEC);
	outb(r, 7, 0xA1);
	cr_expect_eq(inb(r, 7), 0x00);
	cr_expect_eq(ide_read_cmd(r->c, 0, 2), 0);
	cr_expect_eq(r->irq.rises, 0);
	/* During SRST it reads BSY; after it, the no-device signature FFh/FFh. */
	dev_ctl(r, 0x0E);
	cr_expect_eq(inb(r, 7), 0x80);
	dev_ctl(r, 0x0A);
	cr_expect_eq(inb(r, 6), 0xA0, "reset selects device 0");
	outb(r, 6, 0xB0);
	cr_expect_eq(inb(r, 2), 0x01);
	cr_expect_eq(inb(r, 3), 0x01);
	cr_expect_eq(inb(r, 4), 0xFF);
	cr_expect_eq(inb(r, 5), 0xFF);
	cr_expect_eq(inb(r, 7), 0x00);
	/* The master is unaffected. */
	outb(r, 6, 0xA0);
	cr_expect_eq(inb(r, 7), 0x50);
	cr_expect_eq(inb(r, 4), 0x00);
	rig_free(r);
}

/* The Bochs BIOS (rombios.c ata_detect + ata_reset) classifying one device:
 * 0 none, 1 ATA, 2 unknown, 3 ATAPI; *bsy_polls = status reads spent in
 * `await_ide(BSY, ..., 20)`, which gives up ("IDE time out") after 43008. */
static int bochs_bios_detect(struct rig *r, int slave, int *bsy_polls)
{
	uint8_t dh = slave ? 0xB0 : 0xA0;
	dev_ctl(r, 0x0A);
	outb(r, 6, dh);
	const uint8_t pat[] = { 0x55, 0xAA, 0xAA, 0x55, 0x55, 0xAA };
	for (int i = 0; i < 6; i += 2) {
		outb(r, 2, pat[i]);
		outb(r, 3, pat[i + 1]);
	}
	if (inb(r, 2) != 0x55 || inb(r, 3) != 0xAA)
		return 0;
	int type = 2;
	/* ata_reset */
	dev_ctl(r, 0x0E);
	*bsy_polls = 0;
	inb(r, 7);
	while (!(inb(r, 7) & 0x80) && ++*bsy_polls < 43008)
		;
	dev_ctl(r, 0x0A);
	outb(r, 6, dh);
	if (inb(r, 2) == 1 && inb(r, 3) == 1)
		cr_assert_eq(inb(r, 7) & 0x80, 0, "await_ide(NOT_BSY) would wait");
	dev_ctl(r, 0x08);
	/* classification */
	outb(r, 6, dh);
	if (inb(r, 2) == 1 && inb(r, 3) == 1) {
		uint8_t cl = inb(r, 4), ch = inb(r, 5), st = inb(r, 7);
		if (cl == 0x14 && ch == 0xEB)
			type = 3;
		else if (cl == 0 && ch == 0 && st != 0)
			type = 1;
		else if (cl == 0xFF && ch == 0xFF)
			type = 0;
	}
	return type;
}

Test(ide, bochs_bios_detects_master_and_no_slave)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	int polls = -1;
	cr_expect_eq(bochs_bios_detect(r, 0, &polls), 1, "master is ATA");
	cr_expect_eq(polls, 0);
	/* Its IDENTIFY then succeeds (a failure is BX_PANIC: the BIOS halts). */
	uint8_t id[512];
	identify(r, 0, id);
	cr_expect_eq(word(id, 5), 512);
	cr_expect_eq(bochs_bios_detect(r, 1, &polls), 0, "absent slave is none");
	cr_expect_eq(polls, 0, "BSY seen at once: no 'IDE time out'");
	/* The slave's channel reset left the master working. */
	lba28_cmd(r, 0, 0, 1, 0x20);
	cr_expect_eq(inb(r, 7), 0x58);
	rig_free(r);
}

Test(ide, seabios_skips_or_rejects_the_absent_slave)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	/* The presence test passes for the slave... */
	outb(r, 6, 0xB0);
	cr_expect_eq(inb(r, 6), 0xB0);
	outb(r, 2, 0x55);
	outb(r, 3, 0xAA);
	cr_expect(inb(r, 2) == 0x55 && inb(r, 3) == 0xAA);
	/* ...IDENTIFY PACKET finds no DRQ (status 00h), then "status not set -
	 * can't be a valid drive". */
	outb(r, 7, 0xA1);
	uint8_t st = inb(r, 7);
	cr_expect_eq(st & 0x80, 0, "never busy");
	cr_expect_eq(st & 0x08, 0);
	cr_expect_eq(st, 0);
	rig_free(r);
}

Test(ide, master_and_slave)
{
	struct rig *r = rig_new(2048, 4096, DISK_SNAPSHOT);
	uint8_t id[512];
	identify(r, 1, id);
	cr_expect_eq(words(id, 60, 2), 4096);
	char s[21];
	id_str(id, 10, 20, s);
	cr_expect_str_eq(s, "LOCKSTEP-ATA-1      ");
	cr_expect_eq(word(id, 93) & 0x4F00, 0x4B00);
	identify(r, 0, id);
	cr_expect_eq(words(id, 60, 2), 2048);
	cr_expect_eq(word(id, 93) & 0xDF61, 0x4021, "device 1 present: SeaBIOS probes it");
	/* Writes to the slave land on the slave's disk only. */
	uint8_t out[512];
	memset(out, 0x99, 512);
	lba28_cmd(r, 1, 7, 1, 0x30);
	write_block(r, out, 2);
	cr_expect_eq(inb(r, 7), 0x50);
	cr_expect_eq(disk_dirty_sectors(r->d[1]), 1);
	cr_expect_eq(disk_dirty_sectors(r->d[0]), 0);
	/* Both report the ATA signature after a soft reset. */
	dev_ctl(r, 0x04);
	dev_ctl(r, 0x00);
	outb(r, 6, 0xB0);
	cr_expect_eq(inb(r, 7), 0x50);
	cr_expect_eq(inb(r, 4), 0x00);
	cr_expect_eq(inb(r, 5), 0x00);
	rig_free(r);
}

Test(ide, channel_without_drives_floats)
{
	struct irq_rec rec = { 0, 0 };
	struct irq_line line = { irq_rec_set, &rec, 15 };
	struct ide *c = ide_new(1, line, NULL);
	for (unsigned off = 1; off < 8; off++)
		cr_expect_eq(ide_read_cmd(c, off, 1), 0xFF, "offset %u", off);
	cr_expect_eq(ide_read_cmd(c, 0, 2), 0xFFFF);
	cr_expect_eq(ide_read_cmd(c, 0, 4), 0xFFFFFFFF);
	cr_expect_eq(ide_read_ctl(c, 0, 1), 0xFF);
	ide_write_cmd(c, 2, 0x55, 1);
	ide_write_cmd(c, 7, 0xEC, 1);
	cr_expect_eq(ide_read_cmd(c, 2, 1), 0xFF);
	cr_expect_eq(rec.rises, 0);
	ide_free(c);
}

Test(ide, irq_raised_cleared_by_status_masked_by_nien)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	outb(r, 6, 0xA0);
	outb(r, 7, 0xE5);
	cr_expect_eq(r->irq.level, 1, "completion raises INTRQ");
	cr_expect_eq(alt_status(r), 0x50);
	cr_expect_eq(r->irq.level, 1, "Alternate Status does not acknowledge");
	inb(r, 7);
	cr_expect_eq(r->irq.level, 0, "Status read acknowledges");

	/* nIEN masks the line; the pending interrupt shows once unmasked. */
	dev_ctl(r, 0x02);
	outb(r, 7, 0xE5);
	cr_expect_eq(r->irq.level, 0);
	dev_ctl(r, 0x00);
	cr_expect_eq(r->irq.level, 1);
	inb(r, 7);
	cr_expect_eq(r->irq.level, 0);

	/* Acknowledged while masked: nothing when unmasked. */
	dev_ctl(r, 0x02);
	outb(r, 7, 0xE5);
	inb(r, 7);
	dev_ctl(r, 0x00);
	cr_expect_eq(r->irq.level, 0);

	/* One interrupt per DRQ block of a read. */
	int before = r->irq.rises;
	lba28_cmd(r, 0, 0, 3, 0x20);
	uint8_t buf[512];
	for (int s = 0; s < 3; s++) {
		cr_assert_eq(r->irq.level, 1);
		inb(r, 7);
		read_block(r, buf, 2);
	}
	cr_expect_eq(r->irq.rises - before, 3);
	cr_expect_eq(r->irq.level, 0, "no interrupt after the last data-in block");

	/* A new command clears a pending interrupt; SRST does too. */
	outb(r, 7, 0xE5);
	cr_expect_eq(r->irq.level, 1);
	dev_ctl(r, 0x04);
	cr_expect_eq(r->irq.level, 0);
	dev_ctl(r, 0x00);
	cr_expect_eq(r->irq.level, 0);
	/* INTRQ follows the selected device. */
	outb(r, 7, 0xE5);
	outb(r, 6, 0xB0);
	cr_expect_eq(r->irq.level, 0);
	outb(r, 6, 0xA0);
	cr_expect_eq(r->irq.level, 1);
	rig_free(r);
}

struct hook_rec {
	int calls;
	int drive;
	uint64_t lba;
	uint32_t count;
};

static void hook(void *opaque, int drive, uint64_t lba, uint32_t count)
{
	struct hook_rec *h = opaque;
	h->calls++;
	h->drive = drive;
	h->lba = lba;
	h->count = count;
}

Test(ide, read_hook_for_boot_read)
{
	struct rig *r = rig_new(2048, 0, DISK_SNAPSHOT);
	struct hook_rec h = { 0, -1, 0, 0 };
	ide_set_read_hook(r->c, hook, &h);
	lba28_cmd(r, 0, 0, 1, 0x30);
	write_block(r, (uint8_t[512]){ 0 }, 2);
	lba28_cmd(r, 0, 0, 1, 0x40);
	identify(r, 0, (uint8_t[512]){ 0 });
	cr_expect_eq(h.calls, 0, "writes, verifies and IDENTIFY are not reads");
	lba28_cmd(r, 0, 0, 1, 0x20);
	cr_expect_eq(h.calls, 1);
	cr_expect_eq(h.drive, 0);
	cr_expect_eq(h.lba, 0);
	cr_expect_eq(h.count, 1);
	lba48_cmd(r, 9, 3, 0x24);
	cr_expect_eq(h.calls, 2);
	cr_expect_eq(h.lba, 9);
	cr_expect_eq(h.count, 3);
	lba28_cmd(r, 0, 4000, 1, 0x20);            /* IDNF: no read happened */
	cr_expect_eq(h.calls, 2);
	rig_free(r);
}

/* The channel's state digest, as the machine's device hash takes it. */
static uint64_t state_hash(struct ide *c)
{
	return TU_STATE_DIGEST(ide_state_visit, c);
}

Test(ide, state_hash_is_deterministic)
{
	struct rig *a = rig_new(2048, 0, DISK_SNAPSHOT);
	struct rig *b = rig_new(2048, 0, DISK_SNAPSHOT);
	cr_expect_eq(state_hash(a->c), state_hash(b->c));
	uint8_t buf[512];
	lba28_cmd(a, 0, 1, 2, 0x20);
	lba28_cmd(b, 0, 1, 2, 0x20);
	read_block(a, buf, 2);
	read_block(b, buf, 4);
	cr_expect_eq(state_hash(a->c), state_hash(b->c), "access width leaves no trace");
	ide_read_cmd(a->c, 0, 2);
	cr_expect_neq(state_hash(a->c), state_hash(b->c), "data position is state");
	rig_free(a);
	rig_free(b);
}

struct log_rec {
	int calls;
	char last[200];
};

static void log_fn(void *opaque, const char *msg)
{
	struct log_rec *l = opaque;
	l->calls++;
	snprintf(l->last, sizeof(l->last), "%s", msg);
}

Test(ide, unsupported_use_is_logged_once_and_never_fatal)
{
	struct log_rec lr = { 0, "" };
	struct isa_log log = { log_fn, &lr };
	struct irq_rec rec = { 0, 0 };
	struct irq_line line = { irq_rec_set, &rec, 14 };
	struct ide *c = ide_new(0, line, &log);
	char *path = image_new(64, 64);
	char err[256];
	struct disk *d = disk_open(path, DISK_SNAPSHOT, err, sizeof(err));
	cr_assert(d, "%s", err);
	ide_attach(c, 0, d);
	ide_reset(c);
	ide_write_cmd(c, 7, 0xB0, 1);              /* SMART: unsupported */
	ide_write_cmd(c, 7, 0xB0, 1);
	ide_write_cmd(c, 7, 0xF8, 1);
	cr_expect_eq(lr.calls, 1, "logged once");
	cr_expect(strstr(lr.last, "ide0") && strstr(lr.last, "b0"), "%s", lr.last);
	cr_expect_eq(ide_read_cmd(c, 7, 1), 0x41);

	/* The image shrinks under us: the read ends with UNC, the host lives. */
	cr_assert_eq(truncate(path, 8 * 512), 0);
	ide_write_cmd(c, 6, 0xE0, 1);
	ide_write_cmd(c, 2, 1, 1);
	ide_write_cmd(c, 3, 40, 1);
	ide_write_cmd(c, 4, 0, 1);
	ide_write_cmd(c, 5, 0, 1);
	ide_write_cmd(c, 7, 0x20, 1);
	cr_expect_eq(ide_read_cmd(c, 7, 1), 0x41);
	cr_expect_eq(ide_read_cmd(c, 1, 1), 0x40, "UNC");
	cr_expect_eq(lr.calls, 2);

	/* A hardware reset drops a raised line. */
	ide_write_cmd(c, 7, 0xE5, 1);
	cr_expect_eq(rec.level, 1);
	ide_reset(c);
	cr_expect_eq(rec.level, 0);
	cr_expect_eq(ide_read_cmd(c, 7, 1), 0x50);
	ide_free(c);
	disk_free(d);
	unlink(path);
	free(path);
}
