/*
 * cpu/except.c: the one path for interrupts and exceptions (SDM Vol. 3
 * chapter 6): real-mode IVT delivery (§20.1.4), protected-mode IDT
 * interrupt and trap gates with stack switches (§6.12), double fault
 * classes (§6.15, table 6-5) and shutdown on triple fault.
 */
#include <stdio.h>

#include "cpu/internal.h"

_Noreturn void cpu_raise(struct cpu *c, int vector, int error)
{
	c->fault_vec = vector;
	c->fault_err = error;
	longjmp(c->jb, 1);
}

void cpu_log_unimpl(struct cpu *c, const char *what)
{
	if (c->logged_unimpl < 16) {
		c->logged_unimpl++;
		fprintf(stderr, "lockstep: cpu: unimplemented: %s at %04x:%08x\n", what,
			c->seg[SEG_CS].sel, c->eip);
	}
}

/* A push to a stack that is not (yet) SS: segment s, offset *sp. */
static void push_on(struct cpu *c, const struct seg *s, int big, uint32_t *sp, uint32_t v,
		    int size, int user, int err)
{
	uint32_t n = *sp - (uint32_t)size;
	if (!big)
		n &= 0xffff;
	if (!(s->rights & SEGR_WRITE) || n < s->lo || (uint64_t)n + (unsigned)size - 1 > s->hi)
		cpu_raise(c, EXC_SS, err);
	lin_write(c, s->base + n, v, size, user);
	*sp = n;
}

static void deliver_real(struct cpu *c, int vector, uint32_t ret_eip)
{
	uint32_t off = (uint32_t)vector * 4;
	if (off + 3 > c->idt_limit)
		cpu_raise(c, EXC_GP, EXC_NO_ERROR);
	uint32_t ent = sys_read(c, c->idt_base + off, 4);
	uint32_t fl = flags_get(c);
	/* Pushes go to SS:SP; a fault in them leaves registers untouched. */
	uint32_t sp = stack_sp(c);
	struct seg *ss = &c->seg[SEG_SS];
	int big = cpu_ss32(c);
	push_on(c, ss, big, &sp, fl & 0xffff, 2, 0, 0);
	push_on(c, ss, big, &sp, c->seg[SEG_CS].sel, 2, 0, 0);
	push_on(c, ss, big, &sp, ret_eip & 0xffff, 2, 0, 0);
	stack_set_sp(c, sp);
	c->eflags = fl & ~(FL_IF | FL_TF | FL_AC | FL_RF);
	seg_load_real(c, SEG_CS, (uint16_t)(ent >> 16));
	c->eip = ent & 0xffff;
}

static void deliver_prot(struct cpu *c, int vector, int error, int soft, uint32_t ret_eip)
{
	int ext = soft ? 0 : 1;
	uint32_t gerr = (uint32_t)vector * 8 + 2 + (uint32_t)ext;
	if ((uint32_t)vector * 8 + 7 > c->idt_limit)
		cpu_raise(c, EXC_GP, (int)gerr);
	uint32_t lo = sys_read(c, c->idt_base + (uint32_t)vector * 8, 4);
	uint32_t hi = sys_read(c, c->idt_base + (uint32_t)vector * 8 + 4, 4);
	unsigned type = (hi >> 8) & 0x1f, gdpl = (hi >> 13) & 3;
	if (type != 0x06 && type != 0x07 && type != 0x0e && type != 0x0f && type != 0x05)
		cpu_raise(c, EXC_GP, (int)gerr);
	if (soft && gdpl < c->cpl)
		cpu_raise(c, EXC_GP, (int)gerr);
	if (!(hi & 0x8000))
		cpu_raise(c, EXC_NP, (int)gerr);
	if (type == 0x05) {
		/* Task gate: switch tasks; the error code goes on the new stack. */
		uint16_t tsel = (uint16_t)(lo >> 16);
		if (tsel & 4)
			cpu_raise(c, EXC_GP, (tsel & 0xfffc) | ext);
		uint64_t td = seg_fetch_desc(c, tsel, EXC_GP);
		task_switch(c, tsel, td, TASK_INT, ret_eip, error);
		return;
	}
	int gate32 = (type & 8) != 0;
	uint16_t sel = (uint16_t)(lo >> 16);
	uint32_t off = (lo & 0xffff) | (gate32 ? (hi & 0xffff0000u) : 0);
	if ((sel & 0xfffc) == 0)
		cpu_raise(c, EXC_GP, ext);
	uint64_t d = seg_fetch_desc(c, sel, EXC_GP);
	unsigned attr = (unsigned)(d >> 40) & 0xff, dpl = (attr >> 5) & 3;
	int serr = (sel & 0xfffc) | ext;
	if (!(attr & ATTR_S) || !(attr & 8) || dpl > c->cpl)
		cpu_raise(c, EXC_GP, serr);
	if (!(attr & ATTR_P))
		cpu_raise(c, EXC_NP, serr);
	int conforming = (attr & 4) != 0;
	uint32_t fl = flags_get(c);
	int size = gate32 ? 4 : 2;
	int from_v86 = (fl & FL_VM) != 0;
	struct seg nss = c->seg[SEG_SS];
	uint32_t sp = stack_sp(c);
	int big = cpu_ss32(c);
	int new_cpl = c->cpl;
	uint16_t old_ss = c->seg[SEG_SS].sel;
	uint32_t old_esp = c->r[CPU_ESP];
	if (!conforming && dpl < c->cpl) {
		/* Inner privilege: stack from the TSS (SDM Vol. 3 §6.12.1). */
		uint32_t tss32 = (c->tr.attr & 8) != 0;
		uint32_t pos = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
		uint32_t need = tss32 ? pos + 5 : pos + 3;
		if (need > c->tr.limit)
			cpu_raise(c, EXC_TS, c->tr.sel & 0xfffc);
		uint32_t nesp = tss32 ? sys_read(c, c->tr.base + pos, 4)
				      : sys_read(c, c->tr.base + pos, 2);
		uint16_t nsel = (uint16_t)sys_read(c, c->tr.base + pos + (tss32 ? 4 : 2), 2);
		if ((nsel & 0xfffc) == 0)
			cpu_raise(c, EXC_TS, ext);
		uint64_t sd = seg_fetch_desc(c, nsel, EXC_TS);
		unsigned sa = (unsigned)(sd >> 40) & 0xff;
		if ((nsel & 3) != dpl || ((sa >> 5) & 3) != dpl || !(sa & ATTR_S) || (sa & 8) ||
		    !(sa & 2))
			cpu_raise(c, EXC_TS, (nsel & 0xfffc) | ext);
		if (!(sa & ATTR_P))
			cpu_raise(c, EXC_SS, (nsel & 0xfffc) | ext);
		seg_set_accessed(c, nsel, &sd);
		seg_from_desc(&nss, nsel, sd);
		nss.rights = SEGR_READ | SEGR_WRITE;
		nss.lo = 0;
		nss.hi = nss.limit;
		if (nss.attr & 4) {
			nss.lo = nss.limit + 1;
			nss.hi = (nss.attr & ATTR_DB) ? 0xffffffffu : 0xffffu;
		}
		big = (nss.attr & ATTR_DB) != 0;
		sp = big ? nesp : (nesp & 0xffff);
		new_cpl = (int)dpl;
		int e2 = (nsel & 0xfffc) | ext;
		if (from_v86) {
			push_on(c, &nss, big, &sp, c->seg[SEG_GS].sel, size, 0, e2);
			push_on(c, &nss, big, &sp, c->seg[SEG_FS].sel, size, 0, e2);
			push_on(c, &nss, big, &sp, c->seg[SEG_DS].sel, size, 0, e2);
			push_on(c, &nss, big, &sp, c->seg[SEG_ES].sel, size, 0, e2);
		}
		push_on(c, &nss, big, &sp, old_ss, size, 0, e2);
		push_on(c, &nss, big, &sp, old_esp, size, 0, e2);
		push_on(c, &nss, big, &sp, fl, size, 0, e2);
		push_on(c, &nss, big, &sp, c->seg[SEG_CS].sel, size, 0, e2);
		push_on(c, &nss, big, &sp, ret_eip, size, 0, e2);
		if (error != EXC_NO_ERROR)
			push_on(c, &nss, big, &sp, (uint32_t)error, size, 0, e2);
	} else if (conforming || dpl == c->cpl) {
		if (from_v86)
			cpu_raise(c, EXC_GP, serr);
		int u = c->cpl == 3;
		push_on(c, &nss, big, &sp, fl, size, u, 0);
		push_on(c, &nss, big, &sp, c->seg[SEG_CS].sel, size, u, 0);
		push_on(c, &nss, big, &sp, ret_eip, size, u, 0);
		if (error != EXC_NO_ERROR)
			push_on(c, &nss, big, &sp, (uint32_t)error, size, u, 0);
	} else {
		cpu_raise(c, EXC_GP, serr);
	}
	struct seg ncs;
	seg_from_desc(&ncs, sel, d);
	if (off > ncs.limit)
		cpu_raise(c, EXC_GP, ext);
	/* Commit. */
	seg_set_accessed(c, sel, &d);
	c->eflags = fl & ~(FL_TF | FL_NT | FL_RF | FL_VM | ((type & 1) ? 0 : FL_IF));
	if (from_v86) {
		for (int k = 0; k < 6; k++) {
			if (k == SEG_CS || k == SEG_SS)
				continue;
			c->seg[k].sel = 0;
			c->seg[k].attr = 0;
			c->seg[k].base = 0;
			c->seg[k].limit = 0;
		}
	}
	c->seg[SEG_SS] = nss;
	seg_set_cs(c, sel, d, new_cpl);
	seg_update_all(c);
	stack_set_sp(c, sp);
	c->eip = off;
}

void cpu_deliver(struct cpu *c, int vector, int error, enum int_kind kind, uint32_t ret_eip)
{
	uint16_t old_cs = c->seg[SEG_CS].sel;
	int soft = kind == INT_SOFT || kind == INT_SOFT_TRAP;
	c->halted = 0;
	if (!cpu_pmode(c))
		deliver_real(c, vector, ret_eip);
	else
		deliver_prot(c, vector, cpu_pmode(c) ? error : EXC_NO_ERROR, soft, ret_eip);
	if (c->hooks.interrupt) {
		enum cpu_int_kind k = kind == INT_SOFT || kind == INT_SOFT_TRAP || kind == INT_SOFT_ICEBP ? CPU_INT_SOFT
				      : kind == INT_HARD			  ? CPU_INT_HARD
				      : kind == INT_NMI				  ? CPU_INT_NMI
										  : CPU_INT_EXCEPTION;
		c->hooks.interrupt(c->hooks.opaque, c, vector, k, error, old_cs, ret_eip,
				   c->seg[SEG_CS].sel, c->eip);
	}
}

/* INT n / INT3 / INTO / INT1 from a handler: delivers, then lets the loop
 * retire the instruction at the handler's address. V86 with IOPL < 3
 * raises #GP(0) for INT n (SDM Vol. 3 §20.3.3, no VME). */
void cpu_soft_int(struct cpu *c, int vector, enum int_kind kind)
{
	if (cpu_v86(c) && cpu_iopl(c) < 3 && kind == INT_SOFT)
		cpu_gp0(c);
	cpu_deliver(c, vector, EXC_NO_ERROR, kind, c->eip_next);
	c->eip_next = c->eip;
}
