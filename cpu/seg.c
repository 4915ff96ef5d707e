/*
 * cpu/seg.c: segment registers, descriptor fetch and the checks of segment
 * loads (SDM Vol. 3 chapter 3 and §5.1-5.6; MOV/POP/LDS pseudo-code in
 * Vol. 2). Real mode and V86 loads only change selector and base (big real
 * mode keeps cached limits); protected-mode loads check the descriptor.
 */
#include "cpu/internal.h"

static void seg_set_spans(struct seg *s)
{
	for (int r = SEGR_READ; r <= SEGR_WRITE; r++)
		s->span[r - 1] = (s->rights & r) && s->lo <= s->hi ? (int64_t)(s->hi - s->lo) : -1;
}

static void seg_checks(struct seg *s, int prot)
{
	s->lo = 0;
	s->hi = s->limit;
	if (!prot) {
		s->rights = SEGR_READ | SEGR_WRITE;
		return;
	}
	if (!(s->attr & ATTR_P) || !(s->attr & ATTR_S)) {
		s->rights = 0;
		return;
	}
	unsigned type = s->attr & ATTR_TYPE;
	if (type & 8) {
		/* code: readable if R; never writable */
		s->rights = (type & 2) ? SEGR_READ : 0;
	} else {
		s->rights = SEGR_READ | ((type & 2) ? SEGR_WRITE : 0);
		if (type & 4) {
			/* expand-down: offsets above the limit (SDM Vol. 3 §3.4.5.1) */
			s->lo = s->limit + 1;
			s->hi = (s->attr & ATTR_DB) ? 0xffffffffu : 0xffffu;
			if (s->limit == 0xffffffffu)
				s->rights = 0;
		}
	}
}

void seg_update_checks(struct cpu *c, struct seg *s, int idx)
{
	seg_checks(s, cpu_prot(c));
	seg_set_spans(s);
	if (idx == SEG_CS && cpu_prot(c))
		cpu_fetch_reset(c);   /* block links assumed the old CS/CPL */
}

void seg_update_all(struct cpu *c)
{
	for (int k = 0; k < 6; k++)
		seg_update_checks(c, &c->seg[k], k);
}

_Noreturn void seg_fault(struct cpu *c, int idx)
{
	cpu_raise(c, idx == SEG_SS ? EXC_SS : EXC_GP, 0);
}

void seg_load_real(struct cpu *c, int idx, uint16_t sel)
{
	struct seg *s = &c->seg[idx];
	s->sel = sel;
	s->base = (uint32_t)sel << 4;
	if (cpu_v86(c)) {
		/* SDM Vol. 3 §20.1.1: V86 segments are 64 KiB, DPL 3, read/write. */
		s->limit = 0xffff;
		s->attr = 0xf3;
	} else {
		s->attr = (uint16_t)((s->attr & (ATTR_DB | ATTR_G | ATTR_AVL)) | ATTR_P | ATTR_S |
				     (idx == SEG_CS ? 0x0b : 0x03));
	}
	seg_update_checks(c, s, idx);
}

void seg_from_desc(struct seg *s, uint16_t sel, uint64_t d)
{
	s->sel = sel;
	s->base = (uint32_t)((d >> 16) & 0xffffffu) | (uint32_t)((d >> 32) & 0xff000000u);
	uint32_t lim = (uint32_t)(d & 0xffffu) | (uint32_t)((d >> 32) & 0xf0000u);
	s->attr = (uint16_t)(((d >> 40) & 0xffu) | (((d >> 52) & 0xfu) << 12));
	if (s->attr & ATTR_G)
		lim = (lim << 12) | 0xfffu;
	s->limit = lim;
}

uint64_t seg_fetch_desc(struct cpu *c, uint16_t sel, int vec)
{
	uint32_t base, limit;
	if (sel & 4) {
		if (!(c->ldtr.attr & ATTR_P) || (c->ldtr.sel & ~3u) == 0)
			cpu_raise(c, vec, sel & 0xfffc);
		base = c->ldtr.base;
		limit = c->ldtr.limit;
	} else {
		base = c->gdt_base;
		limit = c->gdt_limit;
	}
	uint32_t off = sel & 0xfff8u;
	if (off + 7 > limit)
		cpu_raise(c, vec, sel & 0xfffc);
	uint32_t lo = sys_read(c, base + off, 4);
	uint32_t hi = sys_read(c, base + off + 4, 4);
	return ((uint64_t)hi << 32) | lo;
}

void seg_set_accessed(struct cpu *c, uint16_t sel, uint64_t *d)
{
	if (*d & (1ull << 40))
		return;
	*d |= 1ull << 40;
	uint32_t base = (sel & 4) ? c->ldtr.base : c->gdt_base;
	uint32_t addr = base + (sel & 0xfff8u) + 5;
	sys_write(c, addr, (uint32_t)(*d >> 40) & 0xffu, 1);
}

/* MOV/POP/LxS to a data segment register in protected mode. */
static void seg_load_prot(struct cpu *c, int idx, uint16_t sel)
{
	struct seg *s = &c->seg[idx];
	unsigned rpl = sel & 3, cpl = c->cpl;
	if ((sel & 0xfffc) == 0) {
		if (idx == SEG_SS)
			cpu_gp0(c);
		s->sel = sel;
		s->attr = 0;
		s->base = 0;
		s->limit = 0;
		seg_update_checks(c, s, idx);
		return;
	}
	uint64_t d = seg_fetch_desc(c, sel, EXC_GP);
	unsigned attr = (unsigned)(d >> 40) & 0xff;
	unsigned type = attr & 0xf, dpl = (attr >> 5) & 3;
	if (idx == SEG_SS) {
		if (rpl != cpl || !(attr & ATTR_S) || (type & 8) || !(type & 2) || dpl != cpl)
			cpu_raise(c, EXC_GP, sel & 0xfffc);
		if (!(attr & ATTR_P))
			cpu_raise(c, EXC_SS, sel & 0xfffc);
	} else {
		if (!(attr & ATTR_S) || ((type & 8) && !(type & 2)))
			cpu_raise(c, EXC_GP, sel & 0xfffc);
		/* data and non-conforming code: DPL >= max(CPL, RPL) */
		if ((!(type & 8) || !(type & 4)) && (rpl > dpl || cpl > dpl))
			cpu_raise(c, EXC_GP, sel & 0xfffc);
		if (!(attr & ATTR_P))
			cpu_raise(c, EXC_NP, sel & 0xfffc);
	}
	seg_set_accessed(c, sel, &d);
	seg_from_desc(s, sel, d);
	seg_update_checks(c, s, idx);
}

void seg_load(struct cpu *c, int idx, uint16_t sel)
{
	if (cpu_prot(c))
		seg_load_prot(c, idx, sel);
	else
		seg_load_real(c, idx, sel);
}

/* Load CS from a checked descriptor and set CPL (far transfers). */
void seg_set_cs(struct cpu *c, uint16_t sel, uint64_t desc, int cpl)
{
	struct seg *s = &c->seg[SEG_CS];
	seg_from_desc(s, (uint16_t)((sel & ~3u) | (unsigned)cpl), desc);
	c->cpl = (uint8_t)cpl;
	seg_update_checks(c, s, SEG_CS);
}
