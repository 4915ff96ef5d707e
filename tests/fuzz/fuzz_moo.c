/* tests/fuzz/fuzz_moo.c: libFuzzer target for the MOO conformance-file parser (tests/conformance/moo.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tests/conformance/moo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moo_file f;
	char err[256];

	memset(&f, 0, sizeof(f));
	if (moo_parse(data, size, &f, err, sizeof(err)) == 0)
		moo_free(&f);
	else if (!err[0])
		__builtin_trap();   /* a refusal always says why */
	return 0;
}
