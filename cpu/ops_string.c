/*
 * cpu/ops_string.c: MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE
 * (SDM Vol. 2, REP prefix). Each REP iteration commits its registers and
 * retires (+1 icount); between iterations the instruction yields to a
 * pending interrupt or the run limit by leaving EIP on itself.
 */
#include "cpu/ops_common.h"

enum { S_MOVS, S_CMPS, S_STOS, S_LODS, S_SCAS, S_INS, S_OUTS };

static inline int string_one(struct cpu *c, const struct insn *i, int kind, int size, int a32)
{
	uint32_t am = a32 ? 0xffffffffu : 0xffffu;
	uint32_t step = (c->eflags & FL_DF) ? (uint32_t)-size : (uint32_t)size;
	uint32_t si = c->r[CPU_ESI] & am, di = c->r[CPU_EDI] & am;
	uint32_t a, b;
	int upd_si = 0, upd_di = 0;
	switch (kind) {
	case S_MOVS:
		a = mem_rd(c, i->seg, si, size);
		mem_wr(c, SEG_ES, di, a, size);
		upd_si = upd_di = 1;
		break;
	case S_CMPS:
		a = mem_rd(c, i->seg, si, size);
		b = mem_rd(c, SEG_ES, di, size);
		lf_set(c, LF_SUB, size, (a - b) & size_mask(size), a, b);
		upd_si = upd_di = 1;
		break;
	case S_STOS:
		mem_wr(c, SEG_ES, di, reg_get(c, 0, size), size);
		upd_di = 1;
		break;
	case S_LODS:
		reg_set(c, 0, size, mem_rd(c, i->seg, si, size));
		upd_si = 1;
		break;
	case S_SCAS:
		a = reg_get(c, 0, size);
		b = mem_rd(c, SEG_ES, di, size);
		lf_set(c, LF_SUB, size, (a - b) & size_mask(size), a, b);
		upd_di = 1;
		break;
	case S_INS: {
		uint16_t port = reg16(c, CPU_EDX);
		io_check(c, port, size);
		mem_wr_check(c, SEG_ES, di, size);
		a = io_in(c, port, size);
		mem_wr(c, SEG_ES, di, a, size);
		upd_di = 1;
		break;
	}
	default: { /* OUTS */
		uint16_t port = reg16(c, CPU_EDX);
		io_check(c, port, size);
		a = mem_rd(c, i->seg, si, size);
		io_out(c, port, a, size);
		upd_si = 1;
		break;
	}
	}
	if (upd_si) {
		if (a32)
			c->r[CPU_ESI] = si + step;
		else
			set_reg16(c, CPU_ESI, (uint16_t)(si + step));
	}
	if (upd_di) {
		if (a32)
			c->r[CPU_EDI] = di + step;
		else
			set_reg16(c, CPU_EDI, (uint16_t)(di + step));
	}
	return kind == S_CMPS || kind == S_SCAS;
}

void cpu_rep_retire(struct cpu *c, const struct insn *i);

static inline void string_op(struct cpu *c, const struct insn *i, int kind, int size, int a32)
{
	if (!(i->flags & (INSN_REP | INSN_REPNE))) {
		string_one(c, i, kind, size, a32);
		return;
	}
	for (;;) {
		uint32_t cnt = a32 ? c->r[CPU_ECX] : reg16(c, CPU_ECX);
		if (cnt == 0)
			return;
		int cmp = string_one(c, i, kind, size, a32);
		cnt--;
		if (a32)
			c->r[CPU_ECX] = cnt;
		else
			set_reg16(c, CPU_ECX, (uint16_t)cnt);
		if (cnt == 0)
			return;
		if (cmp) {
			int zf = flags_cond(c, 4);
			if ((i->flags & INSN_REP) ? !zf : zf)
				return;
		}
		/* This iteration retires; the last one retires with the instruction. */
		cpu_rep_retire(c, i);
		if (c->icount >= c->icount_limit || c->cycles >= c->cycle_limit ||
		    c->stop_request || (!c->inhibit && cpu_interrupt_pending(c))) {
			c->eip_next = c->eip;
			c->skip_retire = 1;
			return;
		}
	}
}

#define STRING_FORMS(NAME, KIND) \
	void op_##NAME##B_a16(struct cpu *c, const struct insn *i) { string_op(c, i, KIND, 1, 0); } \
	void op_##NAME##W_a16(struct cpu *c, const struct insn *i) { string_op(c, i, KIND, 2, 0); } \
	void op_##NAME##D_a16(struct cpu *c, const struct insn *i) { string_op(c, i, KIND, 4, 0); } \
	void op_##NAME##B_a32(struct cpu *c, const struct insn *i) { string_op(c, i, KIND, 1, 1); } \
	void op_##NAME##W_a32(struct cpu *c, const struct insn *i) { string_op(c, i, KIND, 2, 1); } \
	void op_##NAME##D_a32(struct cpu *c, const struct insn *i) { string_op(c, i, KIND, 4, 1); }
STRING_FORMS(MOVS, S_MOVS)
STRING_FORMS(CMPS, S_CMPS)
STRING_FORMS(STOS, S_STOS)
STRING_FORMS(LODS, S_LODS)
STRING_FORMS(SCAS, S_SCAS)
STRING_FORMS(INS, S_INS)
STRING_FORMS(OUTS, S_OUTS)
