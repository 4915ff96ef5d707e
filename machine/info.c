/*
 * machine/info.c: side-effect-free guest memory access for the debugger and
 * the monitor's `info` renderers that need struct machine (see
 * machine/info.h). Page walks follow SDM Vol. 3 §4.3 (32-bit paging, PSE)
 * like cpu/mmu.c but never fault and never set accessed/dirty bits; the PAM
 * windows follow the 82441FX datasheet §3.2 (PAM0[7:4] = 0xF0000-0xFFFFF,
 * PAM1-PAM6 two 16 KiB windows each from 0xC0000, RE = nibble bit 0).
 */
#include "machine/info.h"

#include <inttypes.h>
#include <string.h>

#include "cpu/cpu.h"
#include "machine/fw_cfg.h"
#include "machine/pc_internal.h"
#include "machine/pci.h"
#include "mem/mem.h"

#define PG_P  0x001u
#define PG_RW 0x002u
#define PG_US 0x004u
#define PG_PS 0x080u
#define CR0_PE 0x1u
#define CR0_PG 0x80000000u
#define CR4_PSE 0x10u
#define EFLAGS_VM 0x20000u

int machine_a20_enabled(const struct machine *m)
{
	return m->a20_kbd || m->a20_port92;
}

uint64_t machine_icount_cap(const struct machine *m)
{
	return m->opt.icount_cap ? m->opt.icount_cap : MACHINE_DEFAULT_ICOUNT_CAP;
}

static uint64_t a20(const struct machine *m, uint64_t pa)
{
	return machine_a20_enabled(m) ? pa : pa & ~(uint64_t)0x100000;
}

int machine_debug_read_phys(struct machine *m, uint64_t pa, void *buf, size_t len)
{
	uint8_t *out = buf;
	int r = 0;

	while (len) {
		uint64_t in_page = MEM_PAGE_SIZE - (pa & (MEM_PAGE_SIZE - 1));
		size_t n = len < in_page ? len : (size_t)in_page;
		const uint8_t *p = pa < MEM_4G ? mem_page_peek_ptr(m->mem, pa) : NULL;
		if (p) {
			memcpy(out, p + (pa & (MEM_PAGE_SIZE - 1)), n);
		} else {
			memset(out, 0xff, n);
			r = -1;
		}
		out += n;
		pa += n;
		len -= n;
	}
	return r;
}

static int read32(struct machine *m, uint64_t pa, uint32_t *v)
{
	uint8_t b[4];

	if (machine_debug_read_phys(m, a20(m, pa), b, 4))
		return -1;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

/* Walk the page tables for lin; *flags gets the effective U/S and R/W bits. */
static int walk(struct machine *m, uint32_t lin, uint64_t *pa, uint32_t *flags)
{
	uint32_t cr3 = cpu_get_reg(m->cpu, CPU_CR3), cr4 = cpu_get_reg(m->cpu, CPU_CR4);
	uint32_t pde, pte;

	if (read32(m, (cr3 & 0xfffff000u) | ((lin >> 20) & 0xffcu), &pde) || !(pde & PG_P))
		return -1;
	if ((pde & PG_PS) && (cr4 & CR4_PSE)) {
		*pa = (pde & 0xffc00000u) | (lin & 0x003fffffu);
		*flags = pde & (PG_RW | PG_US);
		return 0;
	}
	if (read32(m, (pde & 0xfffff000u) | ((lin >> 10) & 0xffcu), &pte) || !(pte & PG_P))
		return -1;
	*pa = (pte & 0xfffff000u) | (lin & 0xfffu);
	*flags = pte & pde & (PG_RW | PG_US);
	return 0;
}

int machine_debug_translate(struct machine *m, uint32_t lin, uint64_t *pa)
{
	uint32_t flags;

	if (!(cpu_get_reg(m->cpu, CPU_CR0) & CR0_PG)) {
		*pa = a20(m, lin);
		return 0;
	}
	if (walk(m, lin, pa, &flags))
		return -1;
	*pa = a20(m, *pa);
	return 0;
}

int machine_debug_read_lin(struct machine *m, uint32_t lin, void *buf, size_t len)
{
	uint8_t *out = buf;
	int r = 0;

	while (len) {
		uint32_t in_page = MEM_PAGE_SIZE - (lin & (MEM_PAGE_SIZE - 1));
		size_t n = len < in_page ? len : in_page;
		uint64_t pa;
		if (machine_debug_translate(m, lin, &pa)) {
			memset(out, 0xff, n);
			r = -1;
		} else if (machine_debug_read_phys(m, pa, out, n)) {
			r = -1;
		}
		out += n;
		lin += (uint32_t)n;
		len -= n;
	}
	return r;
}

int machine_debug_write_phys(struct machine *m, uint64_t pa, const void *buf, size_t len)
{
	for (uint64_t p = pa & ~(uint64_t)(MEM_PAGE_SIZE - 1); p < pa + len; p += MEM_PAGE_SIZE)
		if (p >= MEM_4G || !mem_page_peek_ptr(m->mem, p))
			return -1;
	mem_write_buf(m->mem, pa, buf, len);
	return 0;
}

/* ---- the BIOS aliases ---- */

/* Whether PAM routes reads of the low window holding pa to the ROM/PCI side. */
static int pam_reads_rom(struct machine *m, uint64_t pa)
{
	uint8_t nibble;

	if (pa >= 0xF0000) {
		nibble = mem_pam_read(m->mem, 0) >> 4;
	} else {
		uint64_t w = (pa - 0xC0000) / 0x4000;   /* 16 KiB window 0..11 */
		uint8_t reg = mem_pam_read(m->mem, 1 + (int)(w / 2));
		nibble = (w & 1) ? reg >> 4 : reg & 0xf;
	}
	return !(nibble & 1);
}

void machine_debug_bios_layout(struct machine *m, struct bios_layout *l)
{
	int rom = mem_region_find(m->mem, "bios");

	l->size = 0;
	if (rom < 0 || !mem_region_data(m->mem, rom, &l->size))
		l->size = 0;
	l->low_alias = mem_region_find(m->mem, "isa-bios") >= 0;
}

void machine_debug_phys_key_fast(struct machine *m, const struct bios_layout *l, uint64_t pa,
				 struct phys_key *key)
{
	uint64_t size = l->size, low;

	key->rom = 0;
	key->offset = pa;
	if (!size)
		return;
	if (pa >= MEM_4G - size && pa < MEM_4G) {
		key->rom = 1;
		key->offset = pa - (MEM_4G - size);
		return;
	}
	low = size < 0x20000 ? size : 0x20000;
	if (!l->low_alias || pa < 0x100000 - low || pa >= 0x100000 || pa < 0xC0000 ||
	    !pam_reads_rom(m, pa))
		return;
	key->rom = 1;
	key->offset = size - low + (pa - (0x100000 - low));
}

void machine_debug_phys_key(struct machine *m, uint64_t pa, struct phys_key *key)
{
	struct bios_layout l;

	machine_debug_bios_layout(m, &l);
	machine_debug_phys_key_fast(m, &l, pa, key);
}

void machine_debug_describe_phys(struct machine *m, uint64_t pa, char *buf, size_t len)
{
	struct phys_key k;

	machine_debug_phys_key(m, pa, &k);
	if (!k.rom)
		snprintf(buf, len, "%s",
			 mem_page_peek_ptr(m->mem, pa) ? "memory" : "device or unmapped");
	else
		snprintf(buf, len, "bios ROM +0x%" PRIx64 " via the %s alias", k.offset,
			 pa >= 0x100000 ? "high" : "low (isa-bios)");
}

static int read_desc(struct machine *m, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
	struct cpu_segment table;
	uint8_t b[8];

	cpu_get_seg(m->cpu, (sel & 4) ? CPU_LDTR : CPU_GDTR, &table);
	if ((uint32_t)(sel & ~7u) + 7 > table.limit)
		return -1;
	if (machine_debug_read_lin(m, table.base + (sel & ~7u), b, 8))
		return -1;
	*lo = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	*hi = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
	return 0;
}

static uint32_t desc_base(uint32_t lo, uint32_t hi)
{
	return (lo >> 16) | (hi & 0xff) << 16 | (hi & 0xff000000u);
}

static uint32_t desc_limit(uint32_t lo, uint32_t hi)
{
	uint32_t l = (lo & 0xffff) | (hi & 0xf0000);
	return (hi & 0x800000) ? (l << 12) | 0xfff : l;
}

int machine_debug_selector_base(struct machine *m, uint16_t sel, uint32_t *base)
{
	uint32_t lo, hi;

	if (!(cpu_get_reg(m->cpu, CPU_CR0) & CR0_PE) || (cpu_get_reg(m->cpu, CPU_EFLAGS) & EFLAGS_VM)) {
		*base = (uint32_t)sel << 4;
		return 0;
	}
	if (read_desc(m, sel, &lo, &hi))
		return -1;
	*base = desc_base(lo, hi);
	return 0;
}

/* ---- renderers ---- */

void info_print_pci(struct machine *m, FILE *f)
{
	if (!m->pci)
		fprintf(f, "no PCI bus (machine isapc)\n");
	else
		pci_bus_render(m->pci, f);
}

void info_print_fwcfg(struct machine *m, FILE *f)
{
	if (!m->fw_cfg)
		fprintf(f, "no fw_cfg device\n");
	else
		fw_cfg_render(m->fw_cfg, f);
}

void info_print_devices(struct machine *m, FILE *f)
{
	static const struct { size_t off; const char *name, *where; } devs[] = {
		{ offsetof(struct machine, pic), "pic", "ports 0x20-0x21, 0xa0-0xa1 (8259A pair)" },
		{ offsetof(struct machine, pit), "pit", "ports 0x40-0x43, irq 0 (8254)" },
		{ offsetof(struct machine, rtc), "rtc", "ports 0x70-0x71, irq 8 (MC146818 + CMOS)" },
		{ offsetof(struct machine, kbd), "i8042", "ports 0x60, 0x64, irq 1/12" },
		{ offsetof(struct machine, uart), "uart", "ports 0x3f8-0x3ff, irq 4 (16550A COM1)" },
		{ offsetof(struct machine, debugcon), "debugcon", "port 0x402" },
		{ offsetof(struct machine, debugcon_e9), "debugcon-e9", "port 0xe9" },
		{ offsetof(struct machine, post), "post", "port 0x80" },
		{ offsetof(struct machine, dexit), "debug-exit", "port 0xf4" },
		{ offsetof(struct machine, port92), "port92", "port 0x92 (A20, fast reset)" },
		{ offsetof(struct machine, dma), "isa-dma", "ports 0x00-0x1f, 0x80-0x9f, 0xc0-0xdf" },
		{ offsetof(struct machine, pci), "pci-bus", "ports 0xcf8-0xcff" },
		{ offsetof(struct machine, i440fx), "i440fx", "pci 00:00.0 (host bridge, PAM, SMRAM)" },
		{ offsetof(struct machine, piix), "piix", "pci 00:01.x (ISA bridge, IDE, PM)" },
		{ offsetof(struct machine, pm), "acpi-pm", "PM I/O block (PIIX4 ACPI)" },
		{ offsetof(struct machine, fw_cfg), "fw_cfg", "ports 0x510-0x511, 0x514-0x51b" },
	};

	fprintf(f, "machine %s, %" PRIu64 " MiB RAM, A20 %s\n",
		m->cfg.kind == MACHINE_ISAPC ? "isapc" : "pc", m->cfg.ram_size >> 20,
		machine_a20_enabled(m) ? "on" : "off");
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		void *p;
		memcpy(&p, (const char *)m + devs[i].off, sizeof(p));
		if (p)
			fprintf(f, "  %-12s %s\n", devs[i].name, devs[i].where);
	}
	for (int i = 0; i < 2; i++)
		if (m->ide[i])
			fprintf(f, "  %-12s ports 0x%x-0x%x, 0x%x, irq %d\n", i ? "ide1" : "ide0",
				i ? 0x170 : 0x1f0, i ? 0x177 : 0x1f7, i ? 0x376 : 0x3f6, i ? 15 : 14);
	for (int i = 0; i < m->cfg.ndisks; i++)
		fprintf(f, "  disk%-8d %s\n", i, m->cfg.disks[i]);
}

void info_print_milestones(struct machine *m, FILE *f)
{
	fprintf(f, "boot %u (system resets since power-on)\n", m->boot);
	for (int i = 0; i < MILESTONE_COUNT; i++) {
		uint64_t ic = m->milestone_icount[i];
		if (ic == UINT64_MAX)
			fprintf(f, "  %-13s -\n", milestone_name(i));
		else
			fprintf(f, "  %-13s icount %" PRIu64 "\n", milestone_name(i), ic);
	}
}

void info_print_ivt(struct machine *m, FILE *f, int first, int count)
{
	struct cpu_segment idtr;

	cpu_get_seg(m->cpu, CPU_IDTR, &idtr);
	fprintf(f, "IVT at linear 0x%08x limit 0x%04x\n", idtr.base, idtr.limit);
	for (int v = first; v < first + count && v < 256; v++) {
		uint8_t b[4];
		if (machine_debug_read_lin(m, idtr.base + 4u * (uint32_t)v, b, 4)) {
			fprintf(f, "  0x%02x  unreadable\n", v);
			continue;
		}
		unsigned off = b[0] | b[1] << 8, seg = b[2] | b[3] << 8;
		fprintf(f, "  0x%02x  %04x:%04x  (linear 0x%05x)\n", v, seg, off, (seg << 4) + off);
	}
}

static const char *seg_type_name(uint32_t hi)
{
	static const char *const sys[16] = {
		"reserved", "tss16-avail", "ldt", "tss16-busy", "call-gate16", "task-gate",
		"int-gate16", "trap-gate16", "reserved", "tss32-avail", "reserved", "tss32-busy",
		"call-gate32", "reserved", "int-gate32", "trap-gate32",
	};
	unsigned type = (hi >> 8) & 0xf;

	if (!(hi & 0x1000))
		return sys[type];
	if (type & 8)
		return (type & 2) ? "code-rx" : "code-x";
	return (type & 2) ? "data-rw" : "data-r";
}

void info_print_gdt(struct machine *m, FILE *f)
{
	struct cpu_segment gdtr;

	cpu_get_seg(m->cpu, CPU_GDTR, &gdtr);
	fprintf(f, "GDT at linear 0x%08x limit 0x%04x\n", gdtr.base, gdtr.limit);
	for (uint32_t i = 0; i < 64 && i * 8 + 7 <= gdtr.limit; i++) {
		uint8_t b[8];
		if (machine_debug_read_lin(m, gdtr.base + i * 8, b, 8)) {
			fprintf(f, "  %2u sel 0x%04x unreadable\n", i, i * 8);
			continue;
		}
		uint32_t lo = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			      (uint32_t)b[3] << 24;
		uint32_t hi = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 |
			      (uint32_t)b[7] << 24;
		if (!lo && !hi) {
			fprintf(f, "  %2u sel 0x%04x null\n", i, i * 8);
			continue;
		}
		fprintf(f, "  %2u sel 0x%04x %08x%08x base 0x%08x limit 0x%08x %-11s dpl %u%s%s%s\n",
			i, i * 8, hi, lo, desc_base(lo, hi), desc_limit(lo, hi), seg_type_name(hi),
			(hi >> 13) & 3, (hi & 0x8000) ? " P" : " not-present",
			(hi & 0x400000) ? " 32-bit" : " 16-bit", (hi & 0x800000) ? " G" : "");
	}
}

void info_print_idt(struct machine *m, FILE *f)
{
	struct cpu_segment idtr;

	if (!(cpu_get_reg(m->cpu, CPU_CR0) & CR0_PE)) {
		fprintf(f, "real mode: the IDT is the IVT\n");
		info_print_ivt(m, f, 0, 256);
		return;
	}
	cpu_get_seg(m->cpu, CPU_IDTR, &idtr);
	fprintf(f, "IDT at linear 0x%08x limit 0x%04x\n", idtr.base, idtr.limit);
	for (uint32_t v = 0; v < 256 && v * 8 + 7 <= idtr.limit; v++) {
		uint8_t b[8];
		if (machine_debug_read_lin(m, idtr.base + v * 8, b, 8)) {
			fprintf(f, "  0x%02x unreadable\n", v);
			continue;
		}
		uint32_t off = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[6] << 16 |
			       (uint32_t)b[7] << 24;
		unsigned sel = b[2] | b[3] << 8, attr = b[5];
		if (!(attr & 0x80))
			continue;
		fprintf(f, "  0x%02x  %04x:%08x  %-11s dpl %u\n", v, sel, off,
			seg_type_name((uint32_t)attr << 8), (attr >> 5) & 3);
	}
}

void info_print_tlb(struct machine *m, FILE *f)
{
	uint64_t run_lin = 0, run_pa = 0, run_len = 0;
	uint32_t run_flags = 0;
	int runs = 0;

	if (!(cpu_get_reg(m->cpu, CPU_CR0) & CR0_PG)) {
		fprintf(f, "paging disabled: linear = physical%s\n",
			machine_a20_enabled(m) ? "" : " with A20 masked");
		return;
	}
	fprintf(f, "page tables at CR3 0x%08x (present mappings, merged)\n",
		cpu_get_reg(m->cpu, CPU_CR3));
	for (uint64_t lin = 0; lin < MEM_4G; lin += MEM_PAGE_SIZE) {
		uint64_t pa;
		uint32_t flags;
		int ok = walk(m, (uint32_t)lin, &pa, &flags) == 0;
		if (ok && run_len && pa == run_pa + run_len && flags == run_flags) {
			run_len += MEM_PAGE_SIZE;
			continue;
		}
		if (run_len && runs++ < 256)
			fprintf(f, "  0x%08" PRIx64 "-0x%08" PRIx64 " -> 0x%08" PRIx64 " %s %s\n",
				run_lin, run_lin + run_len - 1, run_pa, (run_flags & PG_RW) ? "rw" : "ro",
				(run_flags & PG_US) ? "user" : "supervisor");
		run_len = 0;
		if (ok) {
			run_lin = lin;
			run_pa = pa;
			run_len = MEM_PAGE_SIZE;
			run_flags = flags;
		}
	}
	if (run_len && runs++ < 256)
		fprintf(f, "  0x%08" PRIx64 "-0x%08" PRIx64 " -> 0x%08" PRIx64 " %s %s\n", run_lin,
			run_lin + run_len - 1, run_pa, (run_flags & PG_RW) ? "rw" : "ro",
			(run_flags & PG_US) ? "user" : "supervisor");
	if (runs > 256)
		fprintf(f, "  ... %d runs in all\n", runs);
}
