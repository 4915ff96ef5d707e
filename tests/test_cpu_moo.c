/* tests/test_cpu_moo.c: the MOO conformance-file parser accepts the shared
 * data and rejects truncated or corrupt buffers with a message, never
 * reading outside the buffer (run under ASan in CI). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/conformance/moo.h"
#include "tests/testutil.h"

static uint8_t *load(size_t *len)
{
	char *p = tu_shared_path("conformance/80286-real/00.MOO");
	uint8_t *d = tu_read_file(p, len);
	free(p);
	return d;
}

Test(cpu_moo, parses_shared_file)
{
	size_t len;
	uint8_t *d = load(&len);
	if (!d)
		cr_skip_test("conformance data not found (set LOCKSTEP_SHARED)");
	struct moo_file f;
	char err[256];
	cr_assert_eq(moo_parse(d, len, &f, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(f.ntests, 150);
	cr_expect_eq(f.regs32, 0);
	cr_expect_str_eq(f.cpu, "C286");
	const struct moo_test *t = &f.tests[0];
	cr_expect_str_eq(t->name, "add [bx+0Eh],bl");
	cr_expect_eq(t->nbytes, 4);
	cr_expect_eq(t->init.regs.present, 0x3fff);
	cr_expect_eq(t->init.regs.v[MOO_IP], 0x94b8);
	cr_expect_eq(t->fina.regs.present, (1u << MOO_IP) | (1u << MOO_FLAGS));
	cr_expect_eq(t->fina.nram, 1);
	cr_expect_eq(t->fina.ram[0].addr, 0x106821);
	moo_free(&f);
	free(d);
}

Test(cpu_moo, rejects_every_truncation)
{
	size_t len;
	uint8_t *d = load(&len);
	if (!d)
		cr_skip_test("conformance data not found (set LOCKSTEP_SHARED)");
	for (size_t n = 0; n < len; n += (n < 4096 ? 1 : 997)) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, d, n);
		struct moo_file f;
		char err[256] = "";
		cr_expect_eq(moo_parse(copy, n, &f, err, sizeof(err)), -1, "length %zu accepted", n);
		cr_expect_neq(err[0], 0);
		cr_expect_eq(f.ntests, 0);
		free(copy);
	}
	free(d);
}

Test(cpu_moo, rejects_corrupt_lengths)
{
	size_t len;
	uint8_t *d = load(&len);
	if (!d)
		cr_skip_test("conformance data not found (set LOCKSTEP_SHARED)");
	/* Corrupt each of the first 600 bytes in turn (chunk tags, lengths,
	 * counts); the parser must either accept or reject, never crash. */
	uint8_t *copy = malloc(len);
	int rejected = 0;
	for (size_t k = 0; k < 600 && k < len; k++) {
		memcpy(copy, d, len);
		copy[k] ^= 0xa5;
		struct moo_file f;
		char err[256];
		if (moo_parse(copy, len, &f, err, sizeof(err)) == 0)
			moo_free(&f);
		else
			rejected++;
	}
	cr_expect_gt(rejected, 0);
	static const uint8_t junk[] = "NOT A MOO FILE AT ALL";
	struct moo_file f;
	char err[256];
	cr_expect_eq(moo_parse(junk, sizeof(junk), &f, err, sizeof(err)), -1);
	free(copy);
	free(d);
}
