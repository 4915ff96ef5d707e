/* tests/fuzz/fuzz_multiboot.c: libFuzzer target for the multiboot/ELF kernel parser (machine/multiboot.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "machine/multiboot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct multiboot_image mb;
	char err[256];
	uint8_t info[2048];

	if (multiboot_parse(data, size, &mb, err, sizeof(err)) == 0) {
		/* Whatever parses must describe bytes inside the image. */
		for (int i = 0; i < mb.nsegments; i++)
			if ((uint64_t)mb.seg[i].offset + mb.seg[i].filesz > size ||
			    mb.seg[i].filesz > mb.seg[i].memsz)
				__builtin_trap();
	} else if (!memchr(err, 0, sizeof(err)) || !err[0]) {
		__builtin_trap();   /* a refusal always says why */
	}
	/* The info builder with a command line taken from the input. */
	if (size && size < 1024) {
		char cmd[1024];
		memcpy(cmd, data, size);
		cmd[size] = 0;
		(void)multiboot_build_info(info, sizeof(info), (uint64_t)size << 20, 0, cmd);
	}
	return 0;
}
