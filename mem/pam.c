/*
 * mem/pam.c: i440FX PAM and SMRAM registers and the routing derived from
 * them (Intel 82441FX PMC datasheet 290549, §3.2 "PAM[6:0]" (config
 * 59h-5Fh) and "SMRAM" (config 72h)). The register bytes are the state; the
 * flattened view is recomputed from them after every write and after a
 * snapshot load.
 *
 *   PAM nibble:  bit 1 WE  bit 0 RE   (bits 2-3 not decoded, kept as written)
 *     0: reads ROM/PCI, writes ROM/PCI     2: reads ROM/PCI, writes DRAM
 *     1: reads DRAM,    writes ROM/PCI     3: reads DRAM,    writes DRAM
 *   PAM0 bits 7:4 -> 0xF0000-0xFFFFF; PAMn (n=1..6) bits 3:0 -> 0xC0000 +
 *   0x8000*(n-1), bits 7:4 -> the next 16 KiB.
 *
 *   SMRAM (72h): 7 rsvd | 6 D_OPEN | 5 D_CLS | 4 D_LCK | 3 G_SMRAME | 2:0 C_BASE_SEG=010
 *   0xA0000-0xBFFFF is DRAM when D_OPEN is set, or in SMM when G_SMRAME is set;
 *   otherwise the VGA/PCI window (QEMU's i440FX does the same).
 */
#include "mem/mem_internal.h"

#define PAM_LO 0xC0000u
#define PAM_HI 0x100000u
#define SMRAM_LO 0xA0000u

void mem_enable_i440fx(struct mem *m)
{
	if (m->i440fx)
		return;
	m->i440fx = 1;
	mem_view_update(m);
}

static int smram_dram_visible(const struct mem *m)
{
	if (m->smram & MEM_SMRAM_D_OPEN)
		return 1;
	return m->in_smm && (m->smram & MEM_SMRAM_G_SMRAME);
}

/* The PAM attribute nibble of the window containing pa (0xC0000-0xFFFFF). */
static unsigned pam_attr(const struct mem *m, uint64_t pa)
{
	unsigned w;

	if (pa >= 0xF0000)
		return (m->pam[0] >> 4) & 3;
	w = (unsigned)(pa - PAM_LO) / 0x4000;
	return (m->pam[1 + w / 2] >> ((w & 1) * 4)) & 3;
}

int mem_chipset_routed(const struct mem *m, uint64_t pa, int *rd_dram, int *wr_dram)
{
	unsigned a;

	if (!m->i440fx || pa < SMRAM_LO || pa >= PAM_HI)
		return 0;
	if (pa < PAM_LO) {
		*rd_dram = *wr_dram = smram_dram_visible(m);
		return 1;
	}
	a = pam_attr(m, pa);
	*rd_dram = a & 1;
	*wr_dram = (a >> 1) & 1;
	return 1;
}

void mem_pam_write(struct mem *m, int reg, uint8_t value)
{
	uint8_t old;

	if (reg < 0 || reg > 6)
		return;
	old = m->pam[reg];
	m->pam[reg] = value;
	if (m->hooks.pam_update)
		m->hooks.pam_update(m->hooks.opaque, reg, old, value);
	if (old != value)
		mem_view_update(m);
}

uint8_t mem_pam_read(const struct mem *m, int reg)
{
	if (reg < 0 || reg > 6)
		return 0xFF;
	return m->pam[reg];
}

void mem_smram_write(struct mem *m, uint8_t value)
{
	uint8_t old = m->smram, v;

	if (old & MEM_SMRAM_D_LCK) {
		/* Locked: only D_CLS stays writable. */
		v = (old & ~MEM_SMRAM_D_CLS) | (value & MEM_SMRAM_D_CLS);
	} else {
		v = value & (MEM_SMRAM_D_OPEN | MEM_SMRAM_D_CLS | MEM_SMRAM_D_LCK |
			     MEM_SMRAM_G_SMRAME);
		if (v & MEM_SMRAM_D_LCK)
			v &= ~MEM_SMRAM_D_OPEN;
	}
	v = (v & 0x78) | MEM_SMRAM_DEFAULT;
	m->smram = v;
	if (m->hooks.smram_update)
		m->hooks.smram_update(m->hooks.opaque, old, v);
	if (old != v)
		mem_view_update(m);
}

uint8_t mem_smram_read(const struct mem *m)
{
	return m->smram;
}

void mem_set_smm(struct mem *m, int in_smm)
{
	int was = smram_dram_visible(m);

	m->in_smm = !!in_smm;
	if (m->i440fx && smram_dram_visible(m) != was)
		mem_view_update(m);
}

void mem_chipset_load(struct mem *m, const uint8_t pam[7], uint8_t smram)
{
	for (int i = 0; i < 7; i++)
		m->pam[i] = pam[i];
	m->smram = smram;
	mem_view_update(m);
}

void mem_system_reset(struct mem *m)
{
	for (int i = 0; i < 7; i++)
		m->pam[i] = 0;
	m->smram = MEM_SMRAM_DEFAULT;
	m->in_smm = 0;
	mem_view_update(m);
	rom_reset(m);
}
