/*
 * cpu/ops_muldiv.c: MUL, IMUL (1-, 2- and 3-operand), DIV, IDIV, and the
 * decimal adjusts DAA DAS AAA AAS AAM AAD, SALC (SDM Vol. 2). Flags the
 * manual leaves undefined are set as documented in docs/cpu.md: SF ZF PF
 * from the low half of the result and AF clear for multiplies; DIV/IDIV
 * leave all flags unchanged.
 */
#include "cpu/ops_common.h"

static inline void mul_e(struct cpu *c, const struct insn *i, int mem, int size, int sgn)
{
	uint32_t src = rm_read(c, i, mem, size);
	uint32_t f = flags_get(c) & ~FL_ARITH;
	uint64_t lo, hi;
	int over;
	if (size == 1) {
		uint32_t a = reg8(c, 0);
		uint16_t r = sgn ? (uint16_t)((int8_t)a * (int8_t)src) : (uint16_t)(a * src);
		set_reg16(c, CPU_EAX, r);
		lo = r & 0xff;
		hi = r >> 8;
		over = sgn ? (int16_t)r != (int8_t)r : hi != 0;
	} else if (size == 2) {
		uint32_t a = reg16(c, CPU_EAX);
		uint32_t r = sgn ? (uint32_t)((int16_t)a * (int16_t)src) : a * src;
		set_reg16(c, CPU_EAX, (uint16_t)r);
		set_reg16(c, CPU_EDX, (uint16_t)(r >> 16));
		lo = r & 0xffff;
		hi = r >> 16;
		over = sgn ? (int32_t)r != (int16_t)r : hi != 0;
	} else {
		uint64_t r = sgn ? (uint64_t)((int64_t)(int32_t)c->r[CPU_EAX] * (int32_t)src)
				 : (uint64_t)c->r[CPU_EAX] * src;
		c->r[CPU_EAX] = (uint32_t)r;
		c->r[CPU_EDX] = (uint32_t)(r >> 32);
		lo = (uint32_t)r;
		hi = r >> 32;
		over = sgn ? (int64_t)r != (int32_t)r : hi != 0;
	}
	f |= flags_szp((uint32_t)lo, size);
	if (over)
		f |= FL_CF | FL_OF;
	flags_set_arith(c, f);
}
RM_FORMS(MUL_Eb, mul_e, 1, 0)
RM_FORMS(MUL_Ew, mul_e, 2, 0)
RM_FORMS(MUL_Ed, mul_e, 4, 0)
RM_FORMS(IMUL_Eb, mul_e, 1, 1)
RM_FORMS(IMUL_Ew, mul_e, 2, 1)
RM_FORMS(IMUL_Ed, mul_e, 4, 1)

/* IMUL r, r/m[, imm]: truncated signed product. */
static inline void imul_g(struct cpu *c, const struct insn *i, int mem, int size, int imm)
{
	uint32_t b = rm_read(c, i, mem, size);
	int64_t a = imm ? (int32_t)sext(i->imm, size) : (int32_t)sext(reg_get(c, i->reg, size), size);
	int64_t r = a * (int32_t)sext(b, size);
	uint32_t lo = (uint32_t)r & size_mask(size);
	uint32_t f = flags_get(c) & ~FL_ARITH;
	f |= flags_szp(lo, size);
	if ((int64_t)(int32_t)sext(lo, size) != r)
		f |= FL_CF | FL_OF;
	reg_set(c, i->reg, size, lo);
	flags_set_arith(c, f);
}
RM_FORMS(IMUL_GwEw, imul_g, 2, 0)
RM_FORMS(IMUL_GdEd, imul_g, 4, 0)
RM_FORMS(IMUL_GwEwIw, imul_g, 2, 1)
RM_FORMS(IMUL_GdEdId, imul_g, 4, 1)
RM_FORMS(IMUL_GwEwIb, imul_g, 2, 1)
RM_FORMS(IMUL_GdEdIb, imul_g, 4, 1)

/* DIV/IDIV: #DE on a zero divisor or a quotient that does not fit. */
static inline void div_e(struct cpu *c, const struct insn *i, int mem, int size, int sgn)
{
	uint32_t src = rm_read(c, i, mem, size);
	if (src == 0)
		cpu_raise(c, EXC_DE, EXC_NO_ERROR);
	int bits = size * 8;
	uint64_t n;
	if (size == 1)
		n = reg16(c, CPU_EAX);
	else if (size == 2)
		n = ((uint32_t)reg16(c, CPU_EDX) << 16) | reg16(c, CPU_EAX);
	else
		n = ((uint64_t)c->r[CPU_EDX] << 32) | c->r[CPU_EAX];
	uint64_t q, r;
	if (!sgn) {
		q = n / src;
		r = n % src;
		if (q >> bits)
			cpu_raise(c, EXC_DE, EXC_NO_ERROR);
	} else {
		int64_t sn = bits == 32 ? (int64_t)n : (int64_t)(int32_t)sext((uint32_t)n, size * 2);
		int64_t sd = (int32_t)sext(src, size);
		if (sd == -1 && sn == INT64_MIN)
			cpu_raise(c, EXC_DE, EXC_NO_ERROR);
		int64_t sq = sn / sd, sr = sn % sd;
		int64_t lim = (int64_t)1 << (bits - 1);
		if (sq >= lim || sq < -lim)
			cpu_raise(c, EXC_DE, EXC_NO_ERROR);
		q = (uint64_t)sq;
		r = (uint64_t)sr;
	}
	if (size == 1) {
		set_reg16(c, CPU_EAX, (uint16_t)(((r & 0xff) << 8) | (q & 0xff)));
	} else if (size == 2) {
		set_reg16(c, CPU_EAX, (uint16_t)q);
		set_reg16(c, CPU_EDX, (uint16_t)r);
	} else {
		c->r[CPU_EAX] = (uint32_t)q;
		c->r[CPU_EDX] = (uint32_t)r;
	}
}
RM_FORMS(DIV_Eb, div_e, 1, 0)
RM_FORMS(DIV_Ew, div_e, 2, 0)
RM_FORMS(DIV_Ed, div_e, 4, 0)
RM_FORMS(IDIV_Eb, div_e, 1, 1)
RM_FORMS(IDIV_Ew, div_e, 2, 1)
RM_FORMS(IDIV_Ed, div_e, 4, 1)

/* Decimal adjust, SDM Vol. 2 DAA/DAS/AAA/AAS/AAM/AAD operation sections. */
void op_DAA(struct cpu *c, const struct insn *i)
{
	(void)i;
	uint32_t f = flags_get(c);
	uint8_t al = reg8(c, 0), old = al;
	int cf = f & FL_CF, af = 0, ncf = 0;
	if ((al & 0x0f) > 9 || (f & FL_AF)) {
		ncf = cf || al > 0xf9;
		al = (uint8_t)(al + 6);
		af = 1;
	}
	if (old > 0x99 || cf) {
		al = (uint8_t)(al + 0x60);
		ncf = 1;
	}
	set_reg8(c, 0, al);
	flags_set_arith(c, (f & FL_OF) | flags_szp(al, 1) | (af ? FL_AF : 0) | (ncf ? FL_CF : 0));
}

void op_DAS(struct cpu *c, const struct insn *i)
{
	(void)i;
	uint32_t f = flags_get(c);
	uint8_t al = reg8(c, 0), old = al;
	int cf = f & FL_CF, af = 0, ncf = 0;
	if ((al & 0x0f) > 9 || (f & FL_AF)) {
		ncf = cf || al < 6;
		al = (uint8_t)(al - 6);
		af = 1;
	}
	if (old > 0x99 || cf) {
		al = (uint8_t)(al - 0x60);
		ncf = 1;
	}
	set_reg8(c, 0, al);
	flags_set_arith(c, (f & FL_OF) | flags_szp(al, 1) | (af ? FL_AF : 0) | (ncf ? FL_CF : 0));
}

void op_AAA(struct cpu *c, const struct insn *i)
{
	(void)i;
	uint32_t f = flags_get(c) & ~FL_ARITH;
	uint16_t ax = reg16(c, CPU_EAX);
	if ((ax & 0x0f) > 9 || (c->eflags & FL_AF)) {
		ax = (uint16_t)(ax + 0x106);
		f |= FL_AF | FL_CF;
	}
	ax &= 0xff0f;
	set_reg16(c, CPU_EAX, ax);
	flags_set_arith(c, f | flags_szp(ax & 0xff, 1));
}

void op_AAS(struct cpu *c, const struct insn *i)
{
	(void)i;
	uint32_t f = flags_get(c) & ~FL_ARITH;
	uint16_t ax = reg16(c, CPU_EAX);
	if ((ax & 0x0f) > 9 || (c->eflags & FL_AF)) {
		ax = (uint16_t)(ax - 6);
		ax = (uint16_t)(ax - 0x100);
		f |= FL_AF | FL_CF;
	}
	ax &= 0xff0f;
	set_reg16(c, CPU_EAX, ax);
	flags_set_arith(c, f | flags_szp(ax & 0xff, 1));
}

void op_AAM(struct cpu *c, const struct insn *i)
{
	uint8_t base = (uint8_t)i->imm, al = reg8(c, 0);
	if (base == 0)
		cpu_raise(c, EXC_DE, EXC_NO_ERROR);
	uint8_t q = al / base, r = al % base;
	set_reg16(c, CPU_EAX, (uint16_t)((q << 8) | r));
	flags_set_arith(c, (flags_get(c) & ~FL_ARITH) | flags_szp(r, 1));
}

void op_AAD(struct cpu *c, const struct insn *i)
{
	uint8_t base = (uint8_t)i->imm;
	uint8_t al = reg8(c, 0), ah = reg8(c, 4);
	uint8_t t = (uint8_t)(ah * base);
	uint8_t r = (uint8_t)(al + t);
	set_reg16(c, CPU_EAX, r);
	/* The undefined OF AF CF come from the final 8-bit add al + ah*base. */
	lf_set(c, LF_ADD, 1, r, al, t);
}

void op_SALC(struct cpu *c, const struct insn *i)
{
	(void)i;
	set_reg8(c, 0, flags_cf(c) ? 0xff : 0);
}
