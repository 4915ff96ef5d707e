/*
 * cpu/smm.c: system management mode. SMI entry saves the state to the
 * SMRAM state-save map at SMBASE + 0xFE00..0xFFFF and starts the handler
 * at SMBASE + 0x8000 (SDM Vol. 3 §34.4-34.5); RSM restores it and applies
 * SMBASE relocation (revision 0x00020000, §34.11). Offsets of the saved
 * descriptor caches follow the layout QEMU uses for 32-bit CPUs, so
 * firmware written against QEMU (SeaBIOS) finds what it expects.
 */
#include "cpu/internal.h"
#include "cpu/ops_common.h"

#define SMM_REVISION 0x00020000u

static uint32_t seg_flags(const struct seg *s)
{
	return ((uint32_t)(s->attr & 0xff) << 8) | ((uint32_t)(s->attr & 0xf000) << 8);
}

static uint16_t flags_attr(uint32_t f)
{
	return (uint16_t)(((f >> 8) & 0xff) | ((f >> 8) & 0xf000));
}

static uint32_t seg_cache_off(int k)
{
	return k < 3 ? 0x7f84u + 12u * (unsigned)k : 0x7f2cu + 12u * (unsigned)(k - 3);
}

static void smram_wr(struct cpu *c, uint32_t off, uint32_t v)
{
	sys_write(c, c->smbase + 0x8000u + off, v, 4);
}

static uint32_t smram_rd(struct cpu *c, uint32_t off)
{
	return sys_read(c, c->smbase + 0x8000u + off, 4);
}

void cpu_enter_smm(struct cpu *c)
{
	if (c->bus.smm_changed)
		c->bus.smm_changed(c->bus.opaque, 1);
	c->in_smm = 1;
	uint16_t from_cs = c->seg[SEG_CS].sel;
	uint32_t from_eip = c->eip;
	uint32_t entry_smbase = c->smbase;
	/* The save area is addressed physically: paging is ignored here. */
	uint32_t cr0 = c->cr0;
	c->cr0 &= ~(CR0_PG);
	tlb_flush(c);
	mmu_check_generation(c);
	uint32_t fl = flags_get(c);
	smram_wr(c, 0x7ffc, cr0);
	smram_wr(c, 0x7ff8, c->cr3);
	smram_wr(c, 0x7ff4, fl);
	smram_wr(c, 0x7ff0, c->eip);
	for (int r = 0; r < 8; r++)
		smram_wr(c, 0x7fd0u + 4u * (unsigned)r, c->r[r]);
	smram_wr(c, 0x7fcc, c->dr[6]);
	smram_wr(c, 0x7fc8, c->dr[7]);
	smram_wr(c, 0x7fc4, c->tr.sel);
	smram_wr(c, 0x7f64, c->tr.base);
	smram_wr(c, 0x7f60, c->tr.limit);
	smram_wr(c, 0x7f5c, seg_flags(&c->tr));
	smram_wr(c, 0x7fc0, c->ldtr.sel);
	smram_wr(c, 0x7f80, c->ldtr.base);
	smram_wr(c, 0x7f7c, c->ldtr.limit);
	smram_wr(c, 0x7f78, seg_flags(&c->ldtr));
	smram_wr(c, 0x7f74, c->gdt_base);
	smram_wr(c, 0x7f70, c->gdt_limit);
	smram_wr(c, 0x7f58, c->idt_base);
	smram_wr(c, 0x7f54, c->idt_limit);
	for (int k = 0; k < 6; k++) {
		const struct seg *s = &c->seg[k];
		uint32_t o = seg_cache_off(k);
		smram_wr(c, 0x7fa8u + 4u * (unsigned)k, s->sel);
		smram_wr(c, o + 8, s->base);
		smram_wr(c, o + 4, s->limit);
		smram_wr(c, o, seg_flags(s));
	}
	smram_wr(c, 0x7f14, c->cr4);
	smram_wr(c, 0x7f00, (c->halted ? 1u : 0u) << 16);
	smram_wr(c, 0x7efc, SMM_REVISION);
	smram_wr(c, 0x7ef8, c->smbase);
	/* Entry state (SDM Vol. 3 table 34-4). */
	c->halted = 0;
	c->eflags = 2;
	c->lf.op = LF_NONE;
	c->eip = 0x8000;
	c->cr0 = cr0 & ~(CR0_PE | CR0_EM | CR0_TS | CR0_PG);
	c->cr4 = 0;
	c->dr[7] = 0x400;
	c->cpl = 0;
	for (int k = 0; k < 6; k++) {
		struct seg *s = &c->seg[k];
		s->sel = 0;
		s->base = 0;
		s->limit = 0xffffffffu;
		s->attr = 0x93 | ATTR_G;
	}
	c->seg[SEG_CS].sel = (uint16_t)(c->smbase >> 4);
	c->seg[SEG_CS].base = c->smbase;
	c->seg[SEG_CS].attr = 0x9b | ATTR_G;
	seg_update_all(c);
	tlb_flush(c);
	c->nmi_blocked = 1;
	if (c->hooks.interrupt)
		c->hooks.interrupt(c->hooks.opaque, c, -1, CPU_INT_SMI, -1, from_cs, from_eip,
				   c->seg[SEG_CS].sel, c->eip);
	if (c->hooks.smm)
		c->hooks.smm(c->hooks.opaque, c, 1, entry_smbase, from_cs, from_eip);
}

void op_RSM(struct cpu *c, const struct insn *i)
{
	(void)i;
	if (!c->in_smm)
		cpu_ud(c);
	uint32_t cr0 = smram_rd(c, 0x7ffc);
	uint32_t cr3 = smram_rd(c, 0x7ff8);
	uint32_t fl = smram_rd(c, 0x7ff4);
	uint32_t eip = smram_rd(c, 0x7ff0);
	for (int r = 0; r < 8; r++)
		c->r[r] = smram_rd(c, 0x7fd0u + 4u * (unsigned)r);
	c->dr[6] = smram_rd(c, 0x7fcc);
	c->dr[7] = smram_rd(c, 0x7fc8);
	c->tr.sel = (uint16_t)smram_rd(c, 0x7fc4);
	c->tr.base = smram_rd(c, 0x7f64);
	c->tr.limit = smram_rd(c, 0x7f60);
	c->tr.attr = flags_attr(smram_rd(c, 0x7f5c));
	c->ldtr.sel = (uint16_t)smram_rd(c, 0x7fc0);
	c->ldtr.base = smram_rd(c, 0x7f80);
	c->ldtr.limit = smram_rd(c, 0x7f7c);
	c->ldtr.attr = flags_attr(smram_rd(c, 0x7f78));
	c->gdt_base = smram_rd(c, 0x7f74);
	c->gdt_limit = smram_rd(c, 0x7f70) & 0xffff;
	c->idt_base = smram_rd(c, 0x7f58);
	c->idt_limit = smram_rd(c, 0x7f54) & 0xffff;
	for (int k = 0; k < 6; k++) {
		struct seg *s = &c->seg[k];
		uint32_t o = seg_cache_off(k);
		s->sel = (uint16_t)smram_rd(c, 0x7fa8u + 4u * (unsigned)k);
		s->base = smram_rd(c, o + 8);
		s->limit = smram_rd(c, o + 4);
		s->attr = flags_attr(smram_rd(c, o));
	}
	uint32_t cr4 = smram_rd(c, 0x7f14);
	uint32_t restart = smram_rd(c, 0x7f00);
	if (smram_rd(c, 0x7efc) & SMM_REVISION)
		c->smbase = smram_rd(c, 0x7ef8) & ~0x7fffu;
	c->cr0 = cr0;
	c->cr3 = cr3;
	c->cr4 = cr4;
	c->eflags = (fl & 0x003f7fd5u) | 2;
	c->lf.op = LF_NONE;
	c->cpl = (fl & FL_VM) ? 3 : (cr0 & CR0_PE) ? ((c->seg[SEG_SS].attr >> 5) & 3) : 0;
	c->eip_next = eip;
	if (restart & 0x10000)
		c->halted = 1;
	c->in_smm = 0;
	c->nmi_blocked = 0;
	seg_update_all(c);
	tlb_flush(c);
	if (c->bus.smm_changed)
		c->bus.smm_changed(c->bus.opaque, 0);
	mmu_check_generation(c);
	if (c->hooks.smm)
		c->hooks.smm(c->hooks.opaque, c, 0, c->smbase, c->seg[SEG_CS].sel, eip);
}
