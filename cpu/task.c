/*
 * cpu/task.c: hardware task switching (SDM Vol. 3 §7.3): JMP/CALL to a TSS
 * or task gate, interrupts through task gates, and IRET with EFLAGS.NT, with
 * 32-bit TSSs (types 9/11, figure 7-2) and 80286 16-bit TSSs (types 1/3,
 * figure 7-10, §7.6).
 *
 * A 16-bit TSS holds only the low words: saving into one drops the upper
 * halves of EIP, EFLAGS and the general registers; loading from one zeroes
 * the upper halves of EIP and EFLAGS (so VM, RF, AC and ID are clear: SDM
 * Vol. 3, "Using a 16-bit TSS with 32-bit constructs"), sets the upper
 * halves of the eight general registers to 0xFFFF (the SDM only says they
 * are "modified and not maintained"; 0xFFFF is what Bochs and QEMU load),
 * loads null FS and GS, and keeps CR3 (there is no PDBR field). An error
 * code pushed by an interrupt through a task gate is a word when the new
 * TSS is 16-bit, a dword otherwise.
 */
#include "cpu/internal.h"

/* The dynamic fields of a TSS in a common form. */
struct tss_state {
	uint32_t cr3, eip, eflags;
	uint32_t r[8];
	uint16_t sel[6];       /* ES CS SS DS FS GS */
	uint16_t ldt;
};

/* Minimum limits: the last byte of the fields a switch reads or writes. */
#define TSS32_MIN_LIMIT 0x67
#define TSS16_MIN_LIMIT 0x2b

static int tss_is32(unsigned type)
{
	return (type & 8) != 0;
}

static void tss_desc_write_type(struct cpu *c, uint16_t sel, int busy)
{
	uint32_t addr = c->gdt_base + (sel & 0xfff8u) + 5;
	uint32_t b = sys_read(c, addr, 1);
	b = busy ? (b | 2) : (b & ~2u);
	sys_write(c, addr, b, 1);
}

static void tss_read(struct cpu *c, uint32_t b, int is32, struct tss_state *t)
{
	if (is32) {
		t->cr3 = sys_read(c, b + 0x1c, 4);
		t->eip = sys_read(c, b + 0x20, 4);
		t->eflags = sys_read(c, b + 0x24, 4);
		for (int r = 0; r < 8; r++)
			t->r[r] = sys_read(c, b + 0x28 + 4u * (unsigned)r, 4);
		for (int k = 0; k < 6; k++)
			t->sel[k] = (uint16_t)sys_read(c, b + 0x48 + 4u * (unsigned)k, 2);
		t->ldt = (uint16_t)sys_read(c, b + 0x60, 2);
		return;
	}
	t->cr3 = c->cr3;
	t->eip = sys_read(c, b + 0x0e, 2);
	t->eflags = sys_read(c, b + 0x10, 2);
	for (int r = 0; r < 8; r++)
		t->r[r] = 0xffff0000u | sys_read(c, b + 0x12 + 2u * (unsigned)r, 2);
	for (int k = 0; k < 4; k++)
		t->sel[k] = (uint16_t)sys_read(c, b + 0x22 + 2u * (unsigned)k, 2);
	t->sel[SEG_FS] = t->sel[SEG_GS] = 0;
	t->ldt = (uint16_t)sys_read(c, b + 0x2a, 2);
}

/* Save the current task's dynamic state (EIP ret_eip, EFLAGS fl). */
static void tss_save(struct cpu *c, uint32_t b, int is32, uint32_t ret_eip, uint32_t fl)
{
	if (is32) {
		sys_write(c, b + 0x1c, c->cr3, 4);
		sys_write(c, b + 0x20, ret_eip, 4);
		sys_write(c, b + 0x24, fl, 4);
		for (int r = 0; r < 8; r++)
			sys_write(c, b + 0x28 + 4u * (unsigned)r, c->r[r], 4);
		for (int k = 0; k < 6; k++)
			sys_write(c, b + 0x48 + 4u * (unsigned)k, c->seg[k].sel, 2);
		return;
	}
	sys_write(c, b + 0x0e, ret_eip & 0xffff, 2);
	sys_write(c, b + 0x10, fl & 0xffff, 2);
	for (int r = 0; r < 8; r++)
		sys_write(c, b + 0x12 + 2u * (unsigned)r, c->r[r] & 0xffff, 2);
	for (int k = 0; k < 4; k++)
		sys_write(c, b + 0x22 + 2u * (unsigned)k, c->seg[k].sel, 2);
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
	if ((a & ATTR_S) || (type & 5) != 1)   /* 1, 3, 9, 11 */
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	if (!(a & ATTR_P))
		cpu_raise(c, EXC_NP, sel & 0xfffc);
	int new32 = tss_is32(type), old32 = tss_is32(c->tr.attr & 0xf);
	struct seg nt;
	seg_from_desc(&nt, sel, desc);
	if (nt.limit < (new32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT))
		cpu_raise(c, EXC_TS, sel & 0xfffc);
	int busy = (type & 2) != 0;
	if (kind == TASK_IRET ? !busy : busy)
		cpu_raise(c, kind == TASK_IRET ? EXC_TS : EXC_GP, sel & 0xfffc);
	if ((c->tr.attr & 5) != 1 || c->tr.limit < (old32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT))
		cpu_raise(c, EXC_TS, c->tr.sel & 0xfffc);

	/* Read the whole new state before changing anything. */
	struct tss_state t;
	tss_read(c, nt.base, new32, &t);

	/* Save the current task. */
	uint32_t fl = flags_get(c);
	if (kind == TASK_JMP || kind == TASK_IRET)
		tss_desc_write_type(c, c->tr.sel, 0);
	if (kind == TASK_IRET)
		fl &= ~FL_NT;
	tss_save(c, c->tr.base, old32, ret_eip, fl);

	if (kind == TASK_CALL || kind == TASK_INT) {
		sys_write(c, nt.base, c->tr.sel, 2);
		t.eflags |= FL_NT;
	}
	if (kind != TASK_IRET)
		tss_desc_write_type(c, sel, 1);
	nt.attr |= 2;   /* busy */
	c->tr = nt;
	c->cr0 |= CR0_TS;
	if (new32 && (c->cr0 & CR0_PG)) {
		c->cr3 = t.cr3 & 0xfffff018u;
		tlb_flush(c);
	}
	c->eflags = (t.eflags & 0x003f7fd5u) | 2;
	c->lf.op = LF_NONE;
	for (int r = 0; r < 8; r++)
		c->r[r] = t.r[r];

	/* Segment loads happen in the context of the new task. */
	if (c->eflags & FL_VM) {
		c->cpl = 3;
		for (int k = 0; k < 6; k++)
			seg_load_real(c, k, t.sel[k]);
	} else {
		c->cpl = t.sel[SEG_CS] & 3;
		if ((t.ldt & 0xfffc) == 0) {
			c->ldtr.sel = t.ldt;
			c->ldtr.attr = 0;
		} else {
			if (t.ldt & 4)
				cpu_raise(c, EXC_TS, t.ldt & 0xfffc);
			uint64_t ld = seg_fetch_desc(c, t.ldt, EXC_TS);
			if ((((ld >> 40) & 0x1f) != 2) || !((ld >> 47) & 1))
				cpu_raise(c, EXC_TS, t.ldt & 0xfffc);
			seg_from_desc(&c->ldtr, t.ldt, ld);
		}
		task_load_seg(c, SEG_CS, t.sel[SEG_CS]);
		task_load_seg(c, SEG_SS, t.sel[SEG_SS]);
		task_load_seg(c, SEG_DS, t.sel[SEG_DS]);
		task_load_seg(c, SEG_ES, t.sel[SEG_ES]);
		task_load_seg(c, SEG_FS, t.sel[SEG_FS]);
		task_load_seg(c, SEG_GS, t.sel[SEG_GS]);
	}
	seg_update_all(c);
	if (t.eip > c->seg[SEG_CS].limit)
		cpu_gp0(c);
	c->eip = t.eip;
	c->eip_next = t.eip;
	if (kind == TASK_INT && error != EXC_NO_ERROR)
		stack_push(c, (uint32_t)error, new32 ? 4 : 2);
}
