/*
 * machine/ide.h: one ATA (IDE) channel on the legacy ports (PIIX3 IDE in
 * compatibility mode): the command block (primary 0x1F0-0x1F7, secondary
 * 0x170-0x177), the control block (0x3F6 / 0x376: Alternate Status on read,
 * Device Control on write), up to two hard disks (device 0 "master",
 * device 1 "slave") and the channel's INTRQ (IRQ 14 / 15).
 *
 * PIO only (no bus-master DMA, no ATAPI). Commands complete at once: BSY is
 * only ever seen while SRST is asserted. Register behaviour follows
 * ATA/ATAPI-7 volume 1; how absent devices answer is explained in
 * docs/ide.md.
 */
#ifndef LS_MACHINE_IDE_H
#define LS_MACHINE_IDE_H

#include <stddef.h>
#include <stdint.h>

#include "machine/irq.h"
#include "machine/isa_dev.h"

struct disk;
struct ide;

/* Status register bits (ATA/ATAPI-7 Status register: BSY DRDY DF DSC DRQ . . ERR). */
#define IDE_STATUS_BSY  0x80
#define IDE_STATUS_DRDY 0x40
#define IDE_STATUS_DF   0x20
#define IDE_STATUS_DSC  0x10
#define IDE_STATUS_DRQ  0x08
#define IDE_STATUS_ERR  0x01
/* Error register bits. */
#define IDE_ERROR_UNC   0x40
#define IDE_ERROR_IDNF  0x10
#define IDE_ERROR_ABRT  0x04
/* Device Control register bits. */
#define IDE_CTL_HOB     0x80
#define IDE_CTL_SRST    0x04
#define IDE_CTL_NIEN    0x02

/* Called when a read command (READ SECTORS/MULTIPLE, and their EXT forms)
 * starts on a present disk: drive = channel * 2 + device, the first LBA and
 * the number of sectors requested. The replay milestone `boot-read` hangs
 * here; the callback must not touch the channel. */
typedef void (*ide_read_hook_fn)(void *opaque, int drive, uint64_t lba, uint32_t count);

/* A channel (0 primary, 1 secondary) with no disks, in its power-on state.
 * irq is its INTRQ line (raised and lowered as a level; not driven until the
 * guest makes it change); log may be NULL.
 * Returns NULL on allocation failure. */
struct ide *ide_new(int channel, struct irq_line irq, const struct isa_log *log);
/* Frees the channel, not the disks attached to it. NULL is a no-op. */
void ide_free(struct ide *c);

/* Attach disk d (owned by the caller, must outlive the channel) as device
 * 0 or 1, or detach it with d = NULL. Call before the guest runs, then
 * ide_reset(). Returns 0, or -1 for a bad device number. */
int ide_attach(struct ide *c, int device, struct disk *d);

/* Hardware reset (power-on, system reset): both devices as after RESET-,
 * with the ATA signature in the task file, default geometry, multiple mode
 * off, nIEN clear, INTRQ low. */
void ide_reset(struct ide *c);

void ide_set_read_hook(struct ide *c, ide_read_hook_fn fn, void *opaque);

/* Port callbacks (mem.h shapes), opaque = the struct ide. The command block
 * covers 8 ports (offset 0 = data, 1 = error/features, 2 = sector count,
 * 3-5 = LBA low/mid/high, 6 = device, 7 = status/command); the data port
 * takes 2- and 4-byte accesses, the others 1 byte (wider accesses to them
 * touch only the addressed register). The control block is one port
 * (offset 0): Alternate Status / Device Control. */
uint32_t ide_read_cmd(void *opaque, uint32_t offset, int size);
void ide_write_cmd(void *opaque, uint32_t offset, uint32_t value, int size);
uint32_t ide_read_ctl(void *opaque, uint32_t offset, int size);
void ide_write_ctl(void *opaque, uint32_t offset, uint32_t value, int size);

/* The default CHS geometry for a disk of `sectors` sectors, as QEMU guesses
 * it from the size: 16 heads, 63 sectors per track, cylinders = sectors /
 * 1008 clamped to 2..16383. */
void ide_default_geometry(uint64_t sectors, unsigned *cyls, unsigned *heads,
			  unsigned *spt);

struct state_io;
/* Snapshot state (machine/state_io.h): hash, save and load alike. The
 * attached disks are configuration (a load checks they match); their
 * overlays are saved apart (disk_state_visit). */
void ide_state_visit(struct ide *c, struct state_io *s);

#endif
