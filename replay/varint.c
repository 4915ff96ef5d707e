/* replay/varint.c: LEB128 and zigzag varints with bounds-checked decoding. */
#include "replay/varint.h"

size_t varint_len_u64(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

uint64_t varint_zigzag_encode(int64_t v)
{
	/* Arithmetic on the unsigned bit pattern: no signed overflow. */
	uint64_t u = (uint64_t)v;
	return (u << 1) ^ (0 - (u >> 63));
}

int64_t varint_zigzag_decode(uint64_t u)
{
	uint64_t v = (u >> 1) ^ (0 - (u & 1));
	return v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
}

size_t varint_put_s64(uint8_t *out, int64_t v)
{
	return varint_put_u64(out, varint_zigzag_encode(v));
}

int varint_get_u64(const uint8_t *buf, size_t len, size_t *pos, uint64_t *out)
{
	size_t p = *pos;
	uint64_t v = 0;

	for (unsigned shift = 0;; shift += 7) {
		uint8_t b;

		if (p >= len) {
			*pos = len;
			return VARINT_ERR_TRUNCATED;
		}
		b = buf[p];
		if (shift == 63 && b > 1) {
			*pos = p;
			return VARINT_ERR_OVERFLOW;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		p++;
		if (!(b & 0x80)) {
			if (b == 0 && shift) {
				*pos = p - 1;
				return VARINT_ERR_OVERLONG;
			}
			break;
		}
	}
	*pos = p;
	*out = v;
	return 0;
}

int varint_get_s64(const uint8_t *buf, size_t len, size_t *pos, int64_t *out)
{
	uint64_t u;
	int r = varint_get_u64(buf, len, pos, &u);

	if (!r)
		*out = varint_zigzag_decode(u);
	return r;
}

const char *varint_strerror(int err)
{
	switch (err) {
	case VARINT_ERR_TRUNCATED: return "truncated varint";
	case VARINT_ERR_OVERFLOW: return "varint overflows 64 bits";
	case VARINT_ERR_OVERLONG: return "non-canonical varint";
	default: return "varint error";
	}
}
