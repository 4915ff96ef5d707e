/*
 * machine/disk.h: a raw disk image of 512-byte sectors behind the IDE disks.
 *
 * In snapshot mode (the default) the image file is opened read-only and
 * every sector the guest writes lands in an in-memory overlay; the user's
 * file never changes. In rw mode writes also go through to the file. In both
 * modes the overlay records every written sector, so it is part of the
 * device state: disk_state_visit() saves it in sector order, and the same
 * guest run hashes the same in either mode. Overlay memory is bounded by what the guest
 * writes (a two-level table of 64-sector chunks). See docs/ide.md.
 */
#ifndef LS_MACHINE_DISK_H
#define LS_MACHINE_DISK_H

#include <stddef.h>
#include <stdint.h>

#define DISK_SECTOR_SIZE 512

enum disk_mode { DISK_SNAPSHOT, DISK_RW };

struct disk;

/* Open the image at path. Its size must be a non-zero multiple of 512 bytes
 * (anything else is refused, not rounded). Returns NULL on failure with a
 * one-line message naming the file and the reason in err (no newline). */
struct disk *disk_open(const char *path, enum disk_mode mode, char *err, size_t errlen);
/* Close the file and free the overlay. NULL is a no-op. Nothing is written. */
void disk_free(struct disk *d);

/* Size in sectors, the path given to disk_open, and the mode. */
uint64_t disk_sectors(const struct disk *d);
const char *disk_path(const struct disk *d);
enum disk_mode disk_get_mode(const struct disk *d);

/* Read n sectors from lba into buf (n * 512 bytes): overlay sectors from the
 * overlay, the rest from the file. Returns 0, -ERANGE when the range leaves
 * the disk (nothing read), or another negative errno on a host I/O error
 * (a file that shrank under us reads as -EIO). */
int disk_read(struct disk *d, uint64_t lba, uint32_t n, void *buf);
/* Write n sectors from buf at lba into the overlay (and, in rw mode, the
 * file). Returns 0, -ERANGE, -ENOMEM, or a negative errno from the file. */
int disk_write(struct disk *d, uint64_t lba, uint32_t n, const void *buf);
/* Flush written data to the file in rw mode (fdatasync); 0 in snapshot mode.
 * Returns 0 or a negative errno. */
int disk_flush(struct disk *d);

/* Number of distinct sectors the guest has written. */
uint64_t disk_dirty_sectors(const struct disk *d);

/* XXH3-128 of the image file's content as it is on the host now (for the
 * trace header: call it before the guest runs). out receives the canonical
 * big-endian 16 bytes. Returns 0 or a negative errno. */
int disk_image_hash(const struct disk *d, uint8_t out[16]);

struct state_io;
/* Snapshot state (machine/state_io.h): the overlay, as the dirty-sector
 * count (u64), then for each written sector in ascending LBA order its LBA
 * (u64) and its 512 bytes; independent of host pointers, allocation order and
 * mode. Loading replaces the overlay (the image file is never written). */
void disk_state_visit(struct disk *d, struct state_io *s);

#endif
