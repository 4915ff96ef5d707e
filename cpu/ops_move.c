/*
 * cpu/ops_move.c: data movement (MOV, MOVZX/MOVSX, LEA, XCHG, CMOVcc,
 * SETcc, BSWAP, XLAT, CBW..CDQ, LAHF/SAHF), stack instructions (PUSH, POP,
 * PUSHA, POPA, ENTER, LEAVE), segment register moves and far-pointer loads
 * (SDM Vol. 2). Stack sequences compute on a local SP and commit it last.
 */
#include "cpu/ops_common.h"

/* MOV */
RM_FORMS(MOV_EbGb, mov_eg, 1)
RM_FORMS(MOV_EwGw, mov_eg, 2)
RM_FORMS(MOV_EdGd, mov_eg, 4)
RM_FORMS(MOV_GbEb, mov_ge, 1)
RM_FORMS(MOV_GwEw, mov_ge, 2)
RM_FORMS(MOV_GdEd, mov_ge, 4)
RM_FORMS(MOV_EbIb, mov_ei, 1)
RM_FORMS(MOV_EwIw, mov_ei, 2)
RM_FORMS(MOV_EdId, mov_ei, 4)
void op_MOV_ZbIb(struct cpu *c, const struct insn *i) { set_reg8(c, i->reg, (uint8_t)i->imm); }
void op_MOV_ZwIw(struct cpu *c, const struct insn *i) { set_reg16(c, i->reg, (uint16_t)i->imm); }
void op_MOV_ZdId(struct cpu *c, const struct insn *i) { c->r[i->reg] = i->imm; }
void op_MOV_ALOb(struct cpu *c, const struct insn *i) { set_reg8(c, 0, (uint8_t)mem_rd(c, i->seg, i->disp, 1)); }
void op_MOV_AXOw(struct cpu *c, const struct insn *i) { set_reg16(c, 0, (uint16_t)mem_rd(c, i->seg, i->disp, 2)); }
void op_MOV_EAXOd(struct cpu *c, const struct insn *i) { c->r[0] = mem_rd(c, i->seg, i->disp, 4); }
void op_MOV_ObAL(struct cpu *c, const struct insn *i) { mem_wr(c, i->seg, i->disp, reg8(c, 0), 1); }
void op_MOV_OwAX(struct cpu *c, const struct insn *i) { mem_wr(c, i->seg, i->disp, reg16(c, 0), 2); }
void op_MOV_OdEAX(struct cpu *c, const struct insn *i) { mem_wr(c, i->seg, i->disp, c->r[0], 4); }

RM_FORMS(MOVZX_GwEb, movx, 2, 1, 0)
RM_FORMS(MOVZX_GdEb, movx, 4, 1, 0)
RM_FORMS(MOVZX_GwEw, movx, 2, 2, 0)
RM_FORMS(MOVZX_GdEw, movx, 4, 2, 0)
RM_FORMS(MOVSX_GwEb, movx, 2, 1, 1)
RM_FORMS(MOVSX_GdEb, movx, 4, 1, 1)
RM_FORMS(MOVSX_GwEw, movx, 2, 2, 1)
RM_FORMS(MOVSX_GdEw, movx, 4, 2, 1)

void op_LEA_GwM_M(struct cpu *c, const struct insn *i) { set_reg16(c, i->reg, (uint16_t)insn_ea(c, i)); }
void op_LEA_GdM_M(struct cpu *c, const struct insn *i) { c->r[i->reg] = insn_ea(c, i); }

static inline void xchg_e(struct cpu *c, const struct insn *i, int mem, int size)
{
	uint32_t g = reg_get(c, i->reg, size);
	if (mem) {
		uint32_t ea = insn_ea(c, i);
		uint32_t v = mem_rd(c, i->seg, ea, size);
		mem_wr(c, i->seg, ea, g, size);
		reg_set(c, i->reg, size, v);
	} else {
		reg_set(c, i->reg, size, reg_get(c, i->rm, size));
		reg_set(c, i->rm, size, g);
	}
}
RM_FORMS(XCHG_EbGb, xchg_e, 1)
RM_FORMS(XCHG_EwGw, xchg_e, 2)
RM_FORMS(XCHG_EdGd, xchg_e, 4)
void op_XCHG_ZwAX(struct cpu *c, const struct insn *i)
{
	uint16_t t = reg16(c, i->reg);
	set_reg16(c, i->reg, reg16(c, 0));
	set_reg16(c, 0, t);
}
void op_XCHG_ZdEAX(struct cpu *c, const struct insn *i)
{
	uint32_t t = c->r[i->reg];
	c->r[i->reg] = c->r[0];
	c->r[0] = t;
}
void op_NOP(struct cpu *c, const struct insn *i) { (void)c; (void)i; }
static inline void nop_e(struct cpu *c, const struct insn *i, int mem) { (void)c; (void)i; (void)mem; }
RM_FORMS(NOP_Ew, nop_e)
RM_FORMS(NOP_Ed, nop_e)

/* CMOVcc reads its source even when the condition is false (SDM Vol. 2). */
static inline void cmov_g(struct cpu *c, const struct insn *i, int mem, int size)
{
	uint32_t v = rm_read(c, i, mem, size);
	if (flags_cond(c, i->cc))
		reg_set(c, i->reg, size, v);
}
RM_FORMS(CMOV_GwEw, cmov_g, 2)
RM_FORMS(CMOV_GdEd, cmov_g, 4)
static inline void setcc_e(struct cpu *c, const struct insn *i, int mem)
{
	rm_write(c, i, mem, 1, (uint32_t)flags_cond(c, i->cc));
}
RM_FORMS(SETCC_Eb, setcc_e)

void op_BSWAP_Zd(struct cpu *c, const struct insn *i)
{
	if (!(i->flags & INSN_OSZ32)) {
		/* 16-bit operand: undefined; the register is cleared (docs/cpu.md). */
		set_reg16(c, i->reg, 0);
		return;
	}
	c->r[i->reg] = __builtin_bswap32(c->r[i->reg]);
}

static inline void xlat(struct cpu *c, const struct insn *i, int a32)
{
	uint32_t off = c->r[CPU_EBX] + reg8(c, 0);
	if (!a32)
		off &= 0xffff;
	set_reg8(c, 0, (uint8_t)mem_rd(c, i->seg, off, 1));
}
void op_XLAT_a16(struct cpu *c, const struct insn *i) { xlat(c, i, 0); }
void op_XLAT_a32(struct cpu *c, const struct insn *i) { xlat(c, i, 1); }

void op_CBW(struct cpu *c, const struct insn *i) { (void)i; set_reg16(c, 0, (uint16_t)(int8_t)reg8(c, 0)); }
void op_CWDE(struct cpu *c, const struct insn *i) { (void)i; c->r[0] = (uint32_t)(int32_t)(int16_t)reg16(c, 0); }
void op_CWD(struct cpu *c, const struct insn *i) { (void)i; set_reg16(c, CPU_EDX, (reg16(c, 0) & 0x8000) ? 0xffff : 0); }
void op_CDQ(struct cpu *c, const struct insn *i) { (void)i; c->r[CPU_EDX] = (c->r[0] & 0x80000000u) ? 0xffffffffu : 0; }
void op_LAHF(struct cpu *c, const struct insn *i)
{
	(void)i;
	set_reg8(c, 4, (uint8_t)((flags_get(c) & 0xd5) | 2));
}
void op_SAHF(struct cpu *c, const struct insn *i)
{
	(void)i;
	flags_set(c, reg8(c, 4), FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF);
}

/* ---- stack ---- */
void op_PUSH_Zw(struct cpu *c, const struct insn *i) { stack_push(c, reg16(c, i->reg), 2); }
void op_PUSH_Zd(struct cpu *c, const struct insn *i) { stack_push(c, c->r[i->reg], 4); }
void op_POP_Zw(struct cpu *c, const struct insn *i) { set_reg16(c, i->reg, (uint16_t)stack_pop(c, 2)); }
void op_POP_Zd(struct cpu *c, const struct insn *i) { c->r[i->reg] = stack_pop(c, 4); }
void op_PUSH_Iw(struct cpu *c, const struct insn *i) { stack_push(c, i->imm & 0xffff, 2); }
void op_PUSH_Id(struct cpu *c, const struct insn *i) { stack_push(c, i->imm, 4); }
void op_PUSH_IbW(struct cpu *c, const struct insn *i) { stack_push(c, i->imm & 0xffff, 2); }
void op_PUSH_IbD(struct cpu *c, const struct insn *i) { stack_push(c, i->imm, 4); }
static inline void push_e(struct cpu *c, const struct insn *i, int mem, int size)
{
	stack_push(c, rm_read(c, i, mem, size), size);
}
RM_FORMS(PUSH_Ew, push_e, 2)
RM_FORMS(PUSH_Ed, push_e, 4)
/* POP r/m: ESP is incremented before the destination address is computed
 * (SDM Vol. 2, POP); ESP commits only after the write succeeded. */
static inline void pop_e(struct cpu *c, const struct insn *i, int mem, int size)
{
	uint32_t v = stack_peek(c, 0, size);
	uint32_t old = c->r[CPU_ESP];
	stack_set_sp(c, stack_sp(c) + (uint32_t)size);
	uint32_t nsp = c->r[CPU_ESP];
	if (mem) {
		uint32_t ea = insn_ea(c, i);
		c->r[CPU_ESP] = old;
		mem_wr(c, i->seg, ea, v, size);
		c->r[CPU_ESP] = nsp;
	} else {
		reg_set(c, i->rm, size, v);
	}
}
RM_FORMS(POP_Ew, pop_e, 2)
RM_FORMS(POP_Ed, pop_e, 4)

static inline void push_seg(struct cpu *c, const struct insn *i, int size)
{
	stack_push(c, c->seg[i->reg].sel, size);
}
static inline void pop_seg(struct cpu *c, const struct insn *i, int size)
{
	uint32_t v = stack_peek(c, 0, size);
	uint32_t nsp = stack_sp(c) + (uint32_t)size;
	int ss32 = cpu_ss32(c);
	seg_load(c, i->reg, (uint16_t)v);
	if (ss32)
		c->r[CPU_ESP] = nsp;
	else
		set_reg16(c, CPU_ESP, (uint16_t)nsp);
	if (i->reg == SEG_SS)
		c->inhibit = 2;
}
#define SEG_PUSHPOP(S) \
	void op_PUSH_##S##w(struct cpu *c, const struct insn *i) { push_seg(c, i, 2); } \
	void op_PUSH_##S##d(struct cpu *c, const struct insn *i) { push_seg(c, i, 4); }
#define SEG_POP(S) \
	void op_POP_##S##w(struct cpu *c, const struct insn *i) { pop_seg(c, i, 2); } \
	void op_POP_##S##d(struct cpu *c, const struct insn *i) { pop_seg(c, i, 4); }
SEG_PUSHPOP(ES) SEG_PUSHPOP(CS) SEG_PUSHPOP(SS) SEG_PUSHPOP(DS) SEG_PUSHPOP(FS) SEG_PUSHPOP(GS)
SEG_POP(ES) SEG_POP(SS) SEG_POP(DS) SEG_POP(FS) SEG_POP(GS)

/* PUSHA/PUSHAD: AX CX DX BX (original SP) BP SI DI. */
static void pusha(struct cpu *c, int size)
{
	uint32_t sp = stack_sp(c), m = cpu_ss32(c) ? 0xffffffffu : 0xffffu;
	for (int r = 0; r < 8; r++) {
		sp = (sp - (uint32_t)size) & m;
		mem_wr(c, SEG_SS, sp, reg_get(c, r, size), size);
	}
	stack_set_sp(c, sp);
}
void op_PUSHA(struct cpu *c, const struct insn *i) { (void)i; pusha(c, 2); }
void op_PUSHAD(struct cpu *c, const struct insn *i) { (void)i; pusha(c, 4); }
static void popa(struct cpu *c, int size)
{
	uint32_t v[8];
	for (int r = 0; r < 8; r++)
		v[7 - r] = stack_peek(c, (uint32_t)(r * size), size);
	for (int r = 0; r < 8; r++)
		if (r != CPU_ESP)
			reg_set(c, r, size, v[r]);
	stack_set_sp(c, stack_sp(c) + (uint32_t)(8 * size));
}
void op_POPA(struct cpu *c, const struct insn *i) { (void)i; popa(c, 2); }
void op_POPAD(struct cpu *c, const struct insn *i) { (void)i; popa(c, 4); }

/* ENTER (SDM Vol. 2, ENTER operation, nesting level mod 32). */
static void enter(struct cpu *c, const struct insn *i, int size)
{
	uint32_t m = cpu_ss32(c) ? 0xffffffffu : 0xffffu;
	unsigned level = i->imm2 & 31;
	uint32_t sp = stack_sp(c);
	uint32_t bp = c->r[CPU_EBP] & m;
	sp = (sp - (uint32_t)size) & m;
	mem_wr(c, SEG_SS, sp, reg_get(c, CPU_EBP, size), size);
	uint32_t frame = sp;
	if (level > 0) {
		for (unsigned k = 1; k < level; k++) {
			bp = (bp - (uint32_t)size) & m;
			uint32_t v = mem_rd(c, SEG_SS, bp, size);
			sp = (sp - (uint32_t)size) & m;
			mem_wr(c, SEG_SS, sp, v, size);
		}
		sp = (sp - (uint32_t)size) & m;
		mem_wr(c, SEG_SS, sp, frame, size);
	}
	sp = (sp - (i->imm & 0xffff)) & m;
	/* Check the lowest byte of the new frame is within the stack segment. */
	reg_set(c, CPU_EBP, size, frame);
	stack_set_sp(c, sp);
}
void op_ENTER_w(struct cpu *c, const struct insn *i) { enter(c, i, 2); }
void op_ENTER_d(struct cpu *c, const struct insn *i) { enter(c, i, 4); }
static void leave(struct cpu *c, int size)
{
	uint32_t bp = cpu_ss32(c) ? c->r[CPU_EBP] : (c->r[CPU_EBP] & 0xffff);
	uint32_t v = mem_rd(c, SEG_SS, bp, size);
	stack_set_sp(c, bp + (uint32_t)size);
	reg_set(c, CPU_EBP, size, v);
}
void op_LEAVE_w(struct cpu *c, const struct insn *i) { (void)i; leave(c, 2); }
void op_LEAVE_d(struct cpu *c, const struct insn *i) { (void)i; leave(c, 4); }

/* ---- segment registers ---- */
static inline void mov_sw(struct cpu *c, const struct insn *i, int mem)
{
	if (i->reg == SEG_CS || i->reg > SEG_GS)
		cpu_ud(c);
	uint16_t v = (uint16_t)rm_read(c, i, mem, 2);
	seg_load(c, i->reg, v);
	if (i->reg == SEG_SS)
		c->inhibit = 2;
}
RM_FORMS(MOV_SwEw, mov_sw)
static inline void mov_es(struct cpu *c, const struct insn *i, int mem, int size)
{
	if (i->reg > SEG_GS)
		cpu_ud(c);
	uint16_t v = c->seg[i->reg].sel;
	if (mem)
		mem_wr(c, i->seg, insn_ea(c, i), v, 2);
	else
		reg_set(c, i->rm, size, v); /* 32-bit: zero-extended (P6) */
}
RM_FORMS(MOV_EwSw, mov_es, 2)
RM_FORMS(MOV_EdSw, mov_es, 4)

/* LDS/LES/LSS/LFS/LGS: offset then selector from memory. */
static void load_far(struct cpu *c, const struct insn *i, int sreg, int size)
{
	uint32_t ea = insn_ea(c, i);
	uint32_t off = mem_rd(c, i->seg, ea, size);
	uint32_t a2 = ea + (uint32_t)size;
	if (!(i->flags & INSN_ASZ32))
		a2 &= 0xffff;
	uint16_t sel = (uint16_t)mem_rd(c, i->seg, a2, 2);
	seg_load(c, sreg, sel);
	reg_set(c, i->reg, size, off);
	if (sreg == SEG_SS)
		c->inhibit = 2;
}
#define LOAD_FAR(N, S) \
	void op_##N##_GwMp_M(struct cpu *c, const struct insn *i) { load_far(c, i, S, 2); } \
	void op_##N##_GdMp_M(struct cpu *c, const struct insn *i) { load_far(c, i, S, 4); }
LOAD_FAR(LES, SEG_ES)
LOAD_FAR(LDS, SEG_DS)
LOAD_FAR(LSS, SEG_SS)
LOAD_FAR(LFS, SEG_FS)
LOAD_FAR(LGS, SEG_GS)

/* BOUND: #BR when the signed index is outside [lower, upper]. */
static void bound(struct cpu *c, const struct insn *i, int size)
{
	uint32_t ea = insn_ea(c, i);
	uint32_t a2 = ea + (uint32_t)size;
	if (!(i->flags & INSN_ASZ32))
		a2 &= 0xffff;
	int32_t lo = (int32_t)sext(mem_rd(c, i->seg, ea, size), size);
	int32_t hi = (int32_t)sext(mem_rd(c, i->seg, a2, size), size);
	int32_t v = (int32_t)sext(reg_get(c, i->reg, size), size);
	if (v < lo || v > hi)
		cpu_raise(c, EXC_BR, EXC_NO_ERROR);
}
void op_BOUND_GwMa_M(struct cpu *c, const struct insn *i) { bound(c, i, 2); }
void op_BOUND_GdMa_M(struct cpu *c, const struct insn *i) { bound(c, i, 4); }
