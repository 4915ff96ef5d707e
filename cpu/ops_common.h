/* cpu/ops_common.h: operand access shared by the instruction handlers
 * (effective addresses, r/m operands resolved at decode time). */
#ifndef LS_CPU_OPS_COMMON_H
#define LS_CPU_OPS_COMMON_H

#include "cpu/internal.h"
#include "cpu/ops.h"

/* Effective address (offset within i->seg), SDM Vol. 2 §2.1.5. */
static inline uint32_t insn_ea(const struct cpu *c, const struct insn *i)
{
	uint32_t a = i->disp;
	if (i->base != EA_NONE)
		a += c->r[i->base];
	if (i->index != EA_NONE)
		a += c->r[i->index] << i->scale;
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

#endif
