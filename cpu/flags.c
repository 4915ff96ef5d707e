/*
 * cpu/flags.c: lazy arithmetic flags (SDM Vol. 1 §3.4.3.1, Appendix A).
 * The last flag-setting ADD/ADC/SUB/SBB/logic/INC/DEC leaves its operands
 * and result in struct lazy_flags; OF SF ZF AF PF CF are computed only when
 * read. Every other flag-setting instruction writes EFLAGS directly.
 */
#include "cpu/internal.h"

/* PF is set when the low byte of the result has an even number of 1 bits. */
#define P2(n) n, n ^ 1, n ^ 1, n
#define P4(n) P2(n), P2(n ^ 1), P2(n ^ 1), P2(n)
#define P6(n) P4(n), P4(n ^ 1), P4(n ^ 1), P4(n)
const uint8_t flags_parity[256] = { P6(1), P6(0), P6(0), P6(1) };

static int lf_cf(const struct lazy_flags *l)
{
	switch (l->op) {
	case LF_ADD: return l->res < l->s1;
	case LF_ADC: return l->cin ? l->res <= l->s1 : l->res < l->s1;
	case LF_SUB: return l->s1 < l->s2;
	case LF_SBB: return l->cin ? l->s1 <= l->s2 : l->s1 < l->s2;
	case LF_INC: case LF_DEC: return l->cin;
	default: return 0;
	}
}

static int lf_of(const struct lazy_flags *l)
{
	uint32_t sign = size_sign(l->size);
	switch (l->op) {
	case LF_ADD: case LF_ADC: case LF_INC:
		return ((l->s1 ^ l->res) & (l->s2 ^ l->res) & sign) != 0;
	case LF_SUB: case LF_SBB: case LF_DEC:
		return ((l->s1 ^ l->s2) & (l->s1 ^ l->res) & sign) != 0;
	default:
		return 0;
	}
}

static uint32_t lf_compute(const struct lazy_flags *l)
{
	uint32_t f = 0;
	if (lf_cf(l))
		f |= FL_CF;
	if (flags_parity[l->res & 0xff])
		f |= FL_PF;
	if (l->op != LF_LOGIC && ((l->s1 ^ l->s2 ^ l->res) & 0x10))
		f |= FL_AF;
	if (l->res == 0)
		f |= FL_ZF;
	if (l->res & size_sign(l->size))
		f |= FL_SF;
	if (lf_of(l))
		f |= FL_OF;
	return f;
}

uint32_t flags_get(struct cpu *c)
{
	if (c->lf.op != LF_NONE) {
		c->eflags = (c->eflags & ~FL_ARITH) | lf_compute(&c->lf);
		c->lf.op = LF_NONE;
	}
	return c->eflags;
}

void flags_set(struct cpu *c, uint32_t v, uint32_t mask)
{
	uint32_t f = flags_get(c);
	c->eflags = (f & ~mask) | (v & mask) | 2u;
	/* A new TF applies from the next instruction, and a set IF may let a
	 * pending INTR in: leave the block so the run loop looks again
	 * (cpu/exec.c). */
	if (((f ^ c->eflags) & FL_TF) || (~f & c->eflags & FL_IF))
		c->brk = 1;
}

int flags_cf_slow(const struct cpu *c)
{
	if (c->lf.op == LF_NONE)
		return c->eflags & FL_CF;
	return lf_cf(&c->lf);
}

static int get_zf(const struct cpu *c)
{
	return c->lf.op == LF_NONE ? (c->eflags & FL_ZF) != 0 : c->lf.res == 0;
}
static int get_sf(const struct cpu *c)
{
	return c->lf.op == LF_NONE ? (c->eflags & FL_SF) != 0
				   : (c->lf.res & size_sign(c->lf.size)) != 0;
}
static int get_of(const struct cpu *c)
{
	return c->lf.op == LF_NONE ? (c->eflags & FL_OF) != 0 : lf_of(&c->lf);
}
static int get_pf(const struct cpu *c)
{
	return c->lf.op == LF_NONE ? (c->eflags & FL_PF) != 0 : flags_parity[c->lf.res & 0xff];
}

/* Condition codes tttn (SDM Vol. 2 App. B.1.4.7): bit 0 negates. */
int flags_cond_slow(const struct cpu *c, int cc)
{
	int r;
	switch (cc >> 1) {
	case 0: r = get_of(c); break;
	case 1: r = flags_cf(c) != 0; break;
	case 2: r = get_zf(c); break;
	case 3: r = flags_cf(c) || get_zf(c); break;
	case 4: r = get_sf(c); break;
	case 5: r = get_pf(c); break;
	case 6: r = get_sf(c) != get_of(c); break;
	default: r = get_zf(c) || (get_sf(c) != get_of(c)); break;
	}
	return r ^ (cc & 1);
}
