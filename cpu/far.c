/*
 * cpu/far.c: far JMP, CALL, RET and IRET in real, V86 and protected mode:
 * code-segment checks, call gates with inner-privilege stack switches and
 * parameter copies, returns to outer privilege, IRET to V86 mode (SDM Vol.
 * 3 §5.8, and the operation sections of JMP, CALL, RET, IRET in Vol. 2).
 * Everything is read and checked first; registers are committed last.
 */
#include "cpu/internal.h"

static void far_task(struct cpu *c, uint16_t sel, uint64_t d, enum task_kind kind);

static void note_far(struct cpu *c, uint16_t ocs, uint32_t oeip)
{
	if (c->hooks.far_transfer)
		c->hooks.far_transfer(c->hooks.opaque, c, ocs, oeip, c->seg[SEG_CS].sel, c->eip_next);
}

static unsigned d_attr(uint64_t d) { return (unsigned)(d >> 40) & 0xff; }
static unsigned d_dpl(uint64_t d) { return (d_attr(d) >> 5) & 3; }

static uint32_t d_limit(uint64_t d)
{
	uint32_t lim = (uint32_t)(d & 0xffff) | (uint32_t)((d >> 32) & 0xf0000u);
	if ((d >> 55) & 1)
		lim = (lim << 12) | 0xfff;
	return lim;
}

/* Real-mode / V86 loads of CS. */
static void real_cs(struct cpu *c, uint16_t sel, uint32_t off)
{
	if (off > c->seg[SEG_CS].limit && !cpu_v86(c))
		cpu_gp0(c);
	seg_load_real(c, SEG_CS, sel);
	c->eip_next = off;
}

/* Check a code segment as target of JMP/CALL at the same privilege. */
static uint64_t code_target(struct cpu *c, uint16_t sel)
{
	if ((sel & 0xfffc) == 0)
		cpu_gp0(c);
	uint64_t d = seg_fetch_desc(c, sel, EXC_GP);
	unsigned a = d_attr(d);
	if (!(a & ATTR_S) || !(a & 8))
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	if (a & 4) {
		if (d_dpl(d) > c->cpl)
			cpu_raise(c, EXC_GP, sel & 0xfffc);
	} else if ((sel & 3) > c->cpl || d_dpl(d) != c->cpl) {
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	}
	if (!(a & ATTR_P))
		cpu_raise(c, EXC_NP, sel & 0xfffc);
	return d;
}

/* Read a call gate's target; returns its code descriptor. */
static uint64_t gate_target(struct cpu *c, uint16_t sel, uint64_t g, uint16_t *tsel, uint32_t *toff)
{
	unsigned ga = d_attr(g);
	if (d_dpl(g) < c->cpl || d_dpl(g) < (sel & 3u))
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	if (!(ga & ATTR_P))
		cpu_raise(c, EXC_NP, sel & 0xfffc);
	*tsel = (uint16_t)(g >> 16);
	*toff = (uint32_t)(g & 0xffff);
	if (ga & 8)
		*toff |= (uint32_t)(g >> 32) & 0xffff0000u;
	if ((*tsel & 0xfffc) == 0)
		cpu_gp0(c);
	uint64_t d = seg_fetch_desc(c, *tsel, EXC_GP);
	unsigned a = d_attr(d);
	if (!(a & ATTR_S) || !(a & 8) || d_dpl(d) > c->cpl)
		cpu_raise(c, EXC_GP, *tsel & 0xfffc);
	if (!(a & ATTR_P))
		cpu_raise(c, EXC_NP, *tsel & 0xfffc);
	return d;
}

void far_jmp(struct cpu *c, uint16_t sel, uint32_t off, int osz32)
{
	uint16_t ocs = c->seg[SEG_CS].sel;
	if (!osz32)
		off &= 0xffff;
	if (!cpu_prot(c)) {
		real_cs(c, sel, off);
		note_far(c, ocs, c->eip);
		return;
	}
	if ((sel & 0xfffc) == 0)
		cpu_gp0(c);
	uint64_t d = seg_fetch_desc(c, sel, EXC_GP);
	unsigned a = d_attr(d);
	uint16_t tsel = sel;
	if (!(a & ATTR_S)) {
		unsigned type = a & 0xf;
		if (type == 4 || type == 0xc) {
			d = gate_target(c, sel, d, &tsel, &off);
			if (!(d_attr(d) & 4) && d_dpl(d) != c->cpl)
				cpu_raise(c, EXC_GP, tsel & 0xfffc);
		} else {
			far_task(c, sel, d, TASK_JMP);
			note_far(c, ocs, c->eip);
			return;
		}
	} else {
		d = code_target(c, sel);
	}
	if (off > d_limit(d))
		cpu_gp0(c);
	seg_set_accessed(c, tsel, &d);
	seg_set_cs(c, tsel, d, c->cpl);
	c->eip_next = off;
	note_far(c, ocs, c->eip);
}

/* JMP/CALL to a TSS descriptor (type 9/11/1/3) or a task gate (type 5). */
static void far_task(struct cpu *c, uint16_t sel, uint64_t d, enum task_kind kind)
{
	unsigned dpl = d_dpl(d), type = d_attr(d) & 0xf;
	if (dpl < c->cpl || dpl < (sel & 3u))
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	if (type == 5) {
		if (!(d_attr(d) & ATTR_P))
			cpu_raise(c, EXC_NP, sel & 0xfffc);
		sel = (uint16_t)(d >> 16);
		d = seg_fetch_desc(c, sel, EXC_GP);
	} else if (type != 9 && type != 1 && type != 11 && type != 3) {
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	}
	task_switch(c, sel, d, kind, c->eip_next, EXC_NO_ERROR);
}

/* Pushes on a stack described by (s, big) at *sp, user access per CPL. */
static void push_seg(struct cpu *c, const struct seg *s, int big, uint32_t *sp, uint32_t v,
		     int size, int err)
{
	uint32_t n = *sp - (uint32_t)size;
	if (!big)
		n &= 0xffff;
	if (!(s->rights & SEGR_WRITE) || n < s->lo || (uint64_t)n + (unsigned)size - 1 > s->hi)
		cpu_raise(c, EXC_SS, err);
	lin_write(c, s->base + n, v, size, c->cpl == 3);
	*sp = n;
}

void far_call(struct cpu *c, uint16_t sel, uint32_t off, int osz32)
{
	uint16_t ocs = c->seg[SEG_CS].sel;
	int size = osz32 ? 4 : 2;
	if (!osz32)
		off &= 0xffff;
	if (!cpu_prot(c)) {
		if (off > c->seg[SEG_CS].limit && !cpu_v86(c))
			cpu_gp0(c);
		uint32_t sp = stack_sp(c);
		push_seg(c, &c->seg[SEG_SS], cpu_ss32(c), &sp, ocs, size, 0);
		push_seg(c, &c->seg[SEG_SS], cpu_ss32(c), &sp, c->eip_next, size, 0);
		stack_set_sp(c, sp);
		seg_load_real(c, SEG_CS, sel);
		c->eip_next = off;
		note_far(c, ocs, c->eip);
		return;
	}
	if ((sel & 0xfffc) == 0)
		cpu_gp0(c);
	uint64_t d = seg_fetch_desc(c, sel, EXC_GP);
	unsigned a = d_attr(d);
	if (a & ATTR_S) {
		d = code_target(c, sel);
		if (off > d_limit(d))
			cpu_gp0(c);
		uint32_t sp = stack_sp(c);
		push_seg(c, &c->seg[SEG_SS], cpu_ss32(c), &sp, ocs, size, 0);
		push_seg(c, &c->seg[SEG_SS], cpu_ss32(c), &sp, c->eip_next, size, 0);
		seg_set_accessed(c, sel, &d);
		stack_set_sp(c, sp);
		seg_set_cs(c, sel, d, c->cpl);
		c->eip_next = off;
		note_far(c, ocs, c->eip);
		return;
	}
	unsigned type = a & 0xf;
	if (type != 4 && type != 0xc) {
		far_task(c, sel, d, TASK_CALL);
		note_far(c, ocs, c->eip);
		return;
	}
	uint16_t tsel;
	uint32_t toff;
	uint64_t g = d;
	d = gate_target(c, sel, g, &tsel, &toff);
	int gsize = (type & 8) ? 4 : 2;
	if (toff > d_limit(d))
		cpu_gp0(c);
	unsigned dpl = d_dpl(d);
	if (!(d_attr(d) & 4) && dpl < c->cpl) {
		/* Inner privilege through a call gate (SDM Vol. 3 §5.8.5). */
		int tss32 = (c->tr.attr & 8) != 0;
		uint32_t pos = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
		if ((tss32 ? pos + 5 : pos + 3) > c->tr.limit)
			cpu_raise(c, EXC_TS, c->tr.sel & 0xfffc);
		uint32_t nesp = sys_read(c, c->tr.base + pos, tss32 ? 4 : 2);
		uint16_t nss = (uint16_t)sys_read(c, c->tr.base + pos + (tss32 ? 4 : 2), 2);
		if ((nss & 0xfffc) == 0)
			cpu_raise(c, EXC_TS, 0);
		uint64_t sd = seg_fetch_desc(c, nss, EXC_TS);
		unsigned sa = d_attr(sd);
		if ((nss & 3) != dpl || d_dpl(sd) != dpl || !(sa & ATTR_S) || (sa & 8) || !(sa & 2))
			cpu_raise(c, EXC_TS, nss & 0xfffc);
		if (!(sa & ATTR_P))
			cpu_raise(c, EXC_SS, nss & 0xfffc);
		struct seg ns;
		seg_from_desc(&ns, nss, sd);
		ns.rights = SEGR_READ | SEGR_WRITE;
		ns.lo = 0;
		ns.hi = ns.limit;
		int big = (ns.attr & ATTR_DB) != 0;
		uint32_t sp = big ? nesp : (nesp & 0xffff);
		unsigned params = (unsigned)(g >> 32) & 0x1f;
		uint32_t pv[32];
		for (unsigned k = 0; k < params; k++)
			pv[k] = stack_peek(c, (uint32_t)(k * (unsigned)gsize), gsize);
		uint8_t ocpl = c->cpl;
		c->cpl = (uint8_t)dpl;   /* pushes are supervisor accesses */
		int err = nss & 0xfffc;
		push_seg(c, &ns, big, &sp, c->seg[SEG_SS].sel, gsize, err);
		push_seg(c, &ns, big, &sp, c->r[CPU_ESP], gsize, err);
		for (unsigned k = params; k-- > 0;)
			push_seg(c, &ns, big, &sp, pv[k], gsize, err);
		push_seg(c, &ns, big, &sp, ocs, gsize, err);
		push_seg(c, &ns, big, &sp, c->eip_next, gsize, err);
		c->cpl = ocpl;
		seg_set_accessed(c, nss, &sd);
		seg_set_accessed(c, tsel, &d);
		c->seg[SEG_SS] = ns;
		seg_set_cs(c, tsel, d, (int)dpl);
		seg_update_all(c);
		stack_set_sp(c, sp);
		c->eip_next = toff;
		note_far(c, ocs, c->eip);
		return;
	}
	uint32_t sp = stack_sp(c);
	push_seg(c, &c->seg[SEG_SS], cpu_ss32(c), &sp, ocs, gsize, 0);
	push_seg(c, &c->seg[SEG_SS], cpu_ss32(c), &sp, c->eip_next, gsize, 0);
	seg_set_accessed(c, tsel, &d);
	stack_set_sp(c, sp);
	seg_set_cs(c, tsel, d, c->cpl);
	c->eip_next = toff;
	note_far(c, ocs, c->eip);
}

/* Segment registers that the outer level may not use are nulled
 * (SDM Vol. 2, RET: "FOR each of segment register ES, FS, GS, and DS"). */
static void null_outer_segs(struct cpu *c)
{
	static const int regs[4] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	for (int k = 0; k < 4; k++) {
		struct seg *s = &c->seg[regs[k]];
		unsigned a = s->attr, dpl = (a >> 5) & 3;
		int data_or_nc = !(a & 8) || !(a & 4);
		if ((s->sel & 0xfffc) && data_or_nc && dpl < c->cpl) {
			s->sel = 0;
			s->attr = 0;
			seg_update_checks(c, s, regs[k]);
		}
	}
}

/* Checks of a returned-to CS (RET and IRET); returns its descriptor. */
static uint64_t ret_cs(struct cpu *c, uint16_t sel)
{
	if ((sel & 0xfffc) == 0)
		cpu_gp0(c);
	uint64_t d = seg_fetch_desc(c, sel, EXC_GP);
	unsigned a = d_attr(d), rpl = sel & 3;
	if (rpl < c->cpl || !(a & ATTR_S) || !(a & 8))
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	if ((a & 4) ? d_dpl(d) > rpl : d_dpl(d) != rpl)
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	if (!(a & ATTR_P))
		cpu_raise(c, EXC_NP, sel & 0xfffc);
	return d;
}

/* Checks of the SS returned to at an outer level. */
static uint64_t ret_ss(struct cpu *c, uint16_t sel, unsigned rpl)
{
	if ((sel & 0xfffc) == 0)
		cpu_gp0(c);
	uint64_t d = seg_fetch_desc(c, sel, EXC_GP);
	unsigned a = d_attr(d);
	if ((sel & 3u) != rpl || !(a & ATTR_S) || (a & 8) || !(a & 2) || d_dpl(d) != rpl)
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	if (!(a & ATTR_P))
		cpu_raise(c, EXC_SS, sel & 0xfffc);
	return d;
}

/* Return to an outer level: load SS:ESP (already checked) and CS. */
static void commit_outer(struct cpu *c, uint16_t cs, uint64_t cd, uint16_t ss, uint64_t sd,
			 uint32_t esp, uint32_t off)
{
	unsigned rpl = cs & 3;
	seg_set_accessed(c, cs, &cd);
	seg_set_accessed(c, ss, &sd);
	seg_set_cs(c, cs, cd, (int)rpl);
	seg_from_desc(&c->seg[SEG_SS], ss, sd);
	seg_update_all(c);
	stack_set_sp(c, esp);
	c->eip_next = off;
	null_outer_segs(c);
}

void far_ret(struct cpu *c, int osz32, uint16_t extra)
{
	uint16_t ocs = c->seg[SEG_CS].sel;
	int size = osz32 ? 4 : 2;
	uint32_t off = stack_peek(c, 0, size);
	uint16_t sel = (uint16_t)stack_peek(c, (uint32_t)size, 2);
	if (!cpu_prot(c)) {
		real_cs(c, sel, off);
		stack_set_sp(c, stack_sp(c) + (uint32_t)(2 * size) + extra);
		note_far(c, ocs, c->eip);
		return;
	}
	uint64_t d = ret_cs(c, sel);
	unsigned rpl = sel & 3;
	if (off > d_limit(d))
		cpu_gp0(c);
	if (rpl == c->cpl) {
		seg_set_accessed(c, sel, &d);
		seg_set_cs(c, sel, d, c->cpl);
		stack_set_sp(c, stack_sp(c) + (uint32_t)(2 * size) + extra);
		c->eip_next = off;
		note_far(c, ocs, c->eip);
		return;
	}
	uint32_t base = (uint32_t)(2 * size) + extra;
	uint32_t esp = stack_peek(c, base, size);
	uint16_t ss = (uint16_t)stack_peek(c, base + (uint32_t)size, 2);
	uint64_t sd = ret_ss(c, ss, rpl);
	commit_outer(c, sel, d, ss, sd, esp, off);
	stack_set_sp(c, stack_sp(c) + extra);
	note_far(c, ocs, c->eip);
}

static void iret_real(struct cpu *c, int osz32)
{
	int size = osz32 ? 4 : 2;
	uint32_t off = stack_peek(c, 0, size);
	uint16_t sel = (uint16_t)stack_peek(c, (uint32_t)size, 2);
	uint32_t fl = stack_peek(c, (uint32_t)(2 * size), size);
	if (off > c->seg[SEG_CS].limit)
		cpu_gp0(c);
	uint32_t mask = flags_writable(c, size);
	if (size == 4)
		mask |= FL_RF;
	seg_load_real(c, SEG_CS, sel);
	stack_set_sp(c, stack_sp(c) + (uint32_t)(3 * size));
	flags_set(c, fl, mask);
	c->eip_next = off;
}

void far_iret(struct cpu *c, int osz32)
{
	uint16_t ocs = c->seg[SEG_CS].sel;
	if (c->nmi_blocked)
		c->brk = 1;    /* a pending NMI may be taken now (cpu/exec.c) */
	c->nmi_blocked = 0;
	if (!cpu_pmode(c)) {
		iret_real(c, osz32);
		note_far(c, ocs, c->eip);
		return;
	}
	if (cpu_v86(c)) {
		if (cpu_iopl(c) < 3)
			cpu_gp0(c);
		iret_real(c, osz32);
		note_far(c, ocs, c->eip);
		return;
	}
	if (c->eflags & FL_NT) {
		/* Return to the task in the link field (SDM Vol. 3 §7.3). */
		uint16_t link = (uint16_t)sys_read(c, c->tr.base, 2);
		if ((link & 0xfffc) == 0 || (link & 4))
			cpu_raise(c, EXC_TS, link & 0xfffc);
		uint64_t d = seg_fetch_desc(c, link, EXC_TS);
		task_switch(c, link, d, TASK_IRET, c->eip_next, EXC_NO_ERROR);
		note_far(c, ocs, c->eip);
		return;
	}
	int size = osz32 ? 4 : 2;
	uint32_t off = stack_peek(c, 0, size);
	uint16_t sel = (uint16_t)stack_peek(c, (uint32_t)size, 2);
	uint32_t fl = stack_peek(c, (uint32_t)(2 * size), size);
	if (size == 4 && (fl & FL_VM) && c->cpl == 0) {
		/* Return to V86 mode (SDM Vol. 2, IRET: RETURN-TO-VIRTUAL-8086-MODE). */
		uint32_t esp = stack_peek(c, 12, 4);
		uint16_t v[5];
		for (int k = 0; k < 5; k++)
			v[k] = (uint16_t)stack_peek(c, 16 + 4 * (uint32_t)k, 4);
		c->eflags = (fl & 0x257fd5u) | FL_VM | 2;
		c->lf.op = LF_NONE;
		c->cpl = 3;
		seg_load_real(c, SEG_CS, sel);
		seg_load_real(c, SEG_SS, v[0]);
		seg_load_real(c, SEG_ES, v[1]);
		seg_load_real(c, SEG_DS, v[2]);
		seg_load_real(c, SEG_FS, v[3]);
		seg_load_real(c, SEG_GS, v[4]);
		seg_update_all(c);
		c->r[CPU_ESP] = esp;
		c->eip_next = off & 0xffff;
		note_far(c, ocs, c->eip);
		return;
	}
	uint64_t d = ret_cs(c, sel);
	unsigned rpl = sel & 3;
	if (off > d_limit(d))
		cpu_gp0(c);
	uint32_t mask = flags_writable(c, size);
	if (size == 4)
		mask |= FL_RF;
	if (rpl == c->cpl) {
		seg_set_accessed(c, sel, &d);
		seg_set_cs(c, sel, d, c->cpl);
		stack_set_sp(c, stack_sp(c) + (uint32_t)(3 * size));
		flags_set(c, fl, mask);
		c->eip_next = off;
		note_far(c, ocs, c->eip);
		return;
	}
	uint32_t esp = stack_peek(c, (uint32_t)(3 * size), size);
	uint16_t ss = (uint16_t)stack_peek(c, (uint32_t)(4 * size), 2);
	uint64_t sd = ret_ss(c, ss, rpl);
	flags_set(c, fl, mask);
	commit_outer(c, sel, d, ss, sd, esp, off);
	note_far(c, ocs, c->eip);
}
