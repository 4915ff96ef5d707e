/* cpu/ops_common.h: operand access shared by the instruction handlers
 * (effective addresses, r/m operands resolved at decode time). */
#ifndef LS_CPU_OPS_COMMON_H
#define LS_CPU_OPS_COMMON_H

#include "cpu/internal.h"
#include "cpu/ops.h"

_Static_assert(EA_NONE == 8, "c->r[EA_NONE] is the always-zero register");

/* Effective address (offset within i->seg), SDM Vol. 2 §2.1.5. */
static inline uint32_t insn_ea(const struct cpu *c, const struct insn *i)
{
	uint32_t a = i->disp + c->r[i->base] + (c->r[i->index] << i->scale);
	if (!(i->flags & INSN_ASZ32))
		a &= 0xffff;
	return a;
}

static inline int insn_osz(const struct insn *i) { return (i->flags & INSN_OSZ32) ? 4 : 2; }

/* Read the r/m operand (register i->rm or memory at the EA). */
static inline uint32_t rm_read(struct cpu *c, const struct insn *i, int mem, int size)
{
	if (mem)
		return mem_rd(c, i->seg, insn_ea(c, i), size);
	return reg_get(c, i->rm, size);
}

static inline void rm_write(struct cpu *c, const struct insn *i, int mem, int size, uint32_t v)
{
	if (mem)
		mem_wr(c, i->seg, insn_ea(c, i), v, size);
	else
		reg_set(c, i->rm, size, v);
}

static inline uint32_t sext(uint32_t v, int size)
{
	return size == 1 ? (uint32_t)(int32_t)(int8_t)v
	       : size == 2 ? (uint32_t)(int32_t)(int16_t)v : v;
}

/* SZP of a result, for instructions that set flags eagerly. */
static inline uint32_t flags_szp(uint32_t r, int size)
{
	uint32_t f = 0;
	r &= size_mask(size);
	if (r == 0)
		f |= FL_ZF;
	if (r & size_sign(size))
		f |= FL_SF;
	if (flags_parity[r & 0xff])
		f |= FL_PF;
	return f;
}

/* Bodies of the most frequent handlers, shared with the run loop, which
 * inlines a few of them (cpu/exec.c, run_hot()). */

/* SHL/SHR of a 32-bit register (ops_shift.c; src: 0 by one, 1 by CL, 2 by
 * imm8): the bench guest's hottest shifts, as shift_calc() has them. The
 * masked count is 1..31 or nothing happens; CF is the last bit out; OF is
 * SHL's new sign XOR CF, SHR's old sign for a count of 1 (else 0); AF 0. */
static inline __attribute__((always_inline)) void shift_lr_r32(struct cpu *c,
								const struct insn *i, int right,
								int src)
{
	unsigned cnt = (src == 0 ? 1 : src == 1 ? reg8(c, 1) : (i->imm & 0xff)) & 31;
	uint32_t a = c->r[i->rm], r, f;

	if (cnt == 0)
		return;
	if (right) {
		r = a >> cnt;
		f = ((a >> (cnt - 1)) & 1 ? FL_CF : 0) | (cnt == 1 && (a >> 31) ? FL_OF : 0);
	} else {
		uint32_t cf = (a >> (32 - cnt)) & 1;
		r = a << cnt;
		f = (cf ? FL_CF : 0) | (((r >> 31) ^ cf) ? FL_OF : 0);
	}
	c->r[i->rm] = r;
	flags_set_arith(c, f | flags_szp(r, 4));
}

/* MOV (ops_move.c) */
static inline __attribute__((always_inline)) void mov_eg(struct cpu *c, const struct insn *i, int mem, int size)
{
	rm_write(c, i, mem, size, reg_get(c, i->reg, size));
}
static inline __attribute__((always_inline)) void mov_ge(struct cpu *c, const struct insn *i, int mem, int size)
{
	reg_set(c, i->reg, size, rm_read(c, i, mem, size));
}
static inline __attribute__((always_inline)) void mov_ei(struct cpu *c, const struct insn *i, int mem, int size)
{
	rm_write(c, i, mem, size, i->imm & size_mask(size));
}
/* MOVZX/MOVSX: r/m of ssize into a register of dsize. */
static inline __attribute__((always_inline)) void movx(struct cpu *c, const struct insn *i, int mem, int dsize, int ssize, int sx)
{
	uint32_t v = rm_read(c, i, mem, ssize);
	reg_set(c, i->reg, dsize, (sx ? sext(v, ssize) : v) & size_mask(dsize));
}

/* ALU (ops_alu.c) */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

static inline __attribute__((always_inline)) uint32_t alu_calc(int op, uint32_t a, uint32_t b, uint32_t cin, uint32_t m)
{
	switch (op) {
	case ALU_ADD: return (a + b) & m;
	case ALU_OR: return a | b;
	case ALU_ADC: return (a + b + cin) & m;
	case ALU_SBB: return (a - b - cin) & m;
	case ALU_AND: return a & b;
	case ALU_XOR: return a ^ b;
	default: return (a - b) & m;
	}
}

static inline __attribute__((always_inline)) void alu_flags(struct cpu *c, int op, int size, uint32_t r, uint32_t a, uint32_t b,
			     uint32_t cin)
{
	static const uint8_t lf[8] = { LF_ADD, LF_LOGIC, LF_ADC, LF_SBB, LF_LOGIC, LF_SUB, LF_LOGIC, LF_SUB };
	/* Only what the flags are computed from (cpu/flags.c): the result
	 * alone for logic ops, the carry in only for ADC/SBB. */
	if (lf[op] == LF_LOGIC) {
		lf_set_logic(c, size, r);
		return;
	}
	lf_set(c, lf[op], size, r, a, b);
	if (op == ALU_ADC || op == ALU_SBB)
		c->lf.cin = (uint8_t)cin;
}

/* dst op= src; dst is r/m (E) or reg (G). */
static inline __attribute__((always_inline)) void alu_ev(struct cpu *c, const struct insn *i, int mem, int op, int size, int src_kind)
{
	uint32_t m = size_mask(size);
	uint32_t b = src_kind == 0 ? reg_get(c, i->reg, size) : (i->imm & m);
	uint32_t cin = (op == ALU_ADC || op == ALU_SBB) ? (flags_cf(c) != 0) : 0;
	uint32_t a, r;
	if (mem) {
		uint32_t ea = insn_ea(c, i);
		a = mem_rd(c, i->seg, ea, size);
		r = alu_calc(op, a, b, cin, m);
		if (op != ALU_CMP)
			mem_wr(c, i->seg, ea, r, size);
	} else {
		a = reg_get(c, i->rm, size);
		r = alu_calc(op, a, b, cin, m);
		if (op != ALU_CMP)
			reg_set(c, i->rm, size, r);
	}
	alu_flags(c, op, size, r, a, b, cin);
}

static inline __attribute__((always_inline)) void alu_ge(struct cpu *c, const struct insn *i, int mem, int op, int size)
{
	uint32_t m = size_mask(size);
	uint32_t b = rm_read(c, i, mem, size);
	uint32_t cin = (op == ALU_ADC || op == ALU_SBB) ? (flags_cf(c) != 0) : 0;
	uint32_t a = reg_get(c, i->reg, size);
	uint32_t r = alu_calc(op, a, b, cin, m);
	if (op != ALU_CMP)
		reg_set(c, i->reg, size, r);
	alu_flags(c, op, size, r, a, b, cin);
}

static inline __attribute__((always_inline)) void alu_acc(struct cpu *c, const struct insn *i, int op, int size)
{
	uint32_t m = size_mask(size);
	uint32_t b = i->imm & m;
	uint32_t cin = (op == ALU_ADC || op == ALU_SBB) ? (flags_cf(c) != 0) : 0;
	uint32_t a = reg_get(c, 0, size);
	uint32_t r = alu_calc(op, a, b, cin, m);
	if (op != ALU_CMP)
		reg_set(c, 0, size, r);
	alu_flags(c, op, size, r, a, b, cin);
}

/* TEST: AND without writing (SDM Vol. 2, TEST). */
static inline __attribute__((always_inline)) void test_eg(struct cpu *c, const struct insn *i, int mem, int size, int imm)
{
	uint32_t a = rm_read(c, i, mem, size);
	uint32_t b = imm ? (i->imm & size_mask(size)) : reg_get(c, i->reg, size);
	lf_set_logic(c, size, a & b);
}

/* NEG: the flags of 0 - x. */
static inline __attribute__((always_inline)) void neg_e(struct cpu *c, const struct insn *i, int mem, int size)
{
	uint32_t a, r;
	if (mem) {
		uint32_t ea = insn_ea(c, i);
		a = mem_rd(c, i->seg, ea, size);
		r = (0 - a) & size_mask(size);
		mem_wr(c, i->seg, ea, r, size);
	} else {
		a = reg_get(c, i->rm, size);
		r = (0 - a) & size_mask(size);
		reg_set(c, i->rm, size, r);
	}
	lf_set(c, LF_SUB, size, r, 0, a);
}

/* INC/DEC keep CF (SDM Vol. 2, INC, DEC). */
static inline __attribute__((always_inline)) void incdec_set(struct cpu *c, int dec, int size, uint32_t a, uint32_t r, int cf)
{
	lf_set(c, dec ? LF_DEC : LF_INC, size, r, a, 1);
	c->lf.cin = (uint8_t)cf;
}
static inline __attribute__((always_inline)) void incdec_e(struct cpu *c, const struct insn *i, int mem, int dec, int size)
{
	int cf = flags_cf(c) != 0;
	uint32_t a, r;
	if (mem) {
		uint32_t ea = insn_ea(c, i);
		a = mem_rd(c, i->seg, ea, size);
		r = (dec ? a - 1 : a + 1) & size_mask(size);
		mem_wr(c, i->seg, ea, r, size);
	} else {
		a = reg_get(c, i->rm, size);
		r = (dec ? a - 1 : a + 1) & size_mask(size);
		reg_set(c, i->rm, size, r);
	}
	incdec_set(c, dec, size, a, r, cf);
}
static inline __attribute__((always_inline)) void incdec_z(struct cpu *c, const struct insn *i, int dec, int size)
{
	int cf = flags_cf(c) != 0;
	uint32_t a = reg_get(c, i->reg, size);
	uint32_t r = (dec ? a - 1 : a + 1) & size_mask(size);
	reg_set(c, i->reg, size, r);
	incdec_set(c, dec, size, a, r, cf);
}

#endif
