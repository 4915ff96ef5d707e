/*
 * machine/ide.c: one ATA channel on the legacy ports, two hard-disk slots,
 * PIO data transfers (see ide.h). Follows ATA/ATAPI-7 (T13/1532D): the
 * command descriptions and IDENTIFY DEVICE data of volume 1, the register
 * descriptions, reset and PIO data-in/data-out protocols of volume 2
 * (parallel transport). Reference behaviour: QEMU hw/ide/core.c, Bochs
 * iodev/harddrv.cc. Absent-device answers are explained in docs/ide.md.
 */
#include "machine/ide.h"
#include "machine/state_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/disk.h"

#define IDE_MAX_MULT 16                  /* READ/WRITE MULTIPLE block limit */
#define IDE_BUF_SIZE (IDE_MAX_MULT * DISK_SECTOR_SIZE)

/* Offsets in the command block. */
enum {
	REG_DATA, REG_ERROR, REG_COUNT, REG_LBAL, REG_LBAM, REG_LBAH, REG_DEVICE, REG_STATUS
};

#define DEV_LBA 0x40                     /* Device register: LBA addressing */
#define DEV_DEV 0x10                     /* Device register: device 1 selected */
#define DEV_OBS 0xA0                     /* obsolete bits 7 and 5 read as one */
#define STATUS_OK (IDE_STATUS_DRDY | IDE_STATUS_DSC)

/* Logged-once kinds (bits of struct ide.logged). */
enum {
	LOG_UNKNOWN_CMD, LOG_ABSENT_CMD, LOG_DATA_BYTE, LOG_DATA_NO_DRQ, LOG_DMA_MODE,
	LOG_FEATURE, LOG_READ_ERR, LOG_WRITE_ERR, LOG_WIDE_REG, LOG_FLUSH_ERR,
	LOG_PACKET,
};

enum xfer { XFER_NONE, XFER_IN, XFER_OUT };

/* One device slot. Every device latches every command-block register write
 * (both see the same task file), so an absent device still echoes it. */
struct ide_dev {
	struct disk *disk;                   /* NULL: no device */
	uint64_t sectors;
	/* Task file: current values and the previous ones (HOB, 48-bit). */
	uint8_t feature, count, lbal, lbam, lbah;
	uint8_t hob_feature, hob_count, hob_lbal, hob_lbam, hob_lbah;
	uint8_t device, error, status;
	uint8_t intrq;                       /* interrupt pending */
	/* Geometry: default (IDENTIFY words 1/3/6) and current (54-56). */
	uint16_t cyls, heads, spt;
	uint16_t cur_cyls, cur_heads, cur_spt;
	uint8_t mult;                        /* SET MULTIPLE block size; 0 = off */
	/* Data phase of the command in progress. */
	uint8_t cmd;                         /* the command; 0 = none */
	uint8_t xfer;                        /* enum xfer */
	uint8_t lba48;                       /* address written back as 48-bit */
	uint8_t chs;                         /* address written back as CHS */
	uint64_t lba;                        /* next sector to transfer */
	uint32_t left;                       /* sectors left, current block included */
	uint32_t block;                      /* sectors in the current DRQ block */
	uint32_t pos, len;                   /* bytes done / in the current block */
	uint8_t buf[IDE_BUF_SIZE];
};

struct ide {
	int channel;
	struct irq_line irq;
	struct isa_log log;
	uint32_t logged;                     /* host state, not hashed */
	int irq_level;                       /* what the line was last driven to */
	uint8_t ctl;                         /* Device Control: HOB, SRST, nIEN */
	uint8_t sel;                         /* selected device (DEV bit) */
	struct ide_dev dev[2];
	ide_read_hook_fn on_read;
	void *on_read_opaque;
};

static void ide_log(struct ide *c, int kind, const char *fmt, unsigned a, unsigned b)
{
	if (c->logged & (1u << kind))
		return;
	char msg[160];
	int n = snprintf(msg, sizeof(msg), "ide%d: ", c->channel);
	snprintf(msg + n, sizeof(msg) - (size_t)n, fmt, a, b);
	isa_log_once(&c->log, &c->logged, kind, msg);
}

static int any_present(const struct ide *c)
{
	return c->dev[0].disk || c->dev[1].disk;
}

/* INTRQ is driven by the selected device when nIEN is clear (ATA/ATAPI-7,
 * Device Control register). */
static void irq_update(struct ide *c)
{
	int level = c->dev[c->sel].intrq && !(c->ctl & IDE_CTL_NIEN);
	if (level != c->irq_level) {
		c->irq_level = level;
		irq_set(&c->irq, level);
	}
}

static void raise_intrq(struct ide *c, struct ide_dev *d)
{
	d->intrq = 1;
	irq_update(c);
}

/* ---- geometry ---- */

void ide_default_geometry(uint64_t sectors, unsigned *cyls, unsigned *heads, unsigned *spt)
{
	uint64_t c = sectors / (16 * 63);
	if (c > 16383)
		c = 16383;
	if (c < 2)
		c = 2;
	*cyls = (unsigned)c;
	*heads = 16;
	*spt = 63;
}

static void geometry_set_current(struct ide_dev *d, unsigned heads, unsigned spt)
{
	uint64_t c = d->sectors / ((uint64_t)heads * spt);
	if (c > 65535)
		c = 65535;
	d->cur_heads = (uint16_t)heads;
	d->cur_spt = (uint16_t)spt;
	d->cur_cyls = (uint16_t)c;
}

/* ---- IDENTIFY DEVICE data (ATA/ATAPI-7 V1, IDENTIFY DEVICE command) ---- */

/* ATA strings: two characters per word, the first in bits 15:8; padded with
 * spaces to len characters. */
static void id_string(uint16_t *w, const char *s, size_t len)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < len; i += 2) {
		uint8_t hi = (uint8_t)(i < n ? s[i] : ' ');
		uint8_t lo = (uint8_t)(i + 1 < n ? s[i + 1] : ' ');
		w[i / 2] = (uint16_t)(hi << 8 | lo);
	}
}

static void identify_fill(const struct ide *c, int unit, uint8_t *out)
{
	const struct ide_dev *d = &c->dev[unit];
	uint16_t w[256];
	memset(w, 0, sizeof(w));
	char serial[21];
	snprintf(serial, sizeof(serial), "LOCKSTEP-ATA-%d", c->channel * 2 + unit);
	uint64_t lba28 = d->sectors < 0x0FFFFFFF ? d->sectors : 0x0FFFFFFF;
	uint64_t lba48 = d->sectors < (1ull << 48) ? d->sectors : (1ull << 48) - 1;
	uint32_t cur_cap = (uint32_t)d->cur_cyls * d->cur_heads * d->cur_spt;

	w[0] = 0x0040;                       /* ATA device, fixed (obsolete bit 6) */
	w[1] = d->cyls;
	w[3] = d->heads;
	w[4] = (uint16_t)(DISK_SECTOR_SIZE * d->spt); /* retired: bytes per track */
	w[5] = DISK_SECTOR_SIZE;             /* retired: bytes per sector (Bochs BIOS reads it) */
	w[6] = d->spt;
	id_string(&w[10], serial, 20);
	id_string(&w[23], "1.0", 8);         /* firmware revision */
	id_string(&w[27], "LOCKSTEP HARDDISK", 40);
	w[47] = 0x8000 | IDE_MAX_MULT;       /* READ/WRITE MULTIPLE: up to 16 sectors */
	w[48] = 1;                           /* dword I/O (pre-ATA-4; BIOSes use it) */
	w[49] = 1u << 11 | 1u << 9;          /* IORDY supported, LBA supported */
	w[50] = 0x4000;
	w[51] = 0x0200;                      /* obsolete PIO timing mode 2 */
	w[53] = 0x0003;                      /* words 54-58 and 64-70 valid */
	w[54] = d->cur_cyls;
	w[55] = d->cur_heads;
	w[56] = d->cur_spt;
	w[57] = (uint16_t)cur_cap;
	w[58] = (uint16_t)(cur_cap >> 16);
	if (d->mult)
		w[59] = 0x0100 | d->mult;        /* multiple sector setting valid */
	w[60] = (uint16_t)lba28;
	w[61] = (uint16_t)(lba28 >> 16);
	w[64] = 0x0003;                      /* PIO modes 3 and 4 */
	w[65] = w[66] = w[67] = w[68] = 120; /* cycle times, ns */
	w[80] = 0x00F0;                      /* ATA/ATAPI-4 to -7 */
	w[82] = 1u << 3;                     /* power management feature set */
	w[83] = 0x4000 | 1u << 13 | 1u << 12 | 1u << 10; /* FLUSH CACHE (EXT), 48-bit */
	w[84] = 0x4000;
	w[85] = w[82];
	w[86] = 1u << 13 | 1u << 12 | 1u << 10;
	w[87] = 0x4000;
	/* Hardware reset result (word 93): device number by jumper, diagnostics
	 * passed; device 0 also reports whether device 1 answered (PDIAG-,
	 * DASP-) or whether it responds for an absent device 1 (bit 6). */
	if (unit == 0)
		w[93] = 0x4000 | 0x000B | (c->dev[1].disk ? 0x0030 : 0x0040);
	else
		w[93] = 0x4000 | 0x0B00;
	for (int i = 0; i < 4; i++)
		w[100 + i] = (uint16_t)(lba48 >> (16 * i));

	for (int i = 0; i < 256; i++) {
		out[2 * i] = (uint8_t)w[i];
		out[2 * i + 1] = (uint8_t)(w[i] >> 8);
	}
	/* Integrity word 255: signature A5h, then the checksum that makes all 512
	 * bytes sum to zero (mod 256). */
	out[510] = 0xA5;
	uint8_t sum = 0;
	for (int i = 0; i < 511; i++)
		sum = (uint8_t)(sum + out[i]);
	out[511] = (uint8_t)-sum;
}

/* ---- task file ---- */

/* The reset signature (ATA/ATAPI-7, signatures after reset): count 01h, LBA 000001h for a
 * hard disk; an absent device reads FFh in LBA mid/high, as in QEMU and
 * Bochs (the Bochs BIOS then classifies it as "none"). Device register 00h. */
static void set_signature(struct ide_dev *d)
{
	d->count = 1;
	d->lbal = 1;
	d->lbam = d->disk ? 0x00 : 0xFF;
	d->lbah = d->disk ? 0x00 : 0xFF;
	d->hob_count = d->hob_lbal = d->hob_lbam = d->hob_lbah = 0;
	d->device = 0;
}

static void xfer_stop(struct ide_dev *d)
{
	d->xfer = XFER_NONE;
	d->cmd = 0;
	d->pos = d->len = 0;
	d->left = d->block = 0;
}

static void cmd_ok(struct ide *c, struct ide_dev *d)
{
	xfer_stop(d);
	d->status = STATUS_OK;
	raise_intrq(c, d);
}

static void cmd_error(struct ide *c, struct ide_dev *d, uint8_t error)
{
	xfer_stop(d);
	d->error = error;
	d->status = IDE_STATUS_DRDY | IDE_STATUS_ERR;
	raise_intrq(c, d);
}

static void cmd_abort(struct ide *c, struct ide_dev *d)
{
	cmd_error(c, d, IDE_ERROR_ABRT);
}

/* The address and count the task file names for a transfer command.
 * Returns 0, or -1 for a CHS address outside the current geometry. */
static int taskfile_address(const struct ide_dev *d, int lba48, uint64_t *lba, uint32_t *count)
{
	if (lba48) {
		*lba = (uint64_t)d->hob_lbah << 40 | (uint64_t)d->hob_lbam << 32 |
		       (uint64_t)d->hob_lbal << 24 | (uint64_t)d->lbah << 16 |
		       (uint64_t)d->lbam << 8 | d->lbal;
		*count = (uint32_t)d->hob_count << 8 | d->count;
		if (!*count)
			*count = 65536;
		return 0;
	}
	*count = d->count ? d->count : 256;
	if (d->device & DEV_LBA) {
		*lba = (uint64_t)(d->device & 0x0F) << 24 | (uint64_t)d->lbah << 16 |
		       (uint64_t)d->lbam << 8 | d->lbal;
		return 0;
	}
	unsigned cyl = (unsigned)d->lbah << 8 | d->lbam;
	unsigned head = d->device & 0x0F;
	unsigned sec = d->lbal;
	if (!sec || sec > d->cur_spt || head >= d->cur_heads || cyl >= d->cur_cyls)
		return -1;
	*lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_spt + sec - 1;
	return 0;
}

/* After n sectors moved: the task file names the next sector and the count
 * still to go (as QEMU and Bochs leave it). */
static void taskfile_advance(struct ide_dev *d, uint32_t n)
{
	d->lba += n;
	d->left -= n;
	d->count = (uint8_t)d->left;
	if (d->lba48) {
		d->hob_count = (uint8_t)(d->left >> 8);
		d->lbal = (uint8_t)d->lba;
		d->lbam = (uint8_t)(d->lba >> 8);
		d->lbah = (uint8_t)(d->lba >> 16);
		d->hob_lbal = (uint8_t)(d->lba >> 24);
		d->hob_lbam = (uint8_t)(d->lba >> 32);
		d->hob_lbah = (uint8_t)(d->lba >> 40);
	} else if (!d->chs) {
		d->lbal = (uint8_t)d->lba;
		d->lbam = (uint8_t)(d->lba >> 8);
		d->lbah = (uint8_t)(d->lba >> 16);
		d->device = (uint8_t)((d->device & 0xF0) | ((d->lba >> 24) & 0x0F));
	} else {
		uint64_t track = d->lba / d->cur_spt;
		uint64_t cyl = track / d->cur_heads;
		if (cyl > 0xFFFF)
			cyl = 0xFFFF;
		d->lbal = (uint8_t)(d->lba % d->cur_spt + 1);
		d->lbam = (uint8_t)cyl;
		d->lbah = (uint8_t)(cyl >> 8);
		d->device = (uint8_t)((d->device & 0xF0) | (track % d->cur_heads));
	}
}

/* ---- PIO data phases (ATA/ATAPI-7 PIO data-in and data-out protocols) ---- */

/* Load the next DRQ block of a read and signal it: DRQ set, INTRQ per block. */
static void read_block(struct ide *c, struct ide_dev *d)
{
	uint32_t per = (d->cmd == 0xC4 || d->cmd == 0x29) ? d->mult : 1;
	uint32_t n = d->left < per ? d->left : per;
	int r = disk_read(d->disk, d->lba, n, d->buf);
	if (r < 0) {
		ide_log(c, LOG_READ_ERR, "host read error at LBA %u (errno %u)",
			(unsigned)d->lba, (unsigned)-r);
		cmd_error(c, d, IDE_ERROR_UNC);
		return;
	}
	d->block = n;
	d->pos = 0;
	d->len = n * DISK_SECTOR_SIZE;
	d->status = STATUS_OK | IDE_STATUS_DRQ;
	raise_intrq(c, d);
}

/* Open the next DRQ block of a write (no interrupt for the first one). */
static void write_block_open(struct ide_dev *d)
{
	uint32_t per = (d->cmd == 0xC5 || d->cmd == 0x39) ? d->mult : 1;
	d->block = d->left < per ? d->left : per;
	d->pos = 0;
	d->len = d->block * DISK_SECTOR_SIZE;
	d->status = STATUS_OK | IDE_STATUS_DRQ;
}

static void data_in_done(struct ide *c, struct ide_dev *d)
{
	if (d->cmd == 0xEC) {                /* IDENTIFY: one block, no disk */
		xfer_stop(d);
		d->status = STATUS_OK;
		return;
	}
	taskfile_advance(d, d->block);
	if (!d->left) {                      /* PIO data-in: no interrupt at the end */
		xfer_stop(d);
		d->status = STATUS_OK;
		return;
	}
	read_block(c, d);
}

static void data_out_done(struct ide *c, struct ide_dev *d)
{
	int r = disk_write(d->disk, d->lba, d->block, d->buf);
	if (r < 0) {
		ide_log(c, LOG_WRITE_ERR, "host write error at LBA %u (errno %u)",
			(unsigned)d->lba, (unsigned)-r);
		cmd_abort(c, d);
		return;
	}
	taskfile_advance(d, d->block);
	if (!d->left) {
		cmd_ok(c, d);
		return;
	}
	write_block_open(d);
	raise_intrq(c, d);
}

static uint16_t data_read16(struct ide *c, struct ide_dev *d)
{
	if (d->xfer != XFER_IN) {
		ide_log(c, LOG_DATA_NO_DRQ, "data port read without DRQ (device %u)",
			c->sel, 0);
		return 0;
	}
	uint16_t v = (uint16_t)(d->buf[d->pos] | d->buf[d->pos + 1] << 8);
	d->pos += 2;
	if (d->pos >= d->len)
		data_in_done(c, d);
	return v;
}

static void data_write16(struct ide *c, struct ide_dev *d, uint16_t v)
{
	if (d->xfer != XFER_OUT) {
		ide_log(c, LOG_DATA_NO_DRQ, "data port write without DRQ (device %u)",
			c->sel, 0);
		return;
	}
	d->buf[d->pos] = (uint8_t)v;
	d->buf[d->pos + 1] = (uint8_t)(v >> 8);
	d->pos += 2;
	if (d->pos >= d->len)
		data_out_done(c, d);
}

/* ---- commands ---- */

/* Decode and range-check the transfer address; on failure the command ends
 * with IDNF (ATA/ATAPI-7 Error register: ID not found). */
static int start_address(struct ide *c, struct ide_dev *d, uint8_t cmd, int lba48)
{
	uint64_t lba;
	uint32_t count;
	if (taskfile_address(d, lba48, &lba, &count) < 0 || lba >= d->sectors ||
	    count > d->sectors - lba) {
		cmd_error(c, d, IDE_ERROR_IDNF);
		return -1;
	}
	d->cmd = cmd;
	d->lba48 = (uint8_t)lba48;
	d->chs = !lba48 && !(d->device & DEV_LBA);
	d->lba = lba;
	d->left = count;
	return 0;
}

static void cmd_read(struct ide *c, struct ide_dev *d, uint8_t cmd, int lba48, int mult)
{
	if (mult && !d->mult) {
		cmd_abort(c, d);
		return;
	}
	if (start_address(c, d, cmd, lba48) < 0)
		return;
	if (c->on_read)
		c->on_read(c->on_read_opaque, c->channel * 2 + c->sel, d->lba, d->left);
	d->xfer = XFER_IN;
	read_block(c, d);
}

static void cmd_write(struct ide *c, struct ide_dev *d, uint8_t cmd, int lba48, int mult)
{
	if (mult && !d->mult) {
		cmd_abort(c, d);
		return;
	}
	if (start_address(c, d, cmd, lba48) < 0)
		return;
	d->xfer = XFER_OUT;
	write_block_open(d);                 /* PIO data-out: first DRQ without INTRQ */
}

static void cmd_verify(struct ide *c, struct ide_dev *d, uint8_t cmd, int lba48)
{
	if (start_address(c, d, cmd, lba48) < 0)
		return;
	taskfile_advance(d, d->left);
	cmd_ok(c, d);
}

static void cmd_seek(struct ide *c, struct ide_dev *d)
{
	uint64_t lba;
	uint32_t count;
	if (taskfile_address(d, 0, &lba, &count) < 0 || lba >= d->sectors) {
		cmd_error(c, d, IDE_ERROR_IDNF);
		return;
	}
	cmd_ok(c, d);
}

static void cmd_identify(struct ide *c, struct ide_dev *d)
{
	identify_fill(c, c->sel, d->buf);
	d->cmd = 0xEC;
	d->xfer = XFER_IN;
	d->block = 1;
	d->pos = 0;
	d->len = DISK_SECTOR_SIZE;
	d->status = STATUS_OK | IDE_STATUS_DRQ;
	raise_intrq(c, d);
}

/* SET FEATURES (ATA/ATAPI-7 V1): transfer modes and cache switches. */
static void cmd_set_features(struct ide *c, struct ide_dev *d)
{
	switch (d->feature) {
	case 0x03: {                         /* set transfer mode from the count */
		unsigned type = d->count >> 3, mode = d->count & 7;
		if ((type == 0 && mode <= 1) || (type == 1 && mode <= 4)) {
			cmd_ok(c, d);            /* PIO default / PIO flow-control mode */
			return;
		}
		ide_log(c, LOG_DMA_MODE, "SET FEATURES transfer mode %02x refused (PIO only)",
			d->count, 0);
		cmd_abort(c, d);
		return;
	}
	case 0x02: case 0x82:                /* write cache on/off */
	case 0xAA: case 0x55:                /* read look-ahead on/off */
	case 0xCC: case 0x66:                /* reverting to power-on defaults */
		cmd_ok(c, d);
		return;
	default:
		ide_log(c, LOG_FEATURE, "SET FEATURES subcommand %02x unsupported",
			d->feature, 0);
		cmd_abort(c, d);
	}
}

/* EXECUTE DEVICE DIAGNOSTIC (ATA/ATAPI-7 V1): both devices run it
 * whatever DEV says; each gets its signature and diagnostic code 01h. */
static void cmd_diagnostic(struct ide *c)
{
	for (int i = 0; i < 2; i++) {
		struct ide_dev *d = &c->dev[i];
		xfer_stop(d);
		set_signature(d);
		d->device = c->sel ? DEV_DEV : 0;
		d->error = d->disk ? 0x01 : 0x00;
		d->status = d->disk ? STATUS_OK : 0;
	}
	struct ide_dev *d0 = c->dev[0].disk ? &c->dev[0] : &c->dev[1];
	raise_intrq(c, d0);
}

static void ide_command(struct ide *c, uint8_t cmd)
{
	if (c->ctl & IDE_CTL_SRST)
		return;                          /* BSY: the device ignores the host */
	if (cmd == 0x90) {
		cmd_diagnostic(c);
		return;
	}
	struct ide_dev *d = &c->dev[c->sel];
	if (!d->disk) {
		ide_log(c, LOG_ABSENT_CMD, "command %02x to absent device %u ignored", cmd, c->sel);
		return;
	}
	/* Writing the Command register clears a pending interrupt and ends any
	 * data phase in progress. */
	d->intrq = 0;
	irq_update(c);
	xfer_stop(d);
	d->error = 0;

	switch (cmd) {
	case 0xEC: cmd_identify(c, d); break;
	case 0x20: case 0x21: cmd_read(c, d, cmd, 0, 0); break;
	case 0x24: cmd_read(c, d, cmd, 1, 0); break;
	case 0xC4: cmd_read(c, d, cmd, 0, 1); break;
	case 0x29: cmd_read(c, d, cmd, 1, 1); break;
	case 0x30: case 0x31: cmd_write(c, d, cmd, 0, 0); break;
	case 0x34: cmd_write(c, d, cmd, 1, 0); break;
	case 0xC5: cmd_write(c, d, cmd, 0, 1); break;
	case 0x39: cmd_write(c, d, cmd, 1, 1); break;
	case 0x40: case 0x41: cmd_verify(c, d, cmd, 0); break;
	case 0x42: cmd_verify(c, d, cmd, 1); break;
	case 0x70: cmd_seek(c, d); break;
	case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15: case 0x16: case 0x17:
	case 0x18: case 0x19: case 0x1A: case 0x1B: case 0x1C: case 0x1D: case 0x1E: case 0x1F:
		cmd_ok(c, d);                    /* RECALIBRATE (obsolete): nothing to move */
		break;
	case 0x91:                           /* INITIALIZE DEVICE PARAMETERS */
		if (!d->count) {
			cmd_abort(c, d);
			break;
		}
		geometry_set_current(d, (d->device & 0x0F) + 1u, d->count);
		cmd_ok(c, d);
		break;
	case 0xC6: {                         /* SET MULTIPLE MODE: 0 turns it off */
		unsigned n = d->count;
		if (n > IDE_MAX_MULT || (n & (n - 1))) {
			cmd_abort(c, d);
			break;
		}
		d->mult = (uint8_t)n;
		cmd_ok(c, d);
		break;
	}
	case 0xEF: cmd_set_features(c, d); break;
	case 0xE7: case 0xEA: {              /* FLUSH CACHE (EXT) */
		int r = disk_flush(d->disk);
		if (r < 0) {
			ide_log(c, LOG_FLUSH_ERR, "host flush error (errno %u)", (unsigned)-r, 0);
			cmd_abort(c, d);
			break;
		}
		cmd_ok(c, d);
		break;
	}
	case 0xE5: case 0x98:                /* CHECK POWER MODE: active or idle */
		d->count = 0xFF;
		cmd_ok(c, d);
		break;
	case 0xE0: case 0xE1: case 0xE2: case 0xE3:  /* STANDBY/IDLE (IMMEDIATE) */
	case 0x94: case 0x95: case 0x96: case 0x97:  /* their obsolete codes */
		cmd_ok(c, d);
		break;
	case 0xA0: case 0xA1:                /* PACKET, IDENTIFY PACKET: not ATAPI */
		ide_log(c, LOG_PACKET, "packet command %02x to a hard disk aborted", cmd, 0);
		cmd_abort(c, d);
		break;
	default:
		ide_log(c, LOG_UNKNOWN_CMD, "command %02x unsupported, aborted", cmd, 0);
		cmd_abort(c, d);
		break;
	}
}

/* ---- ports ---- */

static uint32_t ones(int size)
{
	return size >= 4 ? 0xFFFFFFFFu : size == 2 ? 0xFFFFu : 0xFFu;
}

static uint8_t absent_status(const struct ide *c)
{
	/* Device 0 answers for an absent device 1 with 00h; while SRST is
	 * asserted both report BSY (docs/ide.md). */
	return (c->ctl & IDE_CTL_SRST) ? IDE_STATUS_BSY : 0x00;
}

uint32_t ide_read_cmd(void *opaque, uint32_t offset, int size)
{
	struct ide *c = opaque;
	if (!any_present(c))
		return ones(size);               /* no device drives the bus */
	struct ide_dev *d = &c->dev[c->sel];
	offset &= 7;
	if (offset == REG_DATA) {
		if (size == 1) {
			ide_log(c, LOG_DATA_BYTE, "8-bit data port read", 0, 0);
			return 0xFF;
		}
		uint32_t v = data_read16(c, d);
		if (size == 4)
			v |= (uint32_t)data_read16(c, d) << 16;
		return v;
	}
	if (size != 1)
		ide_log(c, LOG_WIDE_REG, "%u-byte access to register %u", (unsigned)size, offset);
	uint8_t status = d->disk ? d->status : absent_status(c);
	/* While BSY is set every command block register reads as Status. */
	if (status & IDE_STATUS_BSY)
		return status;
	int hob = c->ctl & IDE_CTL_HOB;
	switch (offset) {
	case REG_ERROR: return d->disk ? d->error : 0x00;
	case REG_COUNT: return hob ? d->hob_count : d->count;
	case REG_LBAL: return hob ? d->hob_lbal : d->lbal;
	case REG_LBAM: return hob ? d->hob_lbam : d->lbam;
	case REG_LBAH: return hob ? d->hob_lbah : d->lbah;
	case REG_DEVICE: return d->device | DEV_OBS;
	default:                             /* Status: acknowledges the interrupt */
		d->intrq = 0;
		irq_update(c);
		return status;
	}
}

void ide_write_cmd(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct ide *c = opaque;
	if (!any_present(c))
		return;
	offset &= 7;
	if (offset == REG_DATA) {
		struct ide_dev *d = &c->dev[c->sel];
		if (size == 1) {
			ide_log(c, LOG_DATA_BYTE, "8-bit data port write", 0, 0);
			return;
		}
		data_write16(c, d, (uint16_t)value);
		if (size == 4)
			data_write16(c, d, (uint16_t)(value >> 16));
		return;
	}
	uint8_t v = (uint8_t)value;
	/* A write to any command block register clears HOB (ATA/ATAPI-7,
	 * Device Control register). */
	c->ctl &= (uint8_t)~IDE_CTL_HOB;
	if (offset == REG_STATUS) {
		ide_command(c, v);
		return;
	}
	for (int i = 0; i < 2; i++) {
		struct ide_dev *d = &c->dev[i];
		switch (offset) {
		case REG_ERROR: d->hob_feature = d->feature; d->feature = v; break;
		case REG_COUNT: d->hob_count = d->count; d->count = v; break;
		case REG_LBAL: d->hob_lbal = d->lbal; d->lbal = v; break;
		case REG_LBAM: d->hob_lbam = d->lbam; d->lbam = v; break;
		case REG_LBAH: d->hob_lbah = d->lbah; d->lbah = v; break;
		default: d->device = v & (uint8_t)~DEV_OBS; break;
		}
	}
	if (offset == REG_DEVICE) {
		c->sel = (v & DEV_DEV) ? 1 : 0;
		irq_update(c);                   /* INTRQ follows the selected device */
	}
}

uint32_t ide_read_ctl(void *opaque, uint32_t offset, int size)
{
	struct ide *c = opaque;
	(void)offset;
	if (!any_present(c))
		return ones(size);
	const struct ide_dev *d = &c->dev[c->sel];
	/* Alternate Status: Status without acknowledging the interrupt. */
	return d->disk ? d->status : absent_status(c);
}

void ide_write_ctl(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct ide *c = opaque;
	(void)offset;
	(void)size;
	uint8_t old = c->ctl;
	c->ctl = (uint8_t)(value & (IDE_CTL_HOB | IDE_CTL_SRST | IDE_CTL_NIEN));
	if (!(old & IDE_CTL_SRST) && (c->ctl & IDE_CTL_SRST)) {
		/* SRST asserted (ATA/ATAPI-7 software reset protocol): both
		 * devices go busy. */
		for (int i = 0; i < 2; i++) {
			struct ide_dev *d = &c->dev[i];
			xfer_stop(d);
			d->intrq = 0;
			d->status = d->disk ? IDE_STATUS_BSY : 0;
		}
	} else if ((old & IDE_CTL_SRST) && !(c->ctl & IDE_CTL_SRST)) {
		/* SRST released: the reset completes at once; signature, diagnostic
		 * code 01h, device 0 selected, no interrupt. Multiple mode and the
		 * current geometry survive a software reset. */
		for (int i = 0; i < 2; i++) {
			struct ide_dev *d = &c->dev[i];
			set_signature(d);
			d->error = d->disk ? 0x01 : 0x00;
			d->status = d->disk ? STATUS_OK : 0;
		}
		c->sel = 0;
	}
	irq_update(c);
}

/* ---- lifetime ---- */

struct ide *ide_new(int channel, struct irq_line irq, const struct isa_log *log)
{
	struct ide *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->channel = channel;
	c->irq = irq;
	if (log)
		c->log = *log;
	ide_reset(c);
	return c;
}

void ide_free(struct ide *c)
{
	free(c);
}

int ide_attach(struct ide *c, int device, struct disk *d)
{
	if (device != 0 && device != 1)
		return -1;
	struct ide_dev *dev = &c->dev[device];
	dev->disk = d;
	dev->sectors = d ? disk_sectors(d) : 0;
	return 0;
}

void ide_reset(struct ide *c)
{
	c->ctl = 0;
	c->sel = 0;
	for (int i = 0; i < 2; i++) {
		struct ide_dev *d = &c->dev[i];
		struct disk *disk = d->disk;
		uint64_t sectors = d->sectors;
		memset(d, 0, sizeof(*d));
		d->disk = disk;
		d->sectors = sectors;
		if (disk) {
			unsigned cyl, heads, spt;
			ide_default_geometry(sectors, &cyl, &heads, &spt);
			d->cyls = (uint16_t)cyl;
			d->heads = (uint16_t)heads;
			d->spt = (uint16_t)spt;
			d->cur_cyls = d->cyls;
			d->cur_heads = d->heads;
			d->cur_spt = d->spt;
			d->error = 0x01;
			d->status = STATUS_OK;
		}
		set_signature(d);
	}
	if (c->irq_level) {                  /* drop the line if we held it up */
		c->irq_level = 0;
		irq_set(&c->irq, 0);
	}
}

void ide_set_read_hook(struct ide *c, ide_read_hook_fn fn, void *opaque)
{
	c->on_read = fn;
	c->on_read_opaque = opaque;
}

/* ---- state ---- */

void ide_state_visit(struct ide *c, struct state_io *s)
{
	state_io_tag(s, "ide");
	state_io_u8(s, &c->ctl);
	state_io_u8(s, &c->sel);
	state_io_int(s, &c->irq_level);
	for (int i = 0; i < 2; i++) {
		struct ide_dev *d = &c->dev[i];
		uint8_t present = d->disk != NULL;
		uint8_t *f[] = { &d->feature, &d->count, &d->lbal, &d->lbam, &d->lbah,
				 &d->hob_feature, &d->hob_count, &d->hob_lbal, &d->hob_lbam,
				 &d->hob_lbah, &d->device, &d->error, &d->status, &d->intrq,
				 &d->mult, &d->cmd, &d->xfer, &d->lba48, &d->chs };
		uint64_t sectors = d->sectors;

		state_io_u8(s, &present);
		state_io_u64(s, &sectors);
		/* The attached disk is configuration: it must match, not be loaded. */
		state_io_check(s, present == (d->disk != NULL) && sectors == d->sectors,
			       "IDE device (a different disk is attached)");
		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			state_io_u8(s, f[k]);
		state_io_u16(s, &d->cyls);
		state_io_u16(s, &d->heads);
		state_io_u16(s, &d->spt);
		state_io_u16(s, &d->cur_cyls);
		state_io_u16(s, &d->cur_heads);
		state_io_u16(s, &d->cur_spt);
		state_io_u64(s, &d->lba);
		state_io_u32(s, &d->left);
		state_io_u32(s, &d->block);
		state_io_u32(s, &d->pos);
		state_io_u32(s, &d->len);
		state_io_check(s, d->xfer <= XFER_OUT && d->len <= IDE_BUF_SIZE && d->pos <= d->len &&
			       d->block <= IDE_MAX_MULT && d->mult <= IDE_MAX_MULT, "IDE transfer state");
		if (s->error)
			return;
		state_io_bytes(s, d->buf, d->len);
	}
}
