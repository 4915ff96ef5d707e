/*
 * cpu/task.c: hardware task switching with 32-bit TSSs (SDM Vol. 3 §7.3):
 * JMP/CALL to a TSS or task gate, interrupts through task gates, and IRET
 * with EFLAGS.NT. 16-bit TSSs are not supported (logged, #GP).
 */
#include "cpu/internal.h"

static void tss_desc_write_type(struct cpu *c, uint16_t sel, int busy)
{
	uint32_t addr = c->gdt_base + (sel & 0xfff8u) + 5;
	uint32_t b = sys_read(c, addr, 1);
	b = busy ? (b | 2) : (b & ~2u);
	sys_write(c, addr, b, 1);
}

/* Load a segment register of the new task; faults are #TS(selector). */
static void task_load_seg(struct cpu *c, int idx, uint16_t sel)
{
	struct seg *s = &c->seg[idx];
	if ((sel & 0xfffc) == 0) {
		if (idx == SEG_CS || idx == SEG_SS)
			cpu_raise(c, EXC_TS, sel & 0xfffc);
		s->sel = sel;
		s->attr = 0;
		s->base = s->limit = 0;
		seg_update_checks(c, s, idx);
		return;
	}
	uint64_t d = seg_fetch_desc(c, sel, EXC_TS);
	unsigned a = (unsigned)(d >> 40) & 0xff, dpl = (a >> 5) & 3, rpl = sel & 3;
	int ok;
	if (idx == SEG_CS)
		ok = (a & ATTR_S) && (a & 8) && ((a & 4) ? dpl <= rpl : dpl == rpl);
	else if (idx == SEG_SS)
		ok = (a & ATTR_S) && !(a & 8) && (a & 2) && dpl == c->cpl && rpl == c->cpl;
	else
		ok = (a & ATTR_S) && (!(a & 8) || (a & 2)) &&
		     (((a & 0xc) == 0xc) || (dpl >= c->cpl && dpl >= rpl));
	if (!ok)
		cpu_raise(c, EXC_TS, sel & 0xfffc);
	if (!(a & ATTR_P))
		cpu_raise(c, idx == SEG_SS ? EXC_SS : EXC_NP, sel & 0xfffc);
	seg_set_accessed(c, sel, &d);
	seg_from_desc(s, sel, d);
	seg_update_checks(c, s, idx);
}

void task_switch(struct cpu *c, uint16_t sel, uint64_t desc, enum task_kind kind,
		 uint32_t ret_eip, int error)
{
	unsigned a = (unsigned)(desc >> 40) & 0xff, type = a & 0xf;
	if (sel & 4)
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	if (type != 9 && type != 11) {
		cpu_log_unimpl(c, "task switch to a 16-bit TSS");
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	}
	if (!(a & ATTR_P))
		cpu_raise(c, EXC_NP, sel & 0xfffc);
	struct seg nt;
	seg_from_desc(&nt, sel, desc);
	if (nt.limit < 0x67)
		cpu_raise(c, EXC_TS, sel & 0xfffc);
	if (kind == TASK_IRET ? type != 11 : type != 9)
		cpu_raise(c, kind == TASK_IRET ? EXC_TS : EXC_GP, sel & 0xfffc);
	if (!(c->tr.attr & 8) || c->tr.limit < 0x67)
		cpu_raise(c, EXC_TS, c->tr.sel & 0xfffc);

	/* Read the whole new state before changing anything. */
	uint32_t nb = nt.base, v[26];
	for (int k = 0; k < 26; k++)
		v[k] = sys_read(c, nb + 4u * (unsigned)k, 4);
	uint32_t ncr3 = v[7], neip = v[8], nfl = v[9];

	/* Save the current task (SDM Vol. 3 figure 7-2 layout). */
	uint32_t ob = c->tr.base;
	uint32_t fl = flags_get(c);
	if (kind == TASK_JMP || kind == TASK_IRET)
		tss_desc_write_type(c, c->tr.sel, 0);
	if (kind == TASK_IRET)
		fl &= ~FL_NT;
	sys_write(c, ob + 0x1c, c->cr3, 4);
	sys_write(c, ob + 0x20, ret_eip, 4);
	sys_write(c, ob + 0x24, fl, 4);
	for (int r = 0; r < 8; r++)
		sys_write(c, ob + 0x28 + 4u * (unsigned)r, c->r[r], 4);
	for (int k = 0; k < 6; k++)
		sys_write(c, ob + 0x48 + 4u * (unsigned)k, c->seg[k].sel, 2);

	if (kind == TASK_CALL || kind == TASK_INT) {
		sys_write(c, nb, c->tr.sel, 2);
		nfl |= FL_NT;
	}
	if (kind != TASK_IRET)
		tss_desc_write_type(c, sel, 1);
	nt.attr |= 2;   /* busy */
	c->tr = nt;
	c->cr0 |= CR0_TS;
	if (c->cr0 & CR0_PG) {
		c->cr3 = ncr3 & 0xfffff018u;
		tlb_flush(c);
	}
	c->eflags = (nfl & 0x003f7fd5u) | 2;
	c->lf.op = LF_NONE;
	for (int r = 0; r < 8; r++)
		c->r[r] = v[10 + r];
	uint16_t sels[6];
	for (int k = 0; k < 6; k++)
		sels[k] = (uint16_t)v[18 + k];
	uint16_t ldt = (uint16_t)v[24];

	/* Segment loads happen in the context of the new task. */
	if (c->eflags & FL_VM) {
		c->cpl = 3;
		for (int k = 0; k < 6; k++)
			seg_load_real(c, k, sels[k]);
	} else {
		c->cpl = sels[SEG_CS] & 3;
		if ((ldt & 0xfffc) == 0) {
			c->ldtr.sel = ldt;
			c->ldtr.attr = 0;
		} else {
			if (ldt & 4)
				cpu_raise(c, EXC_TS, ldt & 0xfffc);
			uint64_t ld = seg_fetch_desc(c, ldt, EXC_TS);
			if ((((ld >> 40) & 0x1f) != 2) || !((ld >> 47) & 1))
				cpu_raise(c, EXC_TS, ldt & 0xfffc);
			seg_from_desc(&c->ldtr, ldt, ld);
		}
		task_load_seg(c, SEG_CS, sels[SEG_CS]);
		task_load_seg(c, SEG_SS, sels[SEG_SS]);
		task_load_seg(c, SEG_DS, sels[SEG_DS]);
		task_load_seg(c, SEG_ES, sels[SEG_ES]);
		task_load_seg(c, SEG_FS, sels[SEG_FS]);
		task_load_seg(c, SEG_GS, sels[SEG_GS]);
	}
	seg_update_all(c);
	if (neip > c->seg[SEG_CS].limit)
		cpu_gp0(c);
	c->eip = neip;
	c->eip_next = neip;
	if (kind == TASK_INT && error != EXC_NO_ERROR)
		stack_push(c, (uint32_t)error, 4);
}
