/*
 * machine/fw_cfg_pc.c: the fw_cfg contents of the pc machine, as QEMU's pc
 * serves them (hw/nvram/fw_cfg.c fw_cfg_common_realize, hw/i386/fw_cfg.c
 * fw_cfg_arch_create, hw/i386/pc.c) and SeaBIOS 1.16 reads them
 * (src/fw/paravirt.c qemu_cfg_init). docs/fw_cfg.md lists every item.
 */
#include "machine/fw_cfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "machine/acpi_tables.h"
#include "mem/mem.h"

#define COM1_BASE 0x3f8

void fw_cfg_pc_params_init(struct pc_fw_cfg_params *p, uint64_t ram_size)
{
	memset(p, 0, sizeof(*p));
	mem_split_ram(ram_size, &p->ram_below_4g, &p->ram_above_4g);
	p->cpus = 1;
	p->has_vga = 0;
	p->has_lapic = 1;
	p->has_ioapic = 0;
	p->boot_fail_wait = 0xffffffffu;   /* QEMU's default reboot-timeout -1 */
	p->bootorder = NULL;
	p->pm_base = 0x600;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	int i;
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* etc/e820: {le64 address, le64 length, le32 type} per RAM range (QEMU
 * hw/i386/e820_memory_layout.h struct e820_entry; pc_memory_init adds RAM
 * below and above 4 GiB, and no reservations without KVM). */
static int add_e820(struct fw_cfg *fw, const struct pc_fw_cfg_params *p)
{
	uint8_t e[2 * FW_CFG_E820_ENTRY_SIZE];
	size_t n = 0;

	memset(e, 0, sizeof(e));
	if (p->ram_below_4g) {
		put_le(e + n, 0, 8);
		put_le(e + n + 8, p->ram_below_4g, 8);
		put_le(e + n + 16, FW_CFG_E820_RAM, 4);
		n += FW_CFG_E820_ENTRY_SIZE;
	}
	if (p->ram_above_4g) {
		put_le(e + n, 1ull << 32, 8);
		put_le(e + n + 8, p->ram_above_4g, 8);
		put_le(e + n + 16, FW_CFG_E820_RAM, 4);
		n += FW_CFG_E820_ENTRY_SIZE;
	}
	return fw_cfg_add_file(fw, "etc/e820", e, n);
}

static int add_acpi(struct fw_cfg *fw, const struct pc_fw_cfg_params *p)
{
	struct acpi_pc_config c;
	struct acpi_blobs b;
	int r;

	acpi_pc_config_init(&c, p->ram_below_4g);
	c.pm_base = p->pm_base;
	c.has_lapic = p->has_lapic;
	if ((r = acpi_tables_build(&c, &b)))
		return r;
	if (!(r = fw_cfg_add_file(fw, ACPI_TABLES_FILE, b.tables, b.tables_len)) &&
	    !(r = fw_cfg_add_file(fw, ACPI_RSDP_FILE, b.rsdp, b.rsdp_len)))
		r = fw_cfg_add_file(fw, ACPI_LOADER_FILE, b.loader, b.loader_len);
	acpi_blobs_free(&b);
	return r;
}

int fw_cfg_setup_pc(struct fw_cfg *fw, const struct pc_fw_cfg_params *p)
{
	uint16_t cpus = p->cpus ? p->cpus : 1;
	size_t numa_len = (1 + (size_t)cpus) * 8;
	uint8_t *numa;
	uint8_t b[4];
	int r;

	/* fw_cfg_common_realize(): no graphics, no boot menu. */
	if ((r = fw_cfg_add_i16(fw, FW_CFG_NOGRAPHIC, p->has_vga ? 0 : 1)) ||
	    (r = fw_cfg_add_i16(fw, FW_CFG_BOOT_MENU, 0)))
		return r;
	/* fw_cfg_arch_create(): CPU counts (max_cpus is the APIC id limit),
	 * RAM size, IRQ0 override, legacy ACPI table count. */
	if ((r = fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, cpus)) ||
	    (r = fw_cfg_add_i16(fw, FW_CFG_MAX_CPUS, cpus)) ||
	    (r = fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, p->ram_below_4g + p->ram_above_4g)) ||
	    (r = fw_cfg_add_i32(fw, FW_CFG_IRQ0_OVERRIDE, p->has_ioapic ? 1 : 0)) ||
	    (r = fw_cfg_add_i16(fw, FW_CFG_ACPI_TABLES, 0)))
		return r;
	/* NUMA: le64 node count (0), one le64 node per APIC id, no node sizes. */
	numa = calloc(1, numa_len);
	if (!numa)
		return -ENOMEM;
	r = fw_cfg_add_bytes(fw, FW_CFG_NUMA, numa, numa_len);
	free(numa);
	if (r)
		return r;
	if ((r = add_e820(fw, p)))
		return r;
	/* fw_cfg_reboot(): le32 reboot timeout. */
	put_le(b, p->boot_fail_wait, 4);
	if ((r = fw_cfg_add_file(fw, "etc/boot-fail-wait", b, 4)))
		return r;
	/* SeaBIOS sercon: without VGA, draw the BIOS screen on COM1 (le16). */
	if (!p->has_vga) {
		put_le(b, COM1_BASE, 2);
		if ((r = fw_cfg_add_file(fw, "etc/sercon-port", b, 2)))
			return r;
	}
	if (p->bootorder &&
	    (r = fw_cfg_add_file(fw, "bootorder", p->bootorder, strlen(p->bootorder) + 1)))
		return r;
	return add_acpi(fw, p);
}
