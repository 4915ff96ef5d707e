/* tests/test_trace_varint.c: LEB128/zigzag varints (replay/varint.c). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "replay/varint.h"

static const uint64_t samples[] = {
	0, 1, 2, 63, 64, 127, 128, 129, 255, 256, 300, 16383, 16384, 0xffff, 0x10000,
	0x1fffff, 0x200000, 0xffffffffull, 0x100000000ull, 0x7fffffffffffffffull,
	0x8000000000000000ull, 0xfffffffffffffffeull, UINT64_MAX,
};

Test(varint, unsigned_round_trip)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		uint8_t buf[VARINT_MAX_LEN + 4];
		size_t n = varint_put_u64(buf, samples[i]), pos = 0;
		uint64_t v = 0;

		cr_assert_eq(n, varint_len_u64(samples[i]));
		cr_assert_eq(varint_get_u64(buf, n, &pos, &v), 0, "value %llx",
			     (unsigned long long)samples[i]);
		cr_expect_eq(v, samples[i]);
		cr_expect_eq(pos, n);
	}
}

Test(varint, known_encodings)
{
	uint8_t buf[VARINT_MAX_LEN];

	cr_assert_eq(varint_put_u64(buf, 0), 1);
	cr_expect_eq(buf[0], 0);
	cr_assert_eq(varint_put_u64(buf, 300), 2);
	cr_expect_eq(buf[0], 0xac);
	cr_expect_eq(buf[1], 0x02);
	cr_assert_eq(varint_put_u64(buf, UINT64_MAX), 10);
	cr_expect_eq(buf[9], 0x01);
}

Test(varint, zigzag_round_trip)
{
	static const int64_t s[] = { 0, -1, 1, -2, 2, 63, -64, 64, INT64_MAX, INT64_MIN,
				     INT64_MIN + 1, -1000000007 };

	cr_expect_eq(varint_zigzag_encode(0), 0);
	cr_expect_eq(varint_zigzag_encode(-1), 1);
	cr_expect_eq(varint_zigzag_encode(1), 2);
	cr_expect_eq(varint_zigzag_encode(-2), 3);
	cr_expect_eq(varint_zigzag_encode(INT64_MIN), UINT64_MAX);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		uint8_t buf[VARINT_MAX_LEN];
		size_t n = varint_put_s64(buf, s[i]), pos = 0;
		int64_t v = 0;

		cr_assert_eq(varint_get_s64(buf, n, &pos, &v), 0);
		cr_expect_eq(v, s[i]);
		cr_expect_eq(pos, n);
	}
}

Test(varint, truncated_reports_buffer_end)
{
	uint8_t buf[VARINT_MAX_LEN];
	size_t n = varint_put_u64(buf, 0x123456789ull);
	uint64_t v = 7;

	for (size_t cut = 0; cut < n; cut++) {
		size_t pos = 0;
		cr_expect_eq(varint_get_u64(buf, cut, &pos, &v), VARINT_ERR_TRUNCATED);
		cr_expect_eq(pos, cut, "cut at %zu", cut);
	}
	cr_expect_eq(v, 7, "the output is untouched on error");
}

Test(varint, decode_in_the_middle_of_a_buffer)
{
	uint8_t buf[32];
	size_t n = 0, pos = 0;
	uint64_t a, b, c;

	n += varint_put_u64(buf + n, 5);
	n += varint_put_u64(buf + n, 1000000);
	n += varint_put_u64(buf + n, 1);
	cr_assert_eq(varint_get_u64(buf, n, &pos, &a), 0);
	cr_assert_eq(varint_get_u64(buf, n, &pos, &b), 0);
	cr_assert_eq(varint_get_u64(buf, n, &pos, &c), 0);
	cr_expect_eq(a, 5);
	cr_expect_eq(b, 1000000);
	cr_expect_eq(c, 1);
	cr_expect_eq(varint_get_u64(buf, n, &pos, &c), VARINT_ERR_TRUNCATED);
	cr_expect_eq(pos, n);
}

Test(varint, overflow_is_rejected_with_offset)
{
	uint8_t eleven[11], big[10];
	size_t pos = 0;
	uint64_t v;

	memset(eleven, 0xff, sizeof(eleven));
	cr_expect_eq(varint_get_u64(eleven, sizeof(eleven), &pos, &v), VARINT_ERR_OVERFLOW);
	cr_expect_eq(pos, 9, "the 10th byte is the bad one");
	memset(big, 0xff, 9);
	big[9] = 0x02;    /* bit 64 */
	pos = 0;
	cr_expect_eq(varint_get_u64(big, sizeof(big), &pos, &v), VARINT_ERR_OVERFLOW);
	cr_expect_eq(pos, 9);
}

Test(varint, non_canonical_is_rejected)
{
	const uint8_t two[] = { 0x81, 0x00 }, pad[] = { 0x00 };
	size_t pos = 0;
	uint64_t v;

	cr_expect_eq(varint_get_u64(two, sizeof(two), &pos, &v), VARINT_ERR_OVERLONG);
	cr_expect_eq(pos, 1);
	pos = 0;
	cr_expect_eq(varint_get_u64(pad, sizeof(pad), &pos, &v), 0, "a single 0 is canonical");
	cr_expect_eq(v, 0);
}

Test(varint, error_strings)
{
	cr_expect_str_eq(varint_strerror(VARINT_ERR_TRUNCATED), "truncated varint");
	cr_expect_str_eq(varint_strerror(VARINT_ERR_OVERFLOW), "varint overflows 64 bits");
	cr_expect_str_eq(varint_strerror(VARINT_ERR_OVERLONG), "non-canonical varint");
}
