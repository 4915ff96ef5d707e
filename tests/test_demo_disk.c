/* tests/test_demo_disk.c: the demo boot disk built from pc-bios/demo/mbr.S. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

Test(demo_disk, size_and_boot_signature)
{
	char *path = tu_build_path("pc-bios/demo.img");
	size_t size;
	uint8_t *img = tu_read_file(path, &size);
	cr_assert(img, "cannot read %s", path);
	cr_expect_eq(size, 1u << 20, "demo.img is %zu bytes", size);
	cr_expect_eq(img[510], 0x55);
	cr_expect_eq(img[511], 0xaa);
	free(img);
	free(path);
}

Test(demo_disk, greets_and_powers_off)
{
	char *path = tu_build_path("pc-bios/demo.img");
	size_t size;
	uint8_t *img = tu_read_file(path, &size);
	cr_assert(img);
	/* The strings the MBR prints, and its port 0xF4 write (out %al, $0xf4 = E6 F4). */
	cr_expect(memmem(img, 512, "hello from the MBR", 18));
	cr_expect(memmem(img, 512, "MBR OK\n", 7));
	cr_expect(memmem(img, 512, "\xe6\xf4", 2));
	/* INT 10h (CD 10) and its AH=0Eh teletype function (B4 0E). */
	cr_expect(memmem(img, 512, "\xcd\x10", 2));
	cr_expect(memmem(img, 512, "\xb4\x0e", 2));
	/* Everything after the MBR is zero. */
	for (size_t i = 512; i < size; i++)
		if (img[i]) {
			cr_assert_fail("non-zero byte at %zu", i);
			break;
		}
	free(img);
	free(path);
}
