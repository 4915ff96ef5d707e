/* tests/test_disk.c: raw disk images and the snapshot overlay (machine/disk.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "machine/disk.h"
#include "tests/testutil.h"

/* A temporary image of size bytes; byte i holds a pattern of its sector and
 * offset. Returns the malloc'd path (unlink and free it). */
static char *make_image(size_t size)
{
	char *path = strdup("/tmp/ls-disk-XXXXXX");
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	uint8_t *buf = malloc(size ? size : 1);
	for (size_t i = 0; i < size; i++)
		buf[i] = (uint8_t)((i / 512) * 7 + (i % 512));
	cr_assert_eq(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
	return path;
}

static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	cr_assert(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* The overlay's state digest, as the machine's device hash takes it. */
static uint64_t overlay_hash(struct disk *d)
{
	return TU_STATE_DIGEST(disk_state_visit, d);
}

Test(disk, open_errors_are_one_line)
{
	char err[256];
	cr_expect_null(disk_open("/nonexistent/ls.img", DISK_SNAPSHOT, err, sizeof(err)));
	cr_expect(strstr(err, "/nonexistent/ls.img: "), "%s", err);
	cr_expect(strstr(err, strerror(ENOENT)), "%s", err);
	cr_expect_null(strchr(err, '\n'));

	char *p = make_image(1000);
	cr_expect_null(disk_open(p, DISK_SNAPSHOT, err, sizeof(err)));
	cr_expect(strstr(err, p) == err, "%s", err);
	cr_expect(strstr(err, "1000 is not a multiple of 512"), "%s", err);
	unlink(p);
	free(p);

	p = make_image(0);
	cr_expect_null(disk_open(p, DISK_SNAPSHOT, err, sizeof(err)));
	cr_expect(strstr(err, "empty"), "%s", err);
	unlink(p);
	free(p);

	cr_expect_null(disk_open("/tmp", DISK_SNAPSHOT, err, sizeof(err)));
	cr_expect(strstr(err, "/tmp: "), "%s", err);
}

Test(disk, reads_the_image)
{
	char *p = make_image(16 * 512);
	char err[256];
	struct disk *d = disk_open(p, DISK_SNAPSHOT, err, sizeof(err));
	cr_assert(d, "%s", err);
	cr_expect_eq(disk_sectors(d), 16);
	cr_expect_str_eq(disk_path(d), p);
	uint8_t buf[3 * 512];
	cr_assert_eq(disk_read(d, 5, 3, buf), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], (uint8_t)((5 + i / 512) * 7 + i % 512), "byte %zu", i);
	cr_expect_eq(disk_read(d, 15, 1, buf), 0);
	cr_expect_eq(disk_read(d, 15, 2, buf), -ERANGE);
	cr_expect_eq(disk_read(d, 16, 1, buf), -ERANGE);
	cr_expect_eq(disk_read(d, UINT64_MAX, 2, buf), -ERANGE);
	cr_expect_eq(disk_write(d, 16, 1, buf), -ERANGE);
	disk_free(d);
	unlink(p);
	free(p);
}

Test(disk, snapshot_writes_stay_in_the_overlay)
{
	char *p = make_image(64 * 512);
	size_t before_size;
	uint8_t *before = slurp(p, &before_size);
	char err[256];
	struct disk *d = disk_open(p, DISK_SNAPSHOT, err, sizeof(err));
	cr_assert(d, "%s", err);
	uint8_t w[2 * 512];
	memset(w, 0xAB, sizeof(w));
	cr_assert_eq(disk_write(d, 10, 2, w), 0);
	cr_expect_eq(disk_dirty_sectors(d), 2);
	cr_assert_eq(disk_write(d, 11, 1, w), 0);      /* rewrite: still 2 dirty */
	cr_expect_eq(disk_dirty_sectors(d), 2);

	/* A read spanning clean, dirty and clean sectors. */
	uint8_t r[4 * 512];
	cr_assert_eq(disk_read(d, 9, 4, r), 0);
	for (size_t i = 0; i < 512; i++)
		cr_assert_eq(r[i], (uint8_t)(9 * 7 + i));
	for (size_t i = 512; i < 3 * 512; i++)
		cr_assert_eq(r[i], 0xAB);
	for (size_t i = 3 * 512; i < 4 * 512; i++)
		cr_assert_eq(r[i], (uint8_t)(12 * 7 + i % 512));
	cr_expect_eq(disk_flush(d), 0);
	disk_free(d);

	size_t after_size;
	uint8_t *after = slurp(p, &after_size);
	cr_expect_eq(after_size, before_size);
	cr_expect(memcmp(before, after, before_size) == 0, "snapshot mode changed the file");
	free(before);
	free(after);
	unlink(p);
	free(p);
}

Test(disk, rw_mode_writes_the_file)
{
	char *p = make_image(8 * 512);
	char err[256];
	struct disk *d = disk_open(p, DISK_RW, err, sizeof(err));
	cr_assert(d, "%s", err);
	uint8_t w[512];
	memset(w, 0x5A, sizeof(w));
	cr_assert_eq(disk_write(d, 3, 1, w), 0);
	cr_expect_eq(disk_flush(d), 0);
	disk_free(d);
	size_t size;
	uint8_t *img = slurp(p, &size);
	cr_expect_eq(size, 8 * 512);
	for (size_t i = 0; i < 512; i++)
		cr_assert_eq(img[3 * 512 + i], 0x5A);
	cr_expect_eq(img[2 * 512], (uint8_t)(2 * 7));
	cr_expect_eq(img[4 * 512], (uint8_t)(4 * 7));
	free(img);
	unlink(p);
	free(p);
}

Test(disk, overlay_hash_is_order_and_mode_independent)
{
	char *p = make_image(200 * 512);
	char err[256];
	struct disk *a = disk_open(p, DISK_SNAPSHOT, err, sizeof(err));
	struct disk *b = disk_open(p, DISK_SNAPSHOT, err, sizeof(err));
	cr_assert(a && b);
	uint64_t empty = overlay_hash(a);
	cr_expect_eq(empty, overlay_hash(b));

	uint8_t s1[512], s2[512];
	memset(s1, 1, sizeof(s1));
	memset(s2, 2, sizeof(s2));
	/* Same content, written in opposite orders, across two chunks. */
	disk_write(a, 3, 1, s1);
	disk_write(a, 150, 1, s2);
	disk_write(b, 150, 1, s2);
	disk_write(b, 3, 1, s1);
	cr_expect_eq(overlay_hash(a), overlay_hash(b));
	cr_expect_neq(overlay_hash(a), empty);

	/* Overwriting a sector with its own content is still a written sector. */
	uint8_t orig[512];
	disk_read(b, 7, 1, orig);
	disk_write(b, 7, 1, orig);
	cr_expect_neq(overlay_hash(a), overlay_hash(b));
	disk_free(a);
	disk_free(b);

	/* The same writes in rw mode hash the same as in snapshot mode. */
	struct disk *s = disk_open(p, DISK_SNAPSHOT, err, sizeof(err));
	disk_write(s, 42, 1, s2);
	uint64_t hs = overlay_hash(s);
	disk_free(s);
	struct disk *w = disk_open(p, DISK_RW, err, sizeof(err));
	disk_write(w, 42, 1, s2);
	cr_expect_eq(overlay_hash(w), hs);
	disk_free(w);
	unlink(p);
	free(p);
}

Test(disk, overlay_state_round_trips)
{
	char *p = make_image(0);
	cr_assert_eq(truncate(p, 70000 * 512), 0);
	char err[256];
	struct disk *d = disk_open(p, DISK_SNAPSHOT, err, sizeof(err));
	struct disk *d2 = disk_open(p, DISK_SNAPSHOT, err, sizeof(err));
	cr_assert(d && d2, "%s", err);
	uint8_t s[512], r[512], zero[512] = { 0 };
	memset(s, 0xEE, sizeof(s));
	disk_write(d, 69999, 1, s);   /* second l1 entry */
	disk_write(d, 1, 1, s);
	disk_write(d2, 5, 1, s);      /* replaced by the load */
	struct tu_state a = TU_STATE_SAVE(disk_state_visit, d);
	cr_assert_eq(TU_STATE_LOAD(disk_state_visit, d2, &a), 0);
	cr_expect_eq(disk_dirty_sectors(d2), 2);
	cr_assert_eq(disk_read(d2, 1, 1, r), 0);
	cr_expect(memcmp(r, s, 512) == 0);
	cr_assert_eq(disk_read(d2, 69999, 1, r), 0);
	cr_expect(memcmp(r, s, 512) == 0);
	cr_assert_eq(disk_read(d2, 5, 1, r), 0);
	cr_expect(memcmp(r, zero, 512) == 0, "the image's sector again");
	cr_expect(TU_STATE_SAVES_AS(disk_state_visit, d2, &a));
	tu_state_free(&a);
	disk_free(d);
	disk_free(d2);
	unlink(p);
	free(p);
}

Test(disk, sparse_large_image_overlay_is_small)
{
	char *p = make_image(0);
	cr_assert_eq(truncate(p, 1ll << 40), 0);     /* 1 TiB, sparse */
	char err[256];
	struct disk *d = disk_open(p, DISK_SNAPSHOT, err, sizeof(err));
	cr_assert(d, "%s", err);
	uint64_t last = disk_sectors(d) - 1;
	cr_expect_eq(last, (1ull << 31) - 1);
	uint8_t s[512], r[512];
	memset(s, 0x77, sizeof(s));
	cr_assert_eq(disk_write(d, last, 1, s), 0);
	cr_assert_eq(disk_read(d, last, 1, r), 0);
	cr_expect(memcmp(r, s, 512) == 0);
	cr_assert_eq(disk_read(d, last - 1, 1, r), 0);
	cr_expect_eq(r[0], 0);
	cr_expect_eq(disk_dirty_sectors(d), 1);
	disk_free(d);
	unlink(p);
	free(p);
}

Test(disk, image_hash_is_xxh3_128_of_the_file)
{
	char *p = make_image(3 * 512);
	size_t size;
	uint8_t *img = slurp(p, &size);
	char err[256];
	struct disk *d = disk_open(p, DISK_SNAPSHOT, err, sizeof(err));
	cr_assert(d);
	uint8_t h[16];
	cr_assert_eq(disk_image_hash(d, h), 0);
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, XXH3_128bits(img, size));
	cr_expect(memcmp(h, c.digest, 16) == 0);
	/* Overlay writes do not change the image hash in snapshot mode. */
	uint8_t s[512] = { 1 };
	disk_write(d, 0, 1, s);
	uint8_t h2[16];
	cr_assert_eq(disk_image_hash(d, h2), 0);
	cr_expect(memcmp(h, h2, 16) == 0);
	disk_free(d);
	free(img);
	unlink(p);
	free(p);
}
