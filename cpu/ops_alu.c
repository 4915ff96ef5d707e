/*
 * cpu/ops_alu.c: ADD OR ADC SBB AND SUB XOR CMP, TEST, INC/DEC, NOT/NEG,
 * XADD, CMPXCHG, CMPXCHG8B (SDM Vol. 2, each instruction's operation and
 * flags sections). Results are written before flags are set, so a fault in
 * the write leaves EFLAGS unchanged.
 */
#include "cpu/ops_common.h"

#define ALU_FAMILY(OP, N) \
	RM_FORMS(OP##_EbGb, alu_ev, N, 1, 0) \
	RM_FORMS(OP##_EwGw, alu_ev, N, 2, 0) \
	RM_FORMS(OP##_EdGd, alu_ev, N, 4, 0) \
	RM_FORMS(OP##_GbEb, alu_ge, N, 1) \
	RM_FORMS(OP##_GwEw, alu_ge, N, 2) \
	RM_FORMS(OP##_GdEd, alu_ge, N, 4) \
	RM_FORMS(OP##_EbIb, alu_ev, N, 1, 1) \
	RM_FORMS(OP##_EwIw, alu_ev, N, 2, 1) \
	RM_FORMS(OP##_EdId, alu_ev, N, 4, 1) \
	RM_FORMS(OP##_EwIb, alu_ev, N, 2, 1) \
	RM_FORMS(OP##_EdIb, alu_ev, N, 4, 1) \
	void op_##OP##_ALIb(struct cpu *c, const struct insn *i) { alu_acc(c, i, N, 1); } \
	void op_##OP##_AXIw(struct cpu *c, const struct insn *i) { alu_acc(c, i, N, 2); } \
	void op_##OP##_EAXId(struct cpu *c, const struct insn *i) { alu_acc(c, i, N, 4); }

ALU_FAMILY(ADD, ALU_ADD)
ALU_FAMILY(OR, ALU_OR)
ALU_FAMILY(ADC, ALU_ADC)
ALU_FAMILY(SBB, ALU_SBB)
ALU_FAMILY(AND, ALU_AND)
ALU_FAMILY(SUB, ALU_SUB)
ALU_FAMILY(XOR, ALU_XOR)
ALU_FAMILY(CMP, ALU_CMP)

RM_FORMS(TEST_EbGb, test_eg, 1, 0)
RM_FORMS(TEST_EwGw, test_eg, 2, 0)
RM_FORMS(TEST_EdGd, test_eg, 4, 0)
RM_FORMS(TEST_EbIb, test_eg, 1, 1)
RM_FORMS(TEST_EwIw, test_eg, 2, 1)
RM_FORMS(TEST_EdId, test_eg, 4, 1)
static inline void test_acc(struct cpu *c, const struct insn *i, int size)
{
	lf_set_logic(c, size, reg_get(c, 0, size) & i->imm & size_mask(size));
}
void op_TEST_ALIb(struct cpu *c, const struct insn *i) { test_acc(c, i, 1); }
void op_TEST_AXIw(struct cpu *c, const struct insn *i) { test_acc(c, i, 2); }
void op_TEST_EAXId(struct cpu *c, const struct insn *i) { test_acc(c, i, 4); }

RM_FORMS(INC_Eb, incdec_e, 0, 1)
RM_FORMS(INC_Ew, incdec_e, 0, 2)
RM_FORMS(INC_Ed, incdec_e, 0, 4)
RM_FORMS(DEC_Eb, incdec_e, 1, 1)
RM_FORMS(DEC_Ew, incdec_e, 1, 2)
RM_FORMS(DEC_Ed, incdec_e, 1, 4)
void op_INC_Zw(struct cpu *c, const struct insn *i) { incdec_z(c, i, 0, 2); }
void op_INC_Zd(struct cpu *c, const struct insn *i) { incdec_z(c, i, 0, 4); }
void op_DEC_Zw(struct cpu *c, const struct insn *i) { incdec_z(c, i, 1, 2); }
void op_DEC_Zd(struct cpu *c, const struct insn *i) { incdec_z(c, i, 1, 4); }

/* NOT (no flags) and NEG (flags of 0 - x). */
static inline void not_e(struct cpu *c, const struct insn *i, int mem, int size)
{
	if (mem) {
		uint32_t ea = insn_ea(c, i);
		uint32_t a = mem_rd(c, i->seg, ea, size);
		mem_wr(c, i->seg, ea, ~a & size_mask(size), size);
	} else {
		reg_set(c, i->rm, size, ~reg_get(c, i->rm, size) & size_mask(size));
	}
}
RM_FORMS(NOT_Eb, not_e, 1)
RM_FORMS(NOT_Ew, not_e, 2)
RM_FORMS(NOT_Ed, not_e, 4)
RM_FORMS(NEG_Eb, neg_e, 1)
RM_FORMS(NEG_Ew, neg_e, 2)
RM_FORMS(NEG_Ed, neg_e, 4)

/* XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (SDM Vol. 2, XADD). */
static inline void xadd_e(struct cpu *c, const struct insn *i, int mem, int size)
{
	uint32_t b = reg_get(c, i->reg, size), a, r;
	if (mem) {
		uint32_t ea = insn_ea(c, i);
		a = mem_rd(c, i->seg, ea, size);
		r = (a + b) & size_mask(size);
		mem_wr(c, i->seg, ea, r, size);
		reg_set(c, i->reg, size, a);
	} else {
		a = reg_get(c, i->rm, size);
		r = (a + b) & size_mask(size);
		reg_set(c, i->reg, size, a);
		reg_set(c, i->rm, size, r);
	}
	lf_set(c, LF_ADD, size, r, a, b);
}
RM_FORMS(XADD_EbGb, xadd_e, 1)
RM_FORMS(XADD_EwGw, xadd_e, 2)
RM_FORMS(XADD_EdGd, xadd_e, 4)

/* CMPXCHG: flags of CMP accumulator, dest; the memory destination is
 * always written (with its old value on mismatch), SDM Vol. 2, CMPXCHG. */
static inline void cmpxchg_e(struct cpu *c, const struct insn *i, int mem, int size)
{
	uint32_t acc = reg_get(c, 0, size), src = reg_get(c, i->reg, size), d;
	uint32_t ea = mem ? insn_ea(c, i) : 0;
	d = mem ? mem_rd(c, i->seg, ea, size) : reg_get(c, i->rm, size);
	uint32_t r = (acc - d) & size_mask(size);
	if (acc == d) {
		if (mem)
			mem_wr(c, i->seg, ea, src, size);
		else
			reg_set(c, i->rm, size, src);
	} else {
		if (mem)
			mem_wr(c, i->seg, ea, d, size);
		reg_set(c, 0, size, d);
	}
	lf_set(c, LF_SUB, size, r, acc, d);
}
RM_FORMS(CMPXCHG_EbGb, cmpxchg_e, 1)
RM_FORMS(CMPXCHG_EwGw, cmpxchg_e, 2)
RM_FORMS(CMPXCHG_EdGd, cmpxchg_e, 4)

void op_CMPXCHG8B_Mq_M(struct cpu *c, const struct insn *i)
{
	uint32_t ea = insn_ea(c, i);
	uint32_t lo = mem_rd(c, i->seg, ea, 4), hi = mem_rd(c, i->seg, ea + 4, 4);
	mem_wr_check(c, i->seg, ea, 4);
	mem_wr_check(c, i->seg, ea + 4, 4);
	uint32_t f = flags_get(c);
	if (lo == c->r[CPU_EAX] && hi == c->r[CPU_EDX]) {
		mem_wr(c, i->seg, ea, c->r[CPU_EBX], 4);
		mem_wr(c, i->seg, ea + 4, c->r[CPU_ECX], 4);
		flags_set_arith(c, f | FL_ZF);
	} else {
		mem_wr(c, i->seg, ea, lo, 4);
		mem_wr(c, i->seg, ea + 4, hi, 4);
		c->r[CPU_EAX] = lo;
		c->r[CPU_EDX] = hi;
		flags_set_arith(c, f & ~FL_ZF);
	}
}
