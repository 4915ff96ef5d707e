/* tests/test_piix.c: PIIX3 ISA/IDE and PIIX4 PM functions and 0xCF9 (machine/piix.c), on a bus with the i440FX, driven through 0xCF8/0xCFC like SeaBIOS. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "machine/acpi_pm.h"
#include "machine/i440fx.h"
#include "machine/piix.h"
#include "tests/testutil.h"

struct fake_board {
	int resets;
	int reset_kind;
	int maps;
	uint16_t map_base;
	int map_on;
	int smis;
	int logs;
};

static void fake_reset(void *o, int kind)
{
	struct fake_board *b = o;
	b->resets++;
	b->reset_kind = kind;
}

static void fake_pm_io_map(void *o, uint16_t base, int enabled)
{
	struct fake_board *b = o;
	b->maps++;
	b->map_base = base;
	b->map_on = enabled;
}

static void fake_smi(void *o) { ((struct fake_board *)o)->smis++; }
static void fake_log(void *o, const char *msg) { ((struct fake_board *)o)->logs++; }

static struct fake_board board;
static struct pci_bus *bus;
static struct i440fx *host;
static struct acpi_pm *pm;
static struct piix *piix;

static void setup(void)
{
	memset(&board, 0, sizeof(board));
	bus = pci_bus_new();
	cr_assert(bus);
	host = i440fx_new(bus, NULL);
	struct acpi_pm_callbacks pcb = { .smi = fake_smi, .opaque = &board };
	pm = acpi_pm_new(&pcb, (struct irq_line){ 0 }, NULL);
	struct piix_callbacks cb = { fake_reset, fake_pm_io_map, &board };
	struct isa_log log = { fake_log, &board };
	piix = piix_new(bus, &cb, pm, &log);
	cr_assert(host && pm && piix);
}

static void teardown(void)
{
	pci_bus_free(bus);
	piix_free(piix);
	acpi_pm_free(pm);
	i440fx_free(host);
}

TestSuite(piix, .init = setup, .fini = teardown);

static uint32_t cfg_read(uint8_t devfn, uint8_t reg, int size)
{
	pci_cfg_addr_io_write(bus, 0, 0x80000000u | (uint32_t)devfn << 8 | (reg & 0xfc), 4);
	return pci_cfg_data_io_read(bus, reg & 3, size);
}

static void cfg_write(uint8_t devfn, uint8_t reg, uint32_t v, int size)
{
	pci_cfg_addr_io_write(bus, 0, 0x80000000u | (uint32_t)devfn << 8 | (reg & 0xfc), 4);
	pci_cfg_data_io_write(bus, reg & 3, v, size);
}

Test(piix, ids_of_the_board)
{
	cr_expect_eq(cfg_read(PCI_DEVFN(0, 0), 0, 4), 0x12378086u);
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, 0, 4), 0x70008086u);
	cr_expect_eq(cfg_read(PIIX_IDE_DEVFN, 0, 4), 0x70108086u);
	cr_expect_eq(cfg_read(PIIX_PM_DEVFN, 0, 4), 0x71138086u);
	cr_expect_eq(cfg_read(PCI_DEVFN(2, 0), 0, 4), 0xffffffffu);
	cr_expect_eq(cfg_read(PCI_DEVFN(31, 7), 0, 2), 0xffff);
	/* Class codes and revisions. */
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, 0x08, 4) >> 8, 0x060100u);
	cr_expect_eq(cfg_read(PIIX_IDE_DEVFN, 0x08, 4) >> 8, 0x010180u);
	cr_expect_eq(cfg_read(PIIX_PM_DEVFN, 0x08, 4), 0x06800003u);
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, PCI_STATUS, 2), 0x0200);
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, PCI_COMMAND, 2), 0x0007);
	cr_expect_eq(cfg_read(PIIX_PM_DEVFN, PCI_INTERRUPT_PIN, 1), 1);
}

Test(piix, multi_function_probe_like_seabios)
{
	/* Function 0's header type has bit 7: probe functions 1-7. */
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, PCI_HEADER_TYPE, 1), 0x80);
	cr_expect_eq(cfg_read(PCI_DEVFN(0, 0), PCI_HEADER_TYPE, 1), 0x00);
	int present = 0;
	for (int fn = 0; fn < 8; fn++)
		if (cfg_read(PCI_DEVFN(PIIX_DEV, fn), PCI_VENDOR_ID, 2) != 0xffff)
			present |= 1 << fn;
	cr_expect_eq(present, 0x0b);
}

Test(piix, pirq_routing)
{
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, PIIX_PIRQRC, 4), 0x80808080u);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(piix_pirq_route(piix, i), -1);
	/* SeaBIOS routes PIRQA-D to 10, 10, 11, 11. */
	cfg_write(PIIX_ISA_DEVFN, 0x60, 10, 1);
	cfg_write(PIIX_ISA_DEVFN, 0x61, 10, 1);
	cfg_write(PIIX_ISA_DEVFN, 0x62, 11, 1);
	cfg_write(PIIX_ISA_DEVFN, 0x63, 11, 1);
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, PIIX_PIRQRC, 4), 0x0b0b0a0au);
	cr_expect_eq(piix_pirq_route(piix, 0), 10);
	cr_expect_eq(piix_pirq_route(piix, 3), 11);
	/* Reserved bits 6:4 do not stick; reserved IRQs are not routed. */
	cfg_write(PIIX_ISA_DEVFN, PIIX_PIRQRC, 0x7d787f75u, 4);
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, PIIX_PIRQRC, 4), 0x0d080f05u);
	cr_expect_eq(piix_pirq_route(piix, 0), 5);
	cr_expect_eq(piix_pirq_route(piix, 1), 15);
	cr_expect_eq(piix_pirq_route(piix, 2), -1);
	cr_expect_eq(piix_pirq_route(piix, 3), -1);
	cr_expect_eq(piix_pirq_route(piix, 4), -1);
}

Test(piix, ide_bar4_sizing_and_assignment)
{
	uint8_t d = PIIX_IDE_DEVFN;
	uint32_t base, size;
	/* Compatibility mode: BAR0-3 are not implemented. */
	for (uint8_t reg = 0x10; reg < 0x20; reg += 4) {
		cfg_write(d, reg, 0xffffffffu, 4);
		cr_expect_eq(cfg_read(d, reg, 4), 0, "BAR at 0x%x", reg);
	}
	cr_expect_eq(cfg_read(d, 0x20, 4), 0x00000001u);
	uint32_t old = cfg_read(d, 0x20, 4);
	cfg_write(d, 0x20, 0xffffffffu, 4);
	cr_expect_eq(cfg_read(d, 0x20, 4), 0xfffffff1u);    /* 16 bytes of I/O */
	cfg_write(d, 0x20, old, 4);
	cr_expect_eq(cfg_read(d, 0x20, 4), 0x00000001u);
	cfg_write(d, 0x24, 0xffffffffu, 4);
	cr_expect_eq(cfg_read(d, 0x24, 4), 0);
	/* Assign 0xC000 and enable I/O (SeaBIOS writes 0x0103). */
	cfg_write(d, 0x20, 0xc000, 4);
	cfg_write(d, PCI_COMMAND, 0x0103, 2);
	cr_expect_eq(cfg_read(d, 0x20, 4), 0xc001u);
	cr_expect_eq(cfg_read(d, PCI_COMMAND, 2), 0x0001);
	cr_assert_eq(pci_function_bar_mapping(piix_ide_function(piix), 4, &base, &size), 1);
	cr_expect_eq(base, 0xc000);
	cr_expect_eq(size, 16);
	cfg_write(d, PCI_COMMAND, 0xffff, 2);
	cr_expect_eq(cfg_read(d, PCI_COMMAND, 2), 0x0005);
	/* IDETIM registers are plain storage. */
	cfg_write(d, 0x40, 0x80008000u, 4);
	cr_expect_eq(cfg_read(d, 0x40, 4), 0x80008000u);
}

Test(piix, rom_bar_probe_on_every_function)
{
	static const uint8_t devfns[] = { PCI_DEVFN(0, 0), PIIX_ISA_DEVFN, PIIX_IDE_DEVFN,
					  PIIX_PM_DEVFN };
	for (size_t i = 0; i < sizeof(devfns); i++) {
		cfg_write(devfns[i], PCI_ROM_ADDRESS, 0xfffffffeu, 4);
		cr_expect_eq(cfg_read(devfns[i], PCI_ROM_ADDRESS, 4), 0, "devfn %02x", devfns[i]);
		cfg_write(devfns[i], PCI_ROM_ADDRESS, 0, 4);
	}
}

Test(piix, pm_base_and_enable_map_the_block)
{
	uint8_t d = PIIX_PM_DEVFN;
	uint16_t base;
	cr_expect_eq(cfg_read(d, PIIX_PM_PMBA, 4), 0x00000001u);
	/* SeaBIOS: base 0x600 | 1, then PMREGMISC = 1. */
	cfg_write(d, PIIX_PM_PMBA, 0x601, 4);
	cr_expect_eq(board.maps, 0);
	cr_expect_eq(piix_pm_io_mapping(piix, &base), 0);
	cfg_write(d, PIIX_PM_PMREGMISC, 0x01, 1);
	cr_expect_eq(board.maps, 1);
	cr_expect_eq(board.map_base, 0x600);
	cr_expect_eq(board.map_on, 1);
	cr_expect_eq(piix_pm_io_mapping(piix, &base), 1);
	cr_expect_eq(base, 0x600);
	/* Bit 0 reads 1, bits 5:1 and 31:16 read 0. */
	cfg_write(d, PIIX_PM_PMBA, 0xffff063eu, 4);
	cr_expect_eq(cfg_read(d, PIIX_PM_PMBA, 4), 0x601u);
	cr_expect_eq(board.maps, 1);                /* same base: no new report */
	/* Move while enabled, then disable. */
	cfg_write(d, PIIX_PM_PMBA + 1, 0xb0, 1);
	cr_expect_eq(board.maps, 2);
	cr_expect_eq(board.map_base, 0xb000);
	cr_expect_eq(board.map_on, 1);
	cfg_write(d, PIIX_PM_PMREGMISC, 0xfe, 4);
	cr_expect_eq(cfg_read(d, PIIX_PM_PMREGMISC, 4), 0);
	cr_expect_eq(board.maps, 3);
	cr_expect_eq(board.map_base, 0xb000);
	cr_expect_eq(board.map_on, 0);
	/* Base changes while off are silent. */
	cfg_write(d, PIIX_PM_PMBA, 0x701, 4);
	cr_expect_eq(board.maps, 3);
	/* Reset while mapped reports the unmap. */
	cfg_write(d, PIIX_PM_PMREGMISC, 0x01, 1);
	cr_expect_eq(board.maps, 4);
	cr_expect_eq(board.map_base, 0x700);
	piix_reset(piix);
	cr_expect_eq(board.maps, 5);
	cr_expect_eq(board.map_on, 0);
	cr_expect_eq(cfg_read(d, PIIX_PM_PMBA, 4), 0x00000001u);
}

Test(piix, apmc_en_gates_smi)
{
	acpi_pm_apm_io_write(pm, 0, 0x00, 1);
	cr_expect_eq(board.smis, 0);
	/* bios-256k.bin: DEVACTB |= APMC_EN, then out 0xB2. */
	uint32_t v = cfg_read(PIIX_PM_DEVFN, PIIX_PM_DEVACTB, 4);
	cfg_write(PIIX_PM_DEVFN, PIIX_PM_DEVACTB, v | PIIX_PM_APMC_EN, 4);
	acpi_pm_apm_io_write(pm, 0, 0x00, 1);
	cr_expect_eq(board.smis, 1);
	/* Byte write to 0x5B clears it again. */
	cfg_write(PIIX_PM_DEVFN, PIIX_PM_DEVACTB + 3, 0, 1);
	acpi_pm_apm_io_write(pm, 0, 0x00, 1);
	cr_expect_eq(board.smis, 1);
	/* And reset clears it. */
	cfg_write(PIIX_PM_DEVFN, PIIX_PM_DEVACTB, PIIX_PM_APMC_EN, 4);
	piix_reset(piix);
	acpi_pm_apm_io_write(pm, 0, 0x00, 1);
	cr_expect_eq(board.smis, 1);
}

Test(piix, smbus_registers_minimal)
{
	uint8_t d = PIIX_PM_DEVFN;
	cr_expect_eq(cfg_read(d, PIIX_PM_SMBBA, 4), 0x00000001u);
	cfg_write(d, PIIX_PM_SMBBA, 0xffffffffu, 4);
	cr_expect_eq(cfg_read(d, PIIX_PM_SMBBA, 4), 0x0000fff1u);
	cfg_write(d, PIIX_PM_SMBBA, 0xb100, 4);
	cr_expect_eq(cfg_read(d, PIIX_PM_SMBBA, 4), 0xb101u);
	cfg_write(d, PIIX_PM_SMBHSTCFG, 0xff, 1);
	cr_expect_eq(cfg_read(d, PIIX_PM_SMBHSTCFG, 1), 0x0f);
	cfg_write(d, PIIX_PM_SMBHSTCFG, 0x09, 1);
	cr_expect_eq(board.logs, 1);                /* not modelled: logged once */
	cr_expect_eq(cfg_read(d, PIIX_PM_SMBHSTCFG, 1), 0x09);
}

Test(piix, cf9_reset_kinds)
{
	cr_expect_eq(pci_cfg_addr_io_read(bus, 1, 1), 0x00);
	/* Linux reboot=pci: SRST first, then SRST|RCPU. */
	pci_cfg_addr_io_write(bus, 1, 0x02, 1);
	cr_expect_eq(board.resets, 0);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 1, 1), 0x02);
	pci_cfg_addr_io_write(bus, 1, 0x06, 1);
	cr_expect_eq(board.resets, 1);
	cr_expect_eq(board.reset_kind, ISA_RESET_SYSTEM);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 1, 1), 0x02);
	/* RCPU without SRST: soft reset (INIT). */
	pci_cfg_addr_io_write(bus, 1, 0x04, 1);
	cr_expect_eq(board.resets, 2);
	cr_expect_eq(board.reset_kind, ISA_RESET_INIT);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 1, 1), 0x00);
	/* The dword CONFIG_ADDRESS write never hits 0xCF9. */
	pci_cfg_addr_io_write(bus, 0, 0x80000600u, 4);
	cr_expect_eq(board.resets, 2);
	/* Direct port callbacks, and reset clears SRST. */
	piix_rcr_io_write(piix, 0, 0x02, 1);
	cr_expect_eq(piix_rcr_io_read(piix, 0, 1), 0x02);
	piix_reset(piix);
	cr_expect_eq(piix_rcr_io_read(piix, 0, 1), 0x00);
}

Test(piix, reset_restores_config)
{
	cfg_write(PIIX_ISA_DEVFN, PIIX_PIRQRC, 0x0b0b0a0au, 4);
	cfg_write(PIIX_IDE_DEVFN, 0x20, 0xc000, 4);
	cfg_write(PIIX_PM_DEVFN, 0x3c, 9, 1);
	piix_reset(piix);
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, PIIX_PIRQRC, 4), 0x80808080u);
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, 0x4c, 4), 0x0003004du);
	cr_expect_eq(cfg_read(PIIX_IDE_DEVFN, 0x20, 4), 0x1u);
	cr_expect_eq(cfg_read(PIIX_PM_DEVFN, 0x3c, 1), 0);
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, PCI_HEADER_TYPE, 1), 0x80);
}

Test(piix, state_saves_config_and_rc)
{
	struct tu_state a = TU_STATE_SAVE(piix_state_visit, piix), b;
	piix_rcr_io_write(piix, 0, 0x02, 1);
	cfg_write(PIIX_ISA_DEVFN, PIIX_PIRQRC, 0x0b0b0a0au, 4);
	cfg_write(PIIX_PM_DEVFN, PIIX_PM_PMBA, 0x601, 4);
	cfg_write(PIIX_PM_DEVFN, PIIX_PM_PMREGMISC, 0x01, 1);
	cr_expect_eq(board.map_on, 1);
	b = TU_STATE_SAVE(piix_state_visit, piix);
	cr_expect(!tu_state_eq(&a, &b));

	/* Loading re-derives the PM block mapping from the loaded config. */
	cr_assert_eq(TU_STATE_LOAD(piix_state_visit, piix, &a), 0);
	cr_expect_eq(piix_rcr_io_read(piix, 0, 1), 0x00);
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, PIIX_PIRQRC, 4), 0x80808080u);
	cr_expect_eq(board.map_on, 0);
	cr_assert_eq(TU_STATE_LOAD(piix_state_visit, piix, &b), 0);
	cr_expect_eq(piix_rcr_io_read(piix, 0, 1), 0x02);
	cr_expect_eq(cfg_read(PIIX_ISA_DEVFN, PIIX_PIRQRC, 4), 0x0b0b0a0au);
	cr_expect_eq(board.map_on, 1);
	cr_expect_eq(board.map_base, 0x600);
	cr_expect(TU_STATE_SAVES_AS(piix_state_visit, piix, &b));
	tu_state_free(&a);
	tu_state_free(&b);
}

Test(piix, render)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	cr_assert(out);
	cfg_write(PIIX_IDE_DEVFN, 0x20, 0xc000, 4);
	cfg_write(PIIX_IDE_DEVFN, PCI_COMMAND, 1, 2);
	pci_bus_render(bus, out);
	fclose(out);
	const char *order[] = {
		"00:00.0 i440FX host bridge: 8086:1237 rev 02 class 0600",
		"00:01.0 PIIX3 ISA bridge: 8086:7000 rev 00 class 0601",
		"00:01.1 PIIX3 IDE: 8086:7010 rev 00 class 0101 prog-if 80",
		"BAR4: I/O at 0xc000 [size 16]\n",
		"00:01.3 PIIX4 PM: 8086:7113 rev 03 class 0680",
	};
	const char *at = text;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *hit = strstr(at, order[i]);
		cr_expect(hit, "missing or out of order: %s\n%s", order[i], text);
		if (hit)
			at = hit;
	}
	free(text);
}

Test(piix, refuses_taken_devfns)
{
	struct pci_bus *b = pci_bus_new();
	struct pci_function *f = pci_function_new("squatter", 1, 2, 0, 0);
	cr_assert_eq(pci_register(b, PIIX_IDE_DEVFN, f), 0);
	cr_expect_null(piix_new(b, NULL, NULL, NULL));
	cr_expect_null(pci_bus_function(b, PIIX_ISA_DEVFN));
	pci_bus_free(b);
	pci_function_free(f);
}
