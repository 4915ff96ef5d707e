/*
 * cpu/ops_sys.c: port I/O with IOPL and the TSS I/O bitmap (SDM Vol. 1
 * §18.5), control/debug register moves and their side effects (Vol. 3
 * §2.5), descriptor-table instructions, LAR/LSL/VERR/VERW/ARPL, CPUID,
 * RDTSC, RDMSR/WRMSR, SYSENTER/SYSEXIT, INVD/WBINVD/INVLPG, UD2.
 */
#include "cpu/ops_common.h"
#include "mem/mem.h"

/* ---- port I/O ---- */
void io_check(struct cpu *c, uint16_t port, int size)
{
	if (!cpu_pmode(c) || (!cpu_v86(c) && c->cpl <= cpu_iopl(c)))
		return;
	/* The bitmap needs a 32-bit TSS (type 9/11) and every bit for the
	 * accessed ports clear. */
	if ((c->tr.attr & 0xf) != 9 && (c->tr.attr & 0xf) != 11)
		cpu_gp0(c);
	if (c->tr.limit < 0x67)
		cpu_gp0(c);
	uint32_t base = sys_read(c, c->tr.base + 0x66, 2);
	uint32_t off = base + (port >> 3);
	if (off + 1 > c->tr.limit)
		cpu_gp0(c);
	uint32_t bits = sys_read(c, c->tr.base + off, 2);
	uint32_t mask = ((1u << size) - 1) << (port & 7);
	if (bits & mask)
		cpu_gp0(c);
}

uint32_t io_in(struct cpu *c, uint16_t port, int size)
{
	return mem_io_read(c->mem, port, size) & size_mask(size);
}

void io_out(struct cpu *c, uint16_t port, uint32_t v, int size)
{
	mem_io_write(c->mem, port, v & size_mask(size), size);
	if (mem_generation(c->mem) != c->mem_gen)
		mmu_check_generation(c);
}

static inline void in_op(struct cpu *c, uint16_t port, int size)
{
	io_check(c, port, size);
	reg_set(c, 0, size, io_in(c, port, size));
}
static inline void out_op(struct cpu *c, uint16_t port, int size)
{
	io_check(c, port, size);
	io_out(c, port, reg_get(c, 0, size), size);
}
void op_IN_ALIb(struct cpu *c, const struct insn *i) { in_op(c, (uint16_t)(i->imm & 0xff), 1); }
void op_IN_AXIb(struct cpu *c, const struct insn *i) { in_op(c, (uint16_t)(i->imm & 0xff), 2); }
void op_IN_EAXIb(struct cpu *c, const struct insn *i) { in_op(c, (uint16_t)(i->imm & 0xff), 4); }
void op_OUT_IbAL(struct cpu *c, const struct insn *i) { out_op(c, (uint16_t)(i->imm & 0xff), 1); }
void op_OUT_IbAX(struct cpu *c, const struct insn *i) { out_op(c, (uint16_t)(i->imm & 0xff), 2); }
void op_OUT_IbEAX(struct cpu *c, const struct insn *i) { out_op(c, (uint16_t)(i->imm & 0xff), 4); }
void op_IN_ALDX(struct cpu *c, const struct insn *i) { (void)i; in_op(c, reg16(c, CPU_EDX), 1); }
void op_IN_AXDX(struct cpu *c, const struct insn *i) { (void)i; in_op(c, reg16(c, CPU_EDX), 2); }
void op_IN_EAXDX(struct cpu *c, const struct insn *i) { (void)i; in_op(c, reg16(c, CPU_EDX), 4); }
void op_OUT_DXAL(struct cpu *c, const struct insn *i) { (void)i; out_op(c, reg16(c, CPU_EDX), 1); }
void op_OUT_DXAX(struct cpu *c, const struct insn *i) { (void)i; out_op(c, reg16(c, CPU_EDX), 2); }
void op_OUT_DXEAX(struct cpu *c, const struct insn *i) { (void)i; out_op(c, reg16(c, CPU_EDX), 4); }

/* Privileged instructions: #GP(0) unless CPL 0 (V86 runs at CPL 3). */
static void need_cpl0(struct cpu *c)
{
	if (cpu_pmode(c) && c->cpl != 0)
		cpu_gp0(c);
}

/* Protected-mode-only instructions raise #UD in real and V86 mode. */
static void need_prot(struct cpu *c)
{
	if (!cpu_prot(c))
		cpu_ud(c);
}

/* ---- control registers ---- */
void cpu_update_mode(struct cpu *c)
{
	if (!cpu_pmode(c))
		c->cpl = 0;
	seg_update_all(c);
}

void cpu_write_cr(struct cpu *c, int n, uint32_t v)
{
	uint32_t old;
	switch (n) {
	case 0:
		old = c->cr0;
		v |= CR0_ET;
		if ((v & CR0_PG) && !(v & CR0_PE))
			cpu_gp0(c);
		if ((v & CR0_NW) && !(v & CR0_CD))
			cpu_gp0(c);
		v &= CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM |
		     CR0_NW | CR0_CD | CR0_PG;
		c->cr0 = v;
		if ((old ^ v) & (CR0_PG | CR0_WP)) {
			tlb_flush(c);
		} else if ((old ^ v) & CR0_PE) {
			/* Paging is off (PG needs PE): the TLB holds identity
			 * translations with every permission, which PE does not
			 * change, so they stay (firmware switches modes thousands
			 * of times per boot). The code fetched and the block links
			 * start over, as after a flush. */
			c->fetch_page = 1;
			cpu_fetch_reset(c);
		}
		if ((old ^ v) & CR0_PE)
			cpu_update_mode(c);
		break;
	case 2:
		old = c->cr2;
		c->cr2 = v;
		return;
	case 3:
		old = c->cr3;
		c->cr3 = v & 0xfffff018u;
		tlb_flush(c);
		break;
	case 4: {
		old = c->cr4;
		uint32_t ok = CR4_DE | CR4_TSD | CR4_PCE;
		if (c->model.features_edx & CPU_FEAT_PSE)
			ok |= CR4_PSE;
		if (c->model.features_edx & CPU_FEAT_PGE)
			ok |= CR4_PGE;
		if (c->model.features_edx & CPU_FEAT_VME)
			ok |= CR4_VME | CR4_PVI;
		if (v & ~ok)
			cpu_gp0(c);
		c->cr4 = v;
		tlb_flush(c);
		break;
	}
	default:
		cpu_ud(c);
	}
	if (c->hooks.cr_write)
		c->hooks.cr_write(c->hooks.opaque, c, n, old, v);
}

void op_MOV_CdRd(struct cpu *c, const struct insn *i)
{
	if (cpu_v86(c))
		cpu_gp0(c);
	need_cpl0(c);
	if (i->reg == 1 || i->reg > 4)
		cpu_ud(c);
	cpu_write_cr(c, i->reg, c->r[i->rm]);
}

void op_MOV_RdCd(struct cpu *c, const struct insn *i)
{
	if (cpu_v86(c))
		cpu_gp0(c);
	need_cpl0(c);
	uint32_t v;
	switch (i->reg) {
	case 0: v = c->cr0; break;
	case 2: v = c->cr2; break;
	case 3: v = c->cr3; break;
	case 4: v = c->cr4; break;
	default: cpu_ud(c);
	}
	c->r[i->rm] = v;
}

static int dr_index(struct cpu *c, int n)
{
	if (n == 4 || n == 5) {
		if (c->cr4 & CR4_DE)
			cpu_ud(c);
		return n + 2;
	}
	return n;
}

void op_MOV_RdDd(struct cpu *c, const struct insn *i)
{
	if (cpu_v86(c))
		cpu_gp0(c);
	need_cpl0(c);
	c->r[i->rm] = c->dr[dr_index(c, i->reg)];
}

void op_MOV_DdRd(struct cpu *c, const struct insn *i)
{
	if (cpu_v86(c))
		cpu_gp0(c);
	need_cpl0(c);
	int n = dr_index(c, i->reg);
	uint32_t v = c->r[i->rm];
	if (n == 6)
		v = (v & 0x0000e00fu) | 0xffff0ff0u;
	else if (n == 7)
		v = (v & ~0x0000d800u) | 0x400;
	c->dr[n] = v;
}

void op_CLTS(struct cpu *c, const struct insn *i)
{
	(void)i;
	need_cpl0(c);
	c->cr0 &= ~CR0_TS;
}

static inline void smsw_e(struct cpu *c, const struct insn *i, int mem, int size)
{
	if (mem)
		mem_wr(c, i->seg, insn_ea(c, i), c->cr0 & 0xffff, 2);
	else
		reg_set(c, i->rm, size, size == 4 ? c->cr0 : (c->cr0 & 0xffff));
}
RM_FORMS(SMSW_Ew, smsw_e, 2)
RM_FORMS(SMSW_Ed, smsw_e, 4)

/* LMSW loads PE MP EM TS and cannot clear PE (SDM Vol. 2, LMSW). */
static inline void lmsw_e(struct cpu *c, const struct insn *i, int mem)
{
	need_cpl0(c);
	uint32_t v = rm_read(c, i, mem, 2) & 0xf;
	cpu_write_cr(c, 0, (c->cr0 & ~0xeu) | v | (c->cr0 & CR0_PE));
}
RM_FORMS(LMSW_Ew, lmsw_e)

void op_INVLPG_M_M(struct cpu *c, const struct insn *i)
{
	need_cpl0(c);
	uint32_t lin = c->seg[i->seg].base + insn_ea(c, i);
	tlb_flush_page(c, lin);
}

void op_INVD(struct cpu *c, const struct insn *i) { (void)i; need_cpl0(c); }
void op_WBINVD(struct cpu *c, const struct insn *i) { (void)i; need_cpl0(c); }
void op_UD2(struct cpu *c, const struct insn *i) { (void)i; cpu_ud(c); }

/* ---- descriptor tables ---- */
static void store_dt(struct cpu *c, const struct insn *i, uint32_t base, uint32_t limit)
{
	uint32_t ea = insn_ea(c, i);
	uint32_t a2 = ea + 2;
	if (!(i->flags & INSN_ASZ32))
		a2 &= 0xffff;
	mem_wr_check(c, i->seg, ea, 2);
	mem_wr_check(c, i->seg, a2, 4);
	mem_wr(c, i->seg, ea, limit & 0xffff, 2);
	mem_wr(c, i->seg, a2, base, 4);
}
void op_SGDT_Ms_M(struct cpu *c, const struct insn *i) { store_dt(c, i, c->gdt_base, c->gdt_limit); }
void op_SIDT_Ms_M(struct cpu *c, const struct insn *i) { store_dt(c, i, c->idt_base, c->idt_limit); }

static void load_dt(struct cpu *c, const struct insn *i, int idt)
{
	if (cpu_v86(c))
		cpu_gp0(c);
	need_cpl0(c);
	uint32_t ea = insn_ea(c, i);
	uint32_t a2 = ea + 2;
	if (!(i->flags & INSN_ASZ32))
		a2 &= 0xffff;
	uint32_t limit = mem_rd(c, i->seg, ea, 2);
	uint32_t base = mem_rd(c, i->seg, a2, 4);
	if (!(i->flags & INSN_OSZ32))
		base &= 0x00ffffffu;
	if (idt) {
		c->idt_base = base;
		c->idt_limit = limit;
	} else {
		c->gdt_base = base;
		c->gdt_limit = limit;
	}
}
void op_LGDT_Ms_M(struct cpu *c, const struct insn *i) { load_dt(c, i, 0); }
void op_LIDT_Ms_M(struct cpu *c, const struct insn *i) { load_dt(c, i, 1); }

static inline void sldt_e(struct cpu *c, const struct insn *i, int mem, int tr)
{
	need_prot(c);
	uint16_t v = tr ? c->tr.sel : c->ldtr.sel;
	if (mem)
		mem_wr(c, i->seg, insn_ea(c, i), v, 2);
	else
		reg_set(c, i->rm, insn_osz(i), v);
}
RM_FORMS(SLDT_Ew, sldt_e, 0)
RM_FORMS(STR_Ew, sldt_e, 1)

static inline void lldt_e(struct cpu *c, const struct insn *i, int mem)
{
	need_prot(c);
	need_cpl0(c);
	uint16_t sel = (uint16_t)rm_read(c, i, mem, 2);
	if ((sel & 0xfffc) == 0) {
		c->ldtr.sel = sel;
		c->ldtr.attr = 0;
		c->ldtr.base = 0;
		c->ldtr.limit = 0;
		return;
	}
	if (sel & 4)
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	uint64_t d = seg_fetch_desc(c, sel, EXC_GP);
	unsigned a = (unsigned)(d >> 40) & 0xff;
	if ((a & 0x1f) != 2)
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	if (!(a & ATTR_P))
		cpu_raise(c, EXC_NP, sel & 0xfffc);
	seg_from_desc(&c->ldtr, sel, d);
}
RM_FORMS(LLDT_Ew, lldt_e)

static inline void ltr_e(struct cpu *c, const struct insn *i, int mem)
{
	need_prot(c);
	need_cpl0(c);
	uint16_t sel = (uint16_t)rm_read(c, i, mem, 2);
	if ((sel & 0xfffc) == 0)
		cpu_gp0(c);
	if (sel & 4)
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	uint64_t d = seg_fetch_desc(c, sel, EXC_GP);
	unsigned a = (unsigned)(d >> 40) & 0xff;
	if ((a & 0x1f) != 1 && (a & 0x1f) != 9)
		cpu_raise(c, EXC_GP, sel & 0xfffc);
	if (!(a & ATTR_P))
		cpu_raise(c, EXC_NP, sel & 0xfffc);
	/* Mark busy (type bit 1). */
	d |= 2ull << 40;
	sys_write(c, c->gdt_base + (sel & 0xfff8u) + 5, (uint32_t)(d >> 40) & 0xff, 1);
	seg_from_desc(&c->tr, sel, d);
}
RM_FORMS(LTR_Ew, ltr_e)

/* Descriptor visible to LAR/LSL/VERR/VERW at the current CPL and the
 * selector's RPL? Returns 0 and sets *d when it is. */
static int probe_desc(struct cpu *c, uint16_t sel, uint64_t *d)
{
	if ((sel & 0xfffc) == 0)
		return -1;
	uint32_t base, limit;
	if (sel & 4) {
		if ((c->ldtr.sel & 0xfffc) == 0)
			return -1;
		base = c->ldtr.base;
		limit = c->ldtr.limit;
	} else {
		base = c->gdt_base;
		limit = c->gdt_limit;
	}
	if ((sel & 0xfff8u) + 7 > limit)
		return -1;
	uint32_t lo = sys_read(c, base + (sel & 0xfff8u), 4);
	uint32_t hi = sys_read(c, base + (sel & 0xfff8u) + 4, 4);
	*d = ((uint64_t)hi << 32) | lo;
	unsigned a = (unsigned)(*d >> 40) & 0xff, dpl = (a >> 5) & 3;
	int conforming_code = (a & ATTR_S) && (a & 0xc) == 0xc;
	if (!conforming_code && (dpl < c->cpl || dpl < (sel & 3u)))
		return -1;
	return 0;
}

static void set_zf(struct cpu *c, int z)
{
	uint32_t f = flags_get(c);
	flags_set_arith(c, z ? (f | FL_ZF) : (f & ~FL_ZF));
}

static inline void lar_e(struct cpu *c, const struct insn *i, int mem, int size, int lsl)
{
	need_prot(c);
	uint16_t sel = (uint16_t)rm_read(c, i, mem, 2);
	uint64_t d;
	if (probe_desc(c, sel, &d)) {
		set_zf(c, 0);
		return;
	}
	unsigned a = (unsigned)(d >> 40) & 0xff;
	if (!(a & ATTR_S)) {
		unsigned t = a & 0xf;
		static const uint16_t lar_ok = 0x1a3e;   /* 1 2 3 4 5 9 B C */
		static const uint16_t lsl_ok = 0x0a0e;   /* 1 2 3 9 B */
		if (!(((lsl ? lsl_ok : lar_ok) >> t) & 1)) {
			set_zf(c, 0);
			return;
		}
	}
	uint32_t v;
	if (lsl) {
		struct seg s;
		seg_from_desc(&s, sel, d);
		v = s.limit;
	} else {
		v = (uint32_t)(d >> 32) & 0x00f0ff00u;
	}
	reg_set(c, i->reg, size, v & size_mask(size));
	set_zf(c, 1);
}
RM_FORMS(LAR_GwEw, lar_e, 2, 0)
RM_FORMS(LAR_GdEw, lar_e, 4, 0)
RM_FORMS(LSL_GwEw, lar_e, 2, 1)
RM_FORMS(LSL_GdEw, lar_e, 4, 1)

static inline void ver_e(struct cpu *c, const struct insn *i, int mem, int write)
{
	need_prot(c);
	uint16_t sel = (uint16_t)rm_read(c, i, mem, 2);
	uint64_t d;
	if (probe_desc(c, sel, &d)) {
		set_zf(c, 0);
		return;
	}
	unsigned a = (unsigned)(d >> 40) & 0xff;
	int ok;
	if (!(a & ATTR_S))
		ok = 0;
	else if (a & 8)
		ok = !write && (a & 2);
	else
		ok = !write || (a & 2);
	set_zf(c, ok);
}
RM_FORMS(VERR_Ew, ver_e, 0)
RM_FORMS(VERW_Ew, ver_e, 1)

static inline void arpl_e(struct cpu *c, const struct insn *i, int mem)
{
	need_prot(c);
	uint32_t ea = mem ? insn_ea(c, i) : 0;
	uint16_t d = (uint16_t)(mem ? mem_rd(c, i->seg, ea, 2) : reg16(c, i->rm));
	uint16_t s = reg16(c, i->reg);
	if ((d & 3) < (s & 3)) {
		d = (uint16_t)((d & ~3u) | (s & 3u));
		if (mem)
			mem_wr(c, i->seg, ea, d, 2);
		else
			set_reg16(c, i->rm, d);
		set_zf(c, 1);
	} else {
		set_zf(c, 0);
	}
}
RM_FORMS(ARPL_EwGw, arpl_e)

/* ---- identification, time stamp, MSRs ---- */
void op_CPUID(struct cpu *c, const struct insn *i)
{
	(void)i;
	uint32_t leaf = c->r[CPU_EAX];
	/* Leaves above the maximum report the highest basic leaf (SDM Vol. 2, CPUID). */
	if (leaf > 1)
		leaf = 1;
	if (leaf == 0) {
		const char *v = c->model.vendor;
		uint32_t w[3];
		for (int k = 0; k < 3; k++)
			w[k] = (uint32_t)(uint8_t)v[4 * k] | ((uint32_t)(uint8_t)v[4 * k + 1] << 8) |
			       ((uint32_t)(uint8_t)v[4 * k + 2] << 16) |
			       ((uint32_t)(uint8_t)v[4 * k + 3] << 24);
		c->r[CPU_EAX] = 1;
		c->r[CPU_EBX] = w[0];
		c->r[CPU_EDX] = w[1];
		c->r[CPU_ECX] = w[2];
	} else {
		c->r[CPU_EAX] = c->model.signature;
		c->r[CPU_EBX] = 0;
		c->r[CPU_ECX] = c->model.features_ecx;
		c->r[CPU_EDX] = c->model.features_edx;
	}
}

void op_RDTSC(struct cpu *c, const struct insn *i)
{
	(void)i;
	if ((c->cr4 & CR4_TSD) && cpu_pmode(c) && c->cpl != 0)
		cpu_gp0(c);
	uint64_t t = c->cycles + c->tsc_offset;
	c->r[CPU_EAX] = (uint32_t)t;
	c->r[CPU_EDX] = (uint32_t)(t >> 32);
}

void op_RDPMC(struct cpu *c, const struct insn *i)
{
	(void)i;
	if (!(c->cr4 & CR4_PCE) && cpu_pmode(c) && c->cpl != 0)
		cpu_gp0(c);
	if (c->r[CPU_ECX] > 1)
		cpu_gp0(c);
	c->r[CPU_EAX] = 0;
	c->r[CPU_EDX] = 0;
}

#define MSR_TSC           0x010
#define MSR_APIC_BASE     0x01b
#define MSR_BIOS_SIGN     0x08b
#define MSR_SYSENTER_CS   0x174
#define MSR_SYSENTER_ESP  0x175
#define MSR_SYSENTER_EIP  0x176

/* Only the MSRs below exist; any other raises #GP(0) (docs/cpu.md). */
void op_RDMSR(struct cpu *c, const struct insn *i)
{
	(void)i;
	need_cpl0(c);
	if (cpu_v86(c))
		cpu_gp0(c);
	uint64_t v;
	switch (c->r[CPU_ECX]) {
	case MSR_TSC: v = c->cycles + c->tsc_offset; break;
	case MSR_APIC_BASE:
		if (!(c->model.features_edx & CPU_FEAT_APIC))
			cpu_gp0(c);
		v = c->apic_base;
		break;
	case MSR_BIOS_SIGN: v = 0; break;
	case MSR_SYSENTER_CS: v = c->sysenter_cs; break;
	case MSR_SYSENTER_ESP: v = c->sysenter_esp; break;
	case MSR_SYSENTER_EIP: v = c->sysenter_eip; break;
	default: cpu_gp0(c);
	}
	c->r[CPU_EAX] = (uint32_t)v;
	c->r[CPU_EDX] = (uint32_t)(v >> 32);
}

void op_WRMSR(struct cpu *c, const struct insn *i)
{
	(void)i;
	need_cpl0(c);
	if (cpu_v86(c))
		cpu_gp0(c);
	uint64_t v = ((uint64_t)c->r[CPU_EDX] << 32) | c->r[CPU_EAX];
	switch (c->r[CPU_ECX]) {
	case MSR_TSC: c->tsc_offset = v - c->cycles; break;
	case MSR_APIC_BASE:
		if (!(c->model.features_edx & CPU_FEAT_APIC))
			cpu_gp0(c);
		c->apic_base = v & 0xfffff900u;
		break;
	case MSR_BIOS_SIGN: break;
	case MSR_SYSENTER_CS: c->sysenter_cs = (uint32_t)v; break;
	case MSR_SYSENTER_ESP: c->sysenter_esp = (uint32_t)v; break;
	case MSR_SYSENTER_EIP: c->sysenter_eip = (uint32_t)v; break;
	default: cpu_gp0(c);
	}
}

/* Flat segments of SYSENTER/SYSEXIT (SDM Vol. 2, SYSENTER). */
static void flat_seg(struct seg *s, uint16_t sel, int code, int dpl)
{
	s->sel = sel;
	s->base = 0;
	s->limit = 0xffffffffu;
	s->attr = (uint16_t)(ATTR_P | ATTR_S | (unsigned)(dpl << 5) | (code ? 0x0b : 0x03) |
			     ATTR_DB | ATTR_G);
}

void op_SYSENTER(struct cpu *c, const struct insn *i)
{
	(void)i;
	if (!cpu_pmode(c) || (c->sysenter_cs & 0xfffc) == 0)
		cpu_gp0(c);
	c->eflags &= ~(FL_VM | FL_IF | FL_RF);
	flat_seg(&c->seg[SEG_CS], (uint16_t)(c->sysenter_cs & 0xfffc), 1, 0);
	flat_seg(&c->seg[SEG_SS], (uint16_t)((c->sysenter_cs + 8) & 0xfffc), 0, 0);
	c->cpl = 0;
	seg_update_all(c);
	c->r[CPU_ESP] = c->sysenter_esp;
	c->eip_next = c->sysenter_eip;
}

void op_SYSEXIT(struct cpu *c, const struct insn *i)
{
	(void)i;
	if (!cpu_pmode(c) || cpu_v86(c) || c->cpl != 0 || (c->sysenter_cs & 0xfffc) == 0)
		cpu_gp0(c);
	flat_seg(&c->seg[SEG_CS], (uint16_t)((c->sysenter_cs + 16) | 3), 1, 3);
	flat_seg(&c->seg[SEG_SS], (uint16_t)((c->sysenter_cs + 24) | 3), 0, 3);
	c->cpl = 3;
	seg_update_all(c);
	c->r[CPU_ESP] = c->r[CPU_ECX];
	c->eip_next = c->r[CPU_EDX];
}
