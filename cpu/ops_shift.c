/*
 * cpu/ops_shift.c: ROL ROR RCL RCR SHL SHR SAR, SHLD SHRD, BT BTS BTR BTC,
 * BSF BSR (SDM Vol. 2). The count is masked to 5 bits; a masked count of
 * zero changes nothing. Counts past the operand size behave as the same
 * number of one-bit steps (as the 80286 captures show); flags the manual
 * leaves undefined are documented in docs/cpu.md.
 */
#include "cpu/ops_common.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* Returns the result; *fl gets the new arithmetic flags. */
static uint32_t shift_calc(int op, int size, uint32_t a, unsigned cnt, uint32_t f, uint32_t *fl)
{
	unsigned n = (unsigned)size * 8;
	uint32_t m = size_mask(size), sign = size_sign(size), r;
	int cf = (f & FL_CF) != 0, of;
	f &= FL_ARITH;
	switch (op) {
	case SH_ROL: {
		unsigned k = cnt % n;
		r = k ? ((a << k) | (a >> (n - k))) & m : a;
		cf = r & 1;
		of = ((r & sign) != 0) ^ cf;
		f = (f & ~(FL_CF | FL_OF)) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
		break;
	}
	case SH_ROR: {
		unsigned k = cnt % n;
		r = k ? ((a >> k) | (a << (n - k))) & m : a;
		cf = (r & sign) != 0;
		of = cf ^ ((r & (sign >> 1)) != 0);
		f = (f & ~(FL_CF | FL_OF)) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
		break;
	}
	case SH_RCL: {
		unsigned k = size == 4 ? cnt : cnt % (n + 1);
		r = a;
		for (unsigned s = 0; s < k; s++) {
			int out = (r & sign) != 0;
			r = ((r << 1) | (unsigned)cf) & m;
			cf = out;
		}
		of = ((r & sign) != 0) ^ cf;
		f = (f & ~(FL_CF | FL_OF)) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
		break;
	}
	case SH_RCR: {
		unsigned k = size == 4 ? cnt : cnt % (n + 1);
		r = a;
		of = ((a & sign) != 0) ^ cf;
		for (unsigned s = 0; s < k; s++) {
			int out = r & 1;
			r = (r >> 1) | (cf ? sign : 0);
			cf = out;
		}
		if (k > 1)
			of = ((r & sign) != 0) ^ ((r & (sign >> 1)) != 0);
		f = (f & ~(FL_CF | FL_OF)) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
		break;
	}
	case SH_SHL: case SH_SAL:
		r = cnt < n ? (a << cnt) & m : 0;
		cf = cnt <= n ? (a >> (n - cnt)) & 1 : 0;
		of = ((r & sign) != 0) ^ cf;
		f = flags_szp(r, size) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
		break;
	case SH_SHR:
		r = cnt < n ? a >> cnt : 0;
		cf = cnt <= n ? (a >> (cnt - 1)) & 1 : 0;
		of = cnt == 1 ? (a & sign) != 0 : 0;
		f = flags_szp(r, size) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
		break;
	default: { /* SAR */
		int32_t sa = (int32_t)sext(a, size);
		if (cnt >= n) {
			r = sa < 0 ? m : 0;
			cf = sa < 0;
		} else {
			r = (uint32_t)(sa >> cnt) & m;
			cf = (sa >> (cnt - 1)) & 1;
		}
		f = flags_szp(r, size) | (cf ? FL_CF : 0);
		break;
	}
	}
	*fl = f;
	return r;
}

static inline void shift_e(struct cpu *c, const struct insn *i, int mem, int op, int size, int src)
{
	if (!mem && size == 4 && (op == SH_SHL || op == SH_SAL || op == SH_SHR)) {
		shift_lr_r32(c, i, op == SH_SHR, src);
		return;
	}
	unsigned cnt = (src == 0 ? 1 : src == 1 ? reg8(c, 1) : (i->imm & 0xff)) & 31;
	uint32_t ea = 0, a;
	if (mem) {
		ea = insn_ea(c, i);
		a = mem_rd(c, i->seg, ea, size);
	} else {
		a = reg_get(c, i->rm, size);
	}
	if (cnt == 0)
		return;
	/* SHL/SHR/SAR replace every arithmetic flag: no need to compute
	 * the old ones. */
	uint32_t f = (op == SH_SHL || op == SH_SAL || op == SH_SHR || op == SH_SAR) ? 0 : flags_get(c);
	uint32_t nf;
	uint32_t r = shift_calc(op, size, a, cnt, f, &nf);
	if (mem)
		mem_wr(c, i->seg, ea, r, size);
	else
		reg_set(c, i->rm, size, r);
	flags_set_arith(c, nf);
}

#define SHIFT_FORMS(OP, N) \
	RM_FORMS(OP##_Eb1, shift_e, N, 1, 0) \
	RM_FORMS(OP##_Ew1, shift_e, N, 2, 0) \
	RM_FORMS(OP##_Ed1, shift_e, N, 4, 0) \
	RM_FORMS(OP##_EbCL, shift_e, N, 1, 1) \
	RM_FORMS(OP##_EwCL, shift_e, N, 2, 1) \
	RM_FORMS(OP##_EdCL, shift_e, N, 4, 1) \
	RM_FORMS(OP##_EbIb, shift_e, N, 1, 2) \
	RM_FORMS(OP##_EwIb, shift_e, N, 2, 2) \
	RM_FORMS(OP##_EdIb, shift_e, N, 4, 2)
SHIFT_FORMS(ROL, SH_ROL)
SHIFT_FORMS(ROR, SH_ROR)
SHIFT_FORMS(RCL, SH_RCL)
SHIFT_FORMS(RCR, SH_RCR)
SHIFT_FORMS(SHL, SH_SHL)
SHIFT_FORMS(SHR, SH_SHR)
SHIFT_FORMS(SAR, SH_SAR)

/* SHLD/SHRD (SDM Vol. 2): 16-bit counts above 16 shift the 32-bit
 * concatenation further (undefined result; fixed here). */
static inline void shd_e(struct cpu *c, const struct insn *i, int mem, int left, int size, int cl)
{
	unsigned cnt = (cl ? reg8(c, 1) : (i->imm & 0xff)) & 31;
	uint32_t ea = 0, a, b = reg_get(c, i->reg, size);
	if (mem) {
		ea = insn_ea(c, i);
		a = mem_rd(c, i->seg, ea, size);
	} else {
		a = reg_get(c, i->rm, size);
	}
	if (cnt == 0)
		return;
	uint32_t r;
	int cf;
	if (size == 2) {
		if (left) {
			uint64_t t = ((uint64_t)a << 32) | ((uint64_t)b << 16) | a;
			r = (uint32_t)((t << cnt) >> 32) & 0xffff;
			cf = (int)((t >> (48 - cnt)) & 1);
		} else {
			uint64_t t = ((uint64_t)a << 32) | ((uint64_t)b << 16) | a;
			r = (uint32_t)(t >> cnt) & 0xffff;
			cf = (int)((t >> (cnt - 1)) & 1);
		}
	} else {
		if (left) {
			r = (a << cnt) | (b >> (32 - cnt));
			cf = (a >> (32 - cnt)) & 1;
		} else {
			r = (a >> cnt) | (b << (32 - cnt));
			cf = (a >> (cnt - 1)) & 1;
		}
	}
	uint32_t sign = size_sign(size);
	int of = ((r ^ a) & sign) != 0;
	if (mem)
		mem_wr(c, i->seg, ea, r, size);
	else
		reg_set(c, i->rm, size, r);
	flags_set_arith(c, flags_szp(r, size) | (cf ? FL_CF : 0) | (of ? FL_OF : 0));
}
RM_FORMS(SHLD_EwGwIb, shd_e, 1, 2, 0)
RM_FORMS(SHLD_EdGdIb, shd_e, 1, 4, 0)
RM_FORMS(SHLD_EwGwCL, shd_e, 1, 2, 1)
RM_FORMS(SHLD_EdGdCL, shd_e, 1, 4, 1)
RM_FORMS(SHRD_EwGwIb, shd_e, 0, 2, 0)
RM_FORMS(SHRD_EdGdIb, shd_e, 0, 4, 0)
RM_FORMS(SHRD_EwGwCL, shd_e, 0, 2, 1)
RM_FORMS(SHRD_EdGdCL, shd_e, 0, 4, 1)

/* BT family: CF = selected bit; other flags unchanged. A register bit
 * offset addresses memory beyond the operand (SDM Vol. 2, BT). */
enum { BT_TEST, BT_SET, BT_RESET, BT_COMP };
static inline void bt_e(struct cpu *c, const struct insn *i, int mem, int op, int size, int imm)
{
	unsigned n = (unsigned)size * 8;
	uint32_t off = imm ? (i->imm & 0xff) : reg_get(c, i->reg, size);
	uint32_t bit = off & (n - 1);
	uint32_t ea = 0, a;
	if (mem) {
		ea = insn_ea(c, i);
		if (!imm) {
			int32_t so = (int32_t)sext(off, size);
			ea += (uint32_t)((so >> (size == 2 ? 4 : 5)) * size);
			if (!(i->flags & INSN_ASZ32))
				ea &= 0xffff;
		}
		a = mem_rd(c, i->seg, ea, size);
	} else {
		a = reg_get(c, i->rm, size);
	}
	int cf = (a >> bit) & 1;
	uint32_t r = a;
	if (op == BT_SET)
		r |= 1u << bit;
	else if (op == BT_RESET)
		r &= ~(1u << bit);
	else if (op == BT_COMP)
		r ^= 1u << bit;
	if (op != BT_TEST) {
		if (mem)
			mem_wr(c, i->seg, ea, r, size);
		else
			reg_set(c, i->rm, size, r);
	}
	uint32_t f = flags_get(c);
	flags_set_arith(c, (f & ~FL_CF) | (cf ? FL_CF : 0));
}
RM_FORMS(BT_EwGw, bt_e, BT_TEST, 2, 0)
RM_FORMS(BT_EdGd, bt_e, BT_TEST, 4, 0)
RM_FORMS(BT_EwIb, bt_e, BT_TEST, 2, 1)
RM_FORMS(BT_EdIb, bt_e, BT_TEST, 4, 1)
RM_FORMS(BTS_EwGw, bt_e, BT_SET, 2, 0)
RM_FORMS(BTS_EdGd, bt_e, BT_SET, 4, 0)
RM_FORMS(BTS_EwIb, bt_e, BT_SET, 2, 1)
RM_FORMS(BTS_EdIb, bt_e, BT_SET, 4, 1)
RM_FORMS(BTR_EwGw, bt_e, BT_RESET, 2, 0)
RM_FORMS(BTR_EdGd, bt_e, BT_RESET, 4, 0)
RM_FORMS(BTR_EwIb, bt_e, BT_RESET, 2, 1)
RM_FORMS(BTR_EdIb, bt_e, BT_RESET, 4, 1)
RM_FORMS(BTC_EwGw, bt_e, BT_COMP, 2, 0)
RM_FORMS(BTC_EdGd, bt_e, BT_COMP, 4, 0)
RM_FORMS(BTC_EwIb, bt_e, BT_COMP, 2, 1)
RM_FORMS(BTC_EdIb, bt_e, BT_COMP, 4, 1)

/* BSF/BSR: ZF = source is zero (destination then unchanged). */
static inline void bs_e(struct cpu *c, const struct insn *i, int mem, int rev, int size)
{
	uint32_t v = rm_read(c, i, mem, size);
	uint32_t f = flags_get(c);
	if (v == 0) {
		flags_set_arith(c, f | FL_ZF);
		return;
	}
	uint32_t idx = rev ? 31u - (uint32_t)__builtin_clz(v) : (uint32_t)__builtin_ctz(v);
	reg_set(c, i->reg, size, idx);
	flags_set_arith(c, f & ~FL_ZF);
}
RM_FORMS(BSF_GwEw, bs_e, 0, 2)
RM_FORMS(BSF_GdEd, bs_e, 0, 4)
RM_FORMS(BSR_GwEw, bs_e, 1, 2)
RM_FORMS(BSR_GdEd, bs_e, 1, 4)
