/*
 * cpu/state.c: register access for the monitor, loaders and tests, and the
 * field-by-field serialisation of architectural state (docs/cpu.md lists
 * the order). Lazy flags are materialised; caches are not part of state.
 */
#include <string.h>

#include "cpu/internal.h"

static void recompute_cpl(struct cpu *c)
{
	if (!cpu_pmode(c))
		c->cpl = 0;
	else if (cpu_v86(c))
		c->cpl = 3;
	else
		c->cpl = c->seg[SEG_CS].sel & 3;
}

uint32_t cpu_get_reg(struct cpu *c, enum cpu_reg r)
{
	switch (r) {
	case CPU_EAX: case CPU_ECX: case CPU_EDX: case CPU_EBX:
	case CPU_ESP: case CPU_EBP: case CPU_ESI: case CPU_EDI:
		return c->r[r];
	case CPU_EIP: return c->eip;
	case CPU_EFLAGS: return flags_get(c);
	case CPU_CR0: return c->cr0;
	case CPU_CR2: return c->cr2;
	case CPU_CR3: return c->cr3;
	case CPU_CR4: return c->cr4;
	case CPU_DR0: case CPU_DR1: case CPU_DR2: case CPU_DR3:
		return c->dr[r - CPU_DR0];
	case CPU_DR6: return c->dr[6];
	case CPU_DR7: return c->dr[7];
	default: return 0;
	}
}

void cpu_set_reg(struct cpu *c, enum cpu_reg r, uint32_t v)
{
	switch (r) {
	case CPU_EAX: case CPU_ECX: case CPU_EDX: case CPU_EBX:
	case CPU_ESP: case CPU_EBP: case CPU_ESI: case CPU_EDI:
		c->r[r] = v;
		break;
	case CPU_EIP: c->eip = v; break;
	case CPU_EFLAGS:
		c->lf.op = LF_NONE;
		c->eflags = (v & 0x003f7fd5u) | 2;
		recompute_cpl(c);
		seg_update_all(c);
		break;
	case CPU_CR0:
		c->cr0 = v | CR0_ET;
		recompute_cpl(c);
		seg_update_all(c);
		tlb_flush(c);
		break;
	case CPU_CR2: c->cr2 = v; break;
	case CPU_CR3: c->cr3 = v; tlb_flush(c); break;
	case CPU_CR4: c->cr4 = v; tlb_flush(c); break;
	case CPU_DR0: case CPU_DR1: case CPU_DR2: case CPU_DR3:
		c->dr[r - CPU_DR0] = v;
		break;
	case CPU_DR6: c->dr[6] = v; break;
	case CPU_DR7: c->dr[7] = v; break;
	default: break;
	}
}

static const struct seg *seg_ptr(const struct cpu *c, enum cpu_seg s)
{
	if (s <= CPU_GS)
		return &c->seg[s];
	return s == CPU_LDTR ? &c->ldtr : &c->tr;
}

void cpu_get_seg(const struct cpu *c, enum cpu_seg s, struct cpu_segment *out)
{
	memset(out, 0, sizeof(*out));
	if (s == CPU_GDTR || s == CPU_IDTR) {
		out->base = s == CPU_GDTR ? c->gdt_base : c->idt_base;
		out->limit = s == CPU_GDTR ? c->gdt_limit : c->idt_limit;
		return;
	}
	if (s >= CPU_NSEGS)
		return;
	const struct seg *p = seg_ptr(c, s);
	out->selector = p->sel;
	out->attr = p->attr;
	out->base = p->base;
	out->limit = p->limit;
}

void cpu_set_seg(struct cpu *c, enum cpu_seg s, const struct cpu_segment *in)
{
	if (s == CPU_GDTR) {
		c->gdt_base = in->base;
		c->gdt_limit = in->limit & 0xffff;
		return;
	}
	if (s == CPU_IDTR) {
		c->idt_base = in->base;
		c->idt_limit = in->limit & 0xffff;
		return;
	}
	if (s >= CPU_NSEGS)
		return;
	struct seg *p = (struct seg *)seg_ptr(c, s);
	p->sel = in->selector;
	p->attr = in->attr;
	p->base = in->base;
	p->limit = in->limit;
	if (s <= CPU_GS) {
		seg_update_checks(c, p, (int)s);
		if (s == CPU_CS)
			recompute_cpl(c);
	}
}

/* ---- serialisation ---- */
struct wbuf {
	uint8_t *p;
	size_t n;
};
static void put(struct wbuf *w, uint64_t v, int bytes)
{
	for (int k = 0; k < bytes; k++)
		w->p[w->n++] = (uint8_t)(v >> (8 * k));
}
static uint64_t get(const uint8_t *p, size_t *n, int bytes)
{
	uint64_t v = 0;
	for (int k = 0; k < bytes; k++)
		v |= (uint64_t)p[(*n)++] << (8 * k);
	return v;
}

static void put_seg(struct wbuf *w, const struct seg *s)
{
	put(w, s->sel, 2);
	put(w, s->attr, 2);
	put(w, s->base, 4);
	put(w, s->limit, 4);
}

size_t cpu_state_save(struct cpu *c, uint8_t *buf, size_t cap)
{
	if (cap < CPU_STATE_SIZE)
		return 0;
	struct wbuf w = { buf, 0 };
	put(&w, CPU_STATE_VERSION, 4);
	for (int r = 0; r < 8; r++)
		put(&w, c->r[r], 4);
	put(&w, c->eip, 4);
	put(&w, flags_get(c), 4);
	put(&w, c->cr0, 4);
	put(&w, c->cr2, 4);
	put(&w, c->cr3, 4);
	put(&w, c->cr4, 4);
	for (int k = 0; k < 4; k++)
		put(&w, c->dr[k], 4);
	put(&w, c->dr[6], 4);
	put(&w, c->dr[7], 4);
	for (int k = 0; k < 6; k++)
		put_seg(&w, &c->seg[k]);
	put_seg(&w, &c->ldtr);
	put_seg(&w, &c->tr);
	put(&w, c->gdt_base, 4);
	put(&w, c->gdt_limit, 4);
	put(&w, c->idt_base, 4);
	put(&w, c->idt_limit, 4);
	put(&w, c->cpl, 1);
	put(&w, c->halted, 1);
	put(&w, c->inhibit, 1);
	put(&w, c->intr, 1);
	put(&w, c->nmi_pending, 1);
	put(&w, c->smi_pending, 1);
	put(&w, c->nmi_blocked, 1);
	put(&w, c->in_smm, 1);
	put(&w, c->a20, 1);
	put(&w, c->smbase, 4);
	put(&w, c->sysenter_cs, 4);
	put(&w, c->sysenter_esp, 4);
	put(&w, c->sysenter_eip, 4);
	put(&w, c->tsc_offset, 8);
	put(&w, c->apic_base, 8);
	put(&w, c->icount, 8);
	put(&w, c->cycles, 8);
	while (w.n < CPU_STATE_SIZE)
		put(&w, 0, 1);
	return w.n;
}

static void get_seg(const uint8_t *p, size_t *n, struct seg *s)
{
	s->sel = (uint16_t)get(p, n, 2);
	s->attr = (uint16_t)get(p, n, 2);
	s->base = (uint32_t)get(p, n, 4);
	s->limit = (uint32_t)get(p, n, 4);
}

int cpu_state_load(struct cpu *c, const uint8_t *p, size_t len)
{
	size_t n = 0;
	if (len < CPU_STATE_SIZE || get(p, &n, 4) != CPU_STATE_VERSION)
		return -1;
	for (int r = 0; r < 8; r++)
		c->r[r] = (uint32_t)get(p, &n, 4);
	c->eip = (uint32_t)get(p, &n, 4);
	c->eflags = ((uint32_t)get(p, &n, 4) & 0x003f7fd5u) | 2;
	c->lf.op = LF_NONE;
	c->cr0 = (uint32_t)get(p, &n, 4);
	c->cr2 = (uint32_t)get(p, &n, 4);
	c->cr3 = (uint32_t)get(p, &n, 4);
	c->cr4 = (uint32_t)get(p, &n, 4);
	for (int k = 0; k < 4; k++)
		c->dr[k] = (uint32_t)get(p, &n, 4);
	c->dr[6] = (uint32_t)get(p, &n, 4);
	c->dr[7] = (uint32_t)get(p, &n, 4);
	for (int k = 0; k < 6; k++)
		get_seg(p, &n, &c->seg[k]);
	get_seg(p, &n, &c->ldtr);
	get_seg(p, &n, &c->tr);
	c->gdt_base = (uint32_t)get(p, &n, 4);
	c->gdt_limit = (uint32_t)get(p, &n, 4);
	c->idt_base = (uint32_t)get(p, &n, 4);
	c->idt_limit = (uint32_t)get(p, &n, 4);
	c->cpl = (uint8_t)get(p, &n, 1);
	c->halted = (uint8_t)get(p, &n, 1);
	c->inhibit = (uint8_t)get(p, &n, 1);
	c->intr = (uint8_t)get(p, &n, 1);
	c->nmi_pending = (uint8_t)get(p, &n, 1);
	c->smi_pending = (uint8_t)get(p, &n, 1);
	c->nmi_blocked = (uint8_t)get(p, &n, 1);
	c->in_smm = (uint8_t)get(p, &n, 1);
	c->a20 = (uint8_t)get(p, &n, 1) != 0;
	c->a20_mask = c->a20 ? 0xffffffffu : ~(1u << 20);
	c->smbase = (uint32_t)get(p, &n, 4);
	c->sysenter_cs = (uint32_t)get(p, &n, 4);
	c->sysenter_esp = (uint32_t)get(p, &n, 4);
	c->sysenter_eip = (uint32_t)get(p, &n, 4);
	c->tsc_offset = get(p, &n, 8);
	c->apic_base = get(p, &n, 8);
	c->icount = get(p, &n, 8);
	c->cycles = get(p, &n, 8);
	seg_update_all(c);
	cpu_flush_caches(c);
	return 0;
}
