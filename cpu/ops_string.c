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

/* How many elements of size bytes from offset off (ascending, or descending
 * when down) fit in seg without a limit fault, in the linear page and in
 * the address size (no wrap); 0 when the first one does not. No access. */
static uint32_t string_room(struct cpu *c, int seg, uint32_t off, int size, int down, uint32_t am,
			    int right, uint32_t *lin)
{
	const struct seg *s = &c->seg[seg];
	if (!(s->rights & right) || off < s->lo || (uint64_t)off + (unsigned)size - 1 > s->hi ||
	    (uint64_t)off + (unsigned)size - 1 > am)
		return 0;
	*lin = s->base + off;
	uint32_t po = *lin & 0xfffu;
	if (po + (unsigned)size > 0x1000u)
		return 0;
	uint32_t n;
	if (!down) {
		uint64_t top = s->hi < am ? s->hi : am;            /* last valid byte */
		n = (0x1000u - po) / (unsigned)size;
		uint64_t lim = (top - off + 1) / (unsigned)size;
		if (lim < n)
			n = (uint32_t)lim;
	} else {
		n = po / (unsigned)size + 1;
		uint64_t lim = (off - s->lo) / (unsigned)size + 1;
		if (lim < n)
			n = (uint32_t)lim;
	}
	return n;
}

/* REP MOVS/STOS/CMPS/SCAS fast path: run as many iterations as possible
 * that would neither be the last one, nor yield (run limits; a pending
 * interrupt or stop request cannot appear during plain memory accesses),
 * nor cross a page or segment limit, nor touch anything but plain RAM
 * (code pages included: their writes go the slow way). Each counts like
 * cpu_rep_retire(). Returns the number done; the generic loop does the
 * rest with the same results. */
static uint32_t string_bulk(struct cpu *c, const struct insn *i, int kind, int size, int a32,
			    uint32_t cnt)
{
	if (c->hooks.retire || c->stop_request || c->icount >= c->icount_limit ||
	    c->cycles >= c->cycle_limit || (!c->inhibit && cpu_interrupt_pending(c)))
		return 0;
	uint64_t k = cnt - 1;
	uint64_t ki = c->icount_limit - c->icount - 1;
	uint64_t kc = (c->cycle_limit - c->cycles - 1) / (i->cost ? i->cost : 1);
	if (ki < k)
		k = ki;
	if (kc < k)
		k = kc;
	if (k == 0)
		return 0;
	uint32_t am = a32 ? 0xffffffffu : 0xffffu;
	int down = (c->eflags & FL_DF) != 0;
	uint32_t si = c->r[CPU_ESI] & am, di = c->r[CPU_EDI] & am;
	uint32_t slin = 0, dlin = 0;
	int user = c->cpl == 3;
	const uint8_t *sp = NULL;
	uint8_t *dp = NULL;
	const uint8_t *dr = NULL;
	if (kind == S_MOVS || kind == S_CMPS) {
		uint32_t n = string_room(c, i->seg, si, size, down, am, SEGR_READ, &slin);
		if (n < k)
			k = n;
	}
	uint32_t n = string_room(c, SEG_ES, di, size, down, am,
				 kind == S_CMPS || kind == S_SCAS ? SEGR_READ : SEGR_WRITE, &dlin);
	if (n < k)
		k = n;
	if (k == 0)
		return 0;
	/* Translate in the order of the first iteration's accesses. */
	if (kind == S_MOVS || kind == S_CMPS) {
		sp = mmu_host_page(c, slin, ACC_READ, user);
		if (!sp)
			return 0;
		sp += slin & 0xfffu;
	}
	if (kind == S_MOVS || kind == S_STOS) {
		dp = mmu_host_page(c, dlin, ACC_WRITE, user);
		if (!dp)
			return 0;
		dp += dlin & 0xfffu;
	} else {
		dr = mmu_host_page(c, dlin, ACC_READ, user);
		if (!dr)
			return 0;
		dr += dlin & 0xfffu;
	}
	long step = down ? -size : size;
	uint32_t done = 0;
	switch (kind) {
	case S_MOVS:
		for (; done < k; done++, sp += step, dp += step)
			for (int b = 0; b < size; b++)
				dp[b] = sp[b];
		break;
	case S_STOS: {
		uint32_t v = reg_get(c, 0, size);
		for (; done < k; done++, dp += step)
			for (int b = 0; b < size; b++)
				dp[b] = (uint8_t)(v >> (8 * b));
		break;
	}
	default: {   /* CMPS, SCAS: stop before an iteration that ends the REP */
		int want_eq = (i->flags & INSN_REP) != 0;
		uint32_t a = 0, bv = 0, m = size_mask(size);
		uint32_t acc = kind == S_SCAS ? reg_get(c, 0, size) : 0;
		for (; done < k; done++, dr += step) {
			uint32_t x = kind == S_SCAS ? acc : 0, y = 0;
			for (int b = size - 1; b >= 0; b--) {
				if (kind == S_CMPS)
					x = (x << 8) | sp[b];
				y = (y << 8) | dr[b];
			}
			if ((x == y) != want_eq)
				break;
			a = x;
			bv = y;
			if (kind == S_CMPS)
				sp += step;
		}
		if (done)
			lf_set(c, LF_SUB, size, (a - bv) & m, a, bv);
		break;
	}
	}
	if (!done)
		return 0;
	uint32_t adv = (uint32_t)(step * (long)done);
	if (kind == S_MOVS || kind == S_CMPS) {
		if (a32)
			c->r[CPU_ESI] = si + adv;
		else
			set_reg16(c, CPU_ESI, (uint16_t)(si + adv));
	}
	if (a32) {
		c->r[CPU_EDI] = di + adv;
		c->r[CPU_ECX] = cnt - done;
	} else {
		set_reg16(c, CPU_EDI, (uint16_t)(di + adv));
		set_reg16(c, CPU_ECX, (uint16_t)(cnt - done));
	}
	c->icount += done;
	c->cycles += (uint64_t)done * i->cost;
	return done;
}

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
		if (cnt > 1 && kind <= S_SCAS && kind != S_LODS) {
			cnt -= string_bulk(c, i, kind, size, a32, cnt);
			/* cnt >= 1: the generic iteration below goes on from here */
		}
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
