/*
 * machine/disk.c: raw disk images with a copy-on-write overlay of written
 * sectors (see disk.h). The overlay is a two-level table: l1[lba >> 16]
 * points to an array of 1024 chunk pointers, each chunk holds 64 sectors and
 * a bit mask of which of them were written. Only touched parts are allocated.
 */
#include "machine/disk.h"
#include "machine/state_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "mem/bulk_hash.h"

#define CHUNK_SHIFT 6                       /* 64 sectors (32 KiB) per chunk */
#define CHUNK_SECTORS (1u << CHUNK_SHIFT)
#define L2_SHIFT 10                         /* 1024 chunks per second-level table */
#define L2_ENTRIES (1u << L2_SHIFT)
#define L1_SHIFT (CHUNK_SHIFT + L2_SHIFT)   /* 65536 sectors (32 MiB) per l1 entry */

struct disk_chunk {
	uint64_t dirty;                     /* bit i: sector i of the chunk was written */
	uint8_t data[CHUNK_SECTORS * DISK_SECTOR_SIZE];
};

struct disk {
	int fd;
	char *path;
	enum disk_mode mode;
	uint64_t sectors;
	uint64_t ndirty;
	size_t l1_len;
	struct disk_chunk ***l1;
};

static void disk_err(char *err, size_t errlen, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void disk_err(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	char reason[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, reason);
}

struct disk *disk_open(const char *path, enum disk_mode mode, char *err, size_t errlen)
{
	int fd = open(path, (mode == DISK_RW ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		disk_err(err, errlen, path, "cannot open disk image: %s", strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		disk_err(err, errlen, path, "cannot stat disk image: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	off_t size;
	if (S_ISREG(st.st_mode)) {
		size = st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		size = lseek(fd, 0, SEEK_END);
		if (size < 0) {
			disk_err(err, errlen, path, "cannot size block device: %s",
				 strerror(errno));
			close(fd);
			return NULL;
		}
	} else {
		disk_err(err, errlen, path, "disk image is not a regular file");
		close(fd);
		return NULL;
	}
	if (size == 0) {
		disk_err(err, errlen, path, "disk image is empty");
		close(fd);
		return NULL;
	}
	if (size % DISK_SECTOR_SIZE) {
		disk_err(err, errlen, path,
			 "disk image size %lld is not a multiple of 512 bytes",
			 (long long)size);
		close(fd);
		return NULL;
	}
	struct disk *d = calloc(1, sizeof(*d));
	char *p = strdup(path);
	uint64_t sectors = (uint64_t)size / DISK_SECTOR_SIZE;
	size_t l1_len = (size_t)((sectors + (1ull << L1_SHIFT) - 1) >> L1_SHIFT);
	struct disk_chunk ***l1 = calloc(l1_len, sizeof(*l1));
	if (!d || !p || !l1) {
		disk_err(err, errlen, path, "out of memory");
		free(d);
		free(p);
		free(l1);
		close(fd);
		return NULL;
	}
	d->fd = fd;
	d->path = p;
	d->mode = mode;
	d->sectors = sectors;
	d->l1_len = l1_len;
	d->l1 = l1;
	return d;
}

void disk_free(struct disk *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->l1_len; i++) {
		if (!d->l1[i])
			continue;
		for (size_t j = 0; j < L2_ENTRIES; j++)
			free(d->l1[i][j]);
		free(d->l1[i]);
	}
	free(d->l1);
	close(d->fd);
	free(d->path);
	free(d);
}

uint64_t disk_sectors(const struct disk *d)
{
	return d->sectors;
}

const char *disk_path(const struct disk *d)
{
	return d->path;
}

enum disk_mode disk_get_mode(const struct disk *d)
{
	return d->mode;
}

uint64_t disk_dirty_sectors(const struct disk *d)
{
	return d->ndirty;
}

/* The chunk holding lba, or NULL when nothing in it was written. */
static struct disk_chunk *chunk_find(const struct disk *d, uint64_t lba)
{
	struct disk_chunk **l2 = d->l1[lba >> L1_SHIFT];
	if (!l2)
		return NULL;
	return l2[(lba >> CHUNK_SHIFT) & (L2_ENTRIES - 1)];
}

static struct disk_chunk *chunk_get(struct disk *d, uint64_t lba)
{
	struct disk_chunk ***l2p = &d->l1[lba >> L1_SHIFT];
	if (!*l2p) {
		*l2p = calloc(L2_ENTRIES, sizeof(**l2p));
		if (!*l2p)
			return NULL;
	}
	struct disk_chunk **cp = &(*l2p)[(lba >> CHUNK_SHIFT) & (L2_ENTRIES - 1)];
	if (!*cp)
		*cp = calloc(1, sizeof(**cp));
	return *cp;
}

static int sector_dirty(const struct disk *d, uint64_t lba)
{
	const struct disk_chunk *c = chunk_find(d, lba);
	return c && (c->dirty >> (lba & (CHUNK_SECTORS - 1)) & 1);
}

static int range_ok(const struct disk *d, uint64_t lba, uint32_t n)
{
	return lba <= d->sectors && n <= d->sectors - lba;
}

/* pread exactly len bytes at off; a short file is -EIO. */
static int file_read(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t r = pread(fd, buf, len, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO;
		buf += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int file_write(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t r = pwrite(fd, buf, len, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO;
		buf += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int disk_read(struct disk *d, uint64_t lba, uint32_t n, void *buf)
{
	if (!range_ok(d, lba, n))
		return -ERANGE;
	uint8_t *out = buf;
	uint32_t i = 0;
	while (i < n) {
		if (sector_dirty(d, lba + i)) {
			const struct disk_chunk *c = chunk_find(d, lba + i);
			size_t off = (size_t)((lba + i) & (CHUNK_SECTORS - 1)) * DISK_SECTOR_SIZE;
			memcpy(out + (size_t)i * DISK_SECTOR_SIZE, c->data + off, DISK_SECTOR_SIZE);
			i++;
			continue;
		}
		/* A run of sectors the guest never wrote: one pread. */
		uint32_t j = i + 1;
		while (j < n && !sector_dirty(d, lba + j))
			j++;
		int r = file_read(d->fd, out + (size_t)i * DISK_SECTOR_SIZE,
				  (size_t)(j - i) * DISK_SECTOR_SIZE, (lba + i) * DISK_SECTOR_SIZE);
		if (r < 0)
			return r;
		i = j;
	}
	return 0;
}

int disk_write(struct disk *d, uint64_t lba, uint32_t n, const void *buf)
{
	if (!range_ok(d, lba, n))
		return -ERANGE;
	const uint8_t *in = buf;
	if (d->mode == DISK_RW) {
		int r = file_write(d->fd, in, (size_t)n * DISK_SECTOR_SIZE,
				   lba * DISK_SECTOR_SIZE);
		if (r < 0)
			return r;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct disk_chunk *c = chunk_get(d, lba + i);
		if (!c)
			return -ENOMEM;
		unsigned bit = (unsigned)((lba + i) & (CHUNK_SECTORS - 1));
		memcpy(c->data + (size_t)bit * DISK_SECTOR_SIZE, in + (size_t)i * DISK_SECTOR_SIZE,
		       DISK_SECTOR_SIZE);
		if (!(c->dirty >> bit & 1)) {
			c->dirty |= 1ull << bit;
			d->ndirty++;
		}
	}
	return 0;
}

int disk_flush(struct disk *d)
{
	if (d->mode != DISK_RW)
		return 0;
	if (fdatasync(d->fd) < 0)
		return -errno;
	return 0;
}

/* The image file from offset 0 to its size in sectors. */
struct image_reader {
	const struct disk *d;
	uint64_t off;
};

static long image_read(void *ctx, uint8_t *buf, size_t cap)
{
	struct image_reader *ir = ctx;
	uint64_t left = ir->d->sectors * DISK_SECTOR_SIZE - ir->off;
	size_t len = left < cap ? (size_t)left : cap;
	int r;

	if (len == 0)
		return 0;
	r = file_read(ir->d->fd, buf, len, ir->off);
	if (r < 0)
		return r;
	ir->off += len;
	return (long)len;
}

int disk_image_hash(const struct disk *d, uint8_t out[16])
{
	struct image_reader ir = { d, 0 };
	uint64_t size;

	return bulk_hash128_stream(image_read, &ir, out, &size);
}

/* Forget every overlay sector. */
static void overlay_clear(struct disk *d)
{
	for (size_t i = 0; i < d->l1_len; i++) {
		if (!d->l1[i])
			continue;
		for (size_t j = 0; j < L2_ENTRIES; j++)
			free(d->l1[i][j]);
		free(d->l1[i]);
		d->l1[i] = NULL;
	}
	d->ndirty = 0;
}

void disk_state_visit(struct disk *d, struct state_io *s)
{
	uint64_t n = d->ndirty;

	state_io_tag(s, "disk");
	if (!state_io_loading(s)) {
		state_io_u64(s, &n);
		for (size_t i = 0; i < d->l1_len; i++) {
			if (!d->l1[i])
				continue;
			for (size_t j = 0; j < L2_ENTRIES; j++) {
				struct disk_chunk *c = d->l1[i][j];
				if (!c)
					continue;
				for (unsigned k = 0; k < CHUNK_SECTORS; k++) {
					uint64_t lba = ((uint64_t)i << L1_SHIFT) |
						       ((uint64_t)j << CHUNK_SHIFT) | k;
					if (!(c->dirty >> k & 1))
						continue;
					state_io_u64(s, &lba);
					state_io_bytes(s, c->data + (size_t)k * DISK_SECTOR_SIZE,
						       DISK_SECTOR_SIZE);
				}
			}
		}
		return;
	}
	overlay_clear(d);
	state_io_u64(s, &n);
	state_io_check(s, n <= d->sectors, "disk overlay size");
	for (uint64_t e = 0, prev = 0; e < n && !s->error; e++) {
		uint64_t lba = 0;
		struct disk_chunk *c;
		state_io_u64(s, &lba);
		state_io_check(s, lba < d->sectors && (e == 0 || lba > prev), "disk overlay sector");
		if (s->error)
			break;
		prev = lba;
		c = chunk_get(d, lba);
		if (!c) {
			state_io_fail(s, "out of memory loading the disk overlay");
			break;
		}
		state_io_bytes(s, c->data + (size_t)(lba & (CHUNK_SECTORS - 1)) * DISK_SECTOR_SIZE,
			       DISK_SECTOR_SIZE);
		c->dirty |= 1ull << (lba & (CHUNK_SECTORS - 1));
		d->ndirty++;
	}
}
