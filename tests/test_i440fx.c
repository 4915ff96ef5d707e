/* tests/test_i440fx.c: the 82441FX host bridge at 00:00.0 (machine/i440fx.c), through 0xCF8/0xCFC. */
#include <criterion/criterion.h>
#include <string.h>

#include "machine/i440fx.h"
#include "mem/mem.h"
#include "tests/testutil.h"

/* Fake mem/: PAM and SMRAM bytes plus a log of every write, in order. */
struct fake_chipset {
	uint8_t pam[7];
	uint8_t smram;
	int nwrites;
	struct { int reg; uint8_t v; } log[64];
	int smram_writes;
};

static void fake_pam_write(void *o, int reg, uint8_t v)
{
	struct fake_chipset *c = o;
	cr_assert(reg >= 0 && reg < 7);
	c->pam[reg] = v;
	cr_assert_lt(c->nwrites, 64);
	c->log[c->nwrites].reg = reg;
	c->log[c->nwrites].v = v;
	c->nwrites++;
}

static uint8_t fake_pam_read(void *o, int reg)
{
	return ((struct fake_chipset *)o)->pam[reg];
}

static void fake_smram_write(void *o, uint8_t v)
{
	struct fake_chipset *c = o;
	c->smram = v;
	c->smram_writes++;
}

static uint8_t fake_smram_read(void *o)
{
	return ((struct fake_chipset *)o)->smram;
}

static struct pci_bus *bus;
static struct i440fx *host;
static struct fake_chipset chip;

static void setup(void)
{
	memset(&chip, 0, sizeof(chip));
	chip.smram = I440FX_SMRAM_DEFAULT;
	struct i440fx_chipset_ops ops = {
		fake_pam_write, fake_pam_read, fake_smram_write, fake_smram_read, &chip,
	};
	bus = pci_bus_new();
	cr_assert(bus);
	host = i440fx_new(bus, &ops);
	cr_assert(host);
}

static void teardown(void)
{
	pci_bus_free(bus);
	i440fx_free(host);
}

TestSuite(i440fx, .init = setup, .fini = teardown);

static uint32_t cfg_read(uint8_t reg, int size)
{
	pci_cfg_addr_io_write(bus, 0, 0x80000000u | (reg & 0xfc), 4);
	return pci_cfg_data_io_read(bus, reg & 3, size);
}

static void cfg_write(uint8_t reg, uint32_t v, int size)
{
	pci_cfg_addr_io_write(bus, 0, 0x80000000u | (reg & 0xfc), 4);
	pci_cfg_data_io_write(bus, reg & 3, v, size);
}

Test(i440fx, ids)
{
	cr_expect_eq(cfg_read(0x00, 4), 0x12378086u);
	cr_expect_eq(cfg_read(0x08, 4), 0x06000002u);   /* class 0600, rev 02 */
	cr_expect_eq(cfg_read(0x0e, 1), 0x00);          /* single function */
	cr_expect_eq(cfg_read(0x06, 2), 0x0280);
	/* SeaBIOS recognises QEMU's machine by these (fw_cfg depends on it). */
	cr_expect_eq(cfg_read(PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
	cr_expect_eq(cfg_read(PCI_SUBSYSTEM_ID, 2), 0x1100);
	cr_expect_eq(cfg_read(0x2c, 4), 0x11001af4u);
	cfg_write(0x2c, 0, 4);
	cr_expect_eq(cfg_read(0x2c, 4), 0x11001af4u);
	cr_expect_eq(pci_bus_function(bus, PCI_DEVFN(0, 0)), i440fx_function(host));
	/* No BARs, no ROM. */
	cfg_write(0x10, 0xffffffffu, 4);
	cr_expect_eq(cfg_read(0x10, 4), 0);
	cfg_write(PCI_ROM_ADDRESS, 0xfffffffeu, 4);
	cr_expect_eq(cfg_read(PCI_ROM_ADDRESS, 4), 0);
}

Test(i440fx, pam_dwords_like_seabios)
{
	/* SeaBIOS reads PAM0 first: BIOS not shadowed. */
	cr_expect_eq(cfg_read(0x59, 1), 0);
	cfg_write(0x58, 0x33333000u, 4);
	cfg_write(0x5c, 0x33333333u, 4);
	cr_assert_eq(chip.nwrites, 7);
	for (int i = 0; i < 7; i++) {
		cr_expect_eq(chip.log[i].reg, i);
		cr_expect_eq(chip.log[i].v, i == 0 ? 0x30 : 0x33, "PAM%d = %02x", i, chip.log[i].v);
	}
	cr_expect_eq(cfg_read(0x58, 4), 0x33333000u);
	cr_expect_eq(cfg_read(0x5c, 4), 0x33333333u);
	cr_expect_eq(cfg_read(0x59, 1), 0x30);
	cr_expect_eq(cfg_read(0x5e, 2), 0x3333);

	/* End of POST: read-only except 0xEC000-0xEFFFF. */
	cfg_write(0x58, 0x11111000u, 4);
	cfg_write(0x5c, 0x31111111u, 4);
	cr_assert_eq(chip.nwrites, 14);
	static const uint8_t want[7] = { 0x10, 0x11, 0x11, 0x11, 0x11, 0x11, 0x31 };
	for (int i = 0; i < 7; i++)
		cr_expect_eq(chip.pam[i], want[i], "PAM%d = %02x", i, chip.pam[i]);
	cr_expect_eq(chip.log[13].reg, 6);
}

Test(i440fx, pam_byte_and_reserved_bits)
{
	/* Byte write to PAM3 only; reserved bits 7:6 and 3:2 never reach mem. */
	cfg_write(0x5c, 0xff, 1);
	cr_assert_eq(chip.nwrites, 1);
	cr_expect_eq(chip.log[0].reg, 3);
	cr_expect_eq(chip.log[0].v, 0x33);
	/* PAM0's low nibble is reserved. */
	cfg_write(0x59, 0xff, 1);
	cr_expect_eq(chip.pam[0], 0x30);
	/* 0x58 is not a PAM register: storage only, no PAM write. */
	cfg_write(0x58, 0xa5, 1);
	cr_expect_eq(chip.nwrites, 2);
	cr_expect_eq(cfg_read(0x58, 1), 0xa5);
	/* Word write spanning 0x5F and 0x60: PAM6 and DRB0. */
	cfg_write(0x5e, 0x1122, 2);
	cr_expect_eq(chip.nwrites, 4);
	cr_expect_eq(chip.pam[5], 0x22);
	cr_expect_eq(chip.pam[6], 0x11);
	/* The state is mem's: a change there shows through config reads. */
	chip.pam[2] = 0x13;
	cr_expect_eq(cfg_read(0x5b, 1), 0x13);
	/* And is never cached in config space (nothing stale to hash). */
	cr_expect_eq(pci_function_get(i440fx_function(host), 0x59, 4), 0);
}

Test(i440fx, smram_open_close)
{
	cr_expect_eq(cfg_read(I440FX_SMRAM, 1), 0x02);
	/* bios-256k.bin: open SMRAM, then close it. */
	cfg_write(I440FX_SMRAM, 0x4a, 1);
	cr_expect_eq(chip.smram, 0x4a);
	cfg_write(I440FX_SMRAM, 0x0a, 1);
	cr_expect_eq(chip.smram, 0x0a);
	cr_expect_eq(cfg_read(I440FX_SMRAM, 1), 0x0a);
	/* C_BASE_SEG is fixed at 010b, bit 7 reserved. */
	cfg_write(I440FX_SMRAM, 0x87, 1);
	cr_expect_eq(chip.smram, 0x02);
	/* Reached by a dword write at 0x70 too. */
	cfg_write(0x70, 0x00280000u, 4);
	cr_expect_eq(chip.smram, 0x2a);
	cr_expect_eq(cfg_read(0x70, 4), 0x002a0000u);
}

Test(i440fx, smram_d_lck)
{
	/* Setting D_LCK clears D_OPEN in the same write. */
	cfg_write(I440FX_SMRAM, 0x4a, 1);
	cfg_write(I440FX_SMRAM, 0x5a, 1);
	cr_expect_eq(chip.smram, 0x1a);
	/* Locked: D_OPEN cannot be set, D_LCK and G_SMRAME cannot be cleared... */
	cfg_write(I440FX_SMRAM, 0x4a, 1);
	cr_expect_eq(chip.smram, 0x1a);
	cfg_write(I440FX_SMRAM, 0x00, 1);
	cr_expect_eq(chip.smram, 0x1a);
	/* ...while D_CLS stays writable. */
	cfg_write(I440FX_SMRAM, 0x20, 1);
	cr_expect_eq(chip.smram, 0x3a);
	cr_expect_eq(cfg_read(I440FX_SMRAM, 1), 0x3a);
	cfg_write(I440FX_SMRAM, 0x18, 1);
	cr_expect_eq(chip.smram, 0x1a);
	/* Reset of the lock is mem's business (system reset sets 0x02). */
	chip.smram = I440FX_SMRAM_DEFAULT;
	i440fx_reset(host);
	cfg_write(I440FX_SMRAM, 0x4a, 1);
	cr_expect_eq(chip.smram, 0x4a);
}

Test(i440fx, reset_and_state)
{
	struct tu_state a, b;
	cfg_write(PCI_COMMAND, 0x0103, 2);
	cfg_write(0x0d, 0x40, 1);
	cr_expect_eq(cfg_read(PCI_COMMAND, 2), 0x0103);
	i440fx_reset(host);
	cr_expect_eq(cfg_read(PCI_COMMAND, 2), 0);
	cr_expect_eq(cfg_read(0x0d, 1), 0);
	cr_expect_eq(cfg_read(0x00, 4), 0x12378086u);
	cr_expect_eq(cfg_read(0x2c, 4), 0x11001af4u);

	/* The state is the config space: a change shows in the saved bytes,
	 * and loading the reset state brings the register back. */
	a = TU_STATE_SAVE(i440fx_state_visit, host);
	cfg_write(0x0d, 0x40, 1);
	b = TU_STATE_SAVE(i440fx_state_visit, host);
	cr_expect(!tu_state_eq(&a, &b));
	cr_assert_eq(TU_STATE_LOAD(i440fx_state_visit, host, &a), 0);
	cr_expect_eq(cfg_read(0x0d, 1), 0);
	cr_expect_eq(cfg_read(0x00, 4), 0x12378086u);
	cr_expect(TU_STATE_SAVES_AS(i440fx_state_visit, host, &a));
	tu_state_free(&a);
	tu_state_free(&b);
}

Test(i440fx, null_ops_are_open_bus_safe)
{
	struct pci_bus *b = pci_bus_new();
	struct i440fx *h = i440fx_new(b, NULL);
	cr_assert(h);
	/* Second host bridge on the same bus: refused. */
	cr_expect_null(i440fx_new(b, NULL));
	pci_bus_config_write(b, 0, 0, 0x58, 0x33333000u, 4);
	pci_bus_config_write(b, 0, 0, 0x72, 0x4a, 1);
	cr_expect_eq(pci_bus_config_read(b, 0, 0, 0x59, 1), 0);
	cr_expect_eq(pci_bus_config_read(b, 0, 0, 0x72, 1), 0x02);
	pci_bus_free(b);
	i440fx_free(h);
}

/* The board's wiring: the chipset ops on the real mem/ (mem_pam_* and
 * mem_smram_*), so both sides agree on PAM values and the D_LCK rule. */
static void mem_ops_pam_write(void *o, int reg, uint8_t v) { mem_pam_write(o, reg, v); }
static uint8_t mem_ops_pam_read(void *o, int reg) { return mem_pam_read(o, reg); }
static void mem_ops_smram_write(void *o, uint8_t v) { mem_smram_write(o, v); }
static uint8_t mem_ops_smram_read(void *o) { return mem_smram_read(o); }

Test(i440fx, wired_to_mem)
{
	struct mem *m = mem_new(1 << 20);
	cr_assert(m);
	mem_enable_i440fx(m);
	struct i440fx_chipset_ops ops = {
		mem_ops_pam_write, mem_ops_pam_read, mem_ops_smram_write, mem_ops_smram_read, m,
	};
	struct pci_bus *b = pci_bus_new();
	struct i440fx *h = i440fx_new(b, &ops);
	cr_assert(h);
	pci_bus_config_write(b, 0, 0, 0x58, 0x33333000u, 4);
	pci_bus_config_write(b, 0, 0, 0x5c, 0x31111111u, 4);
	cr_expect_eq(mem_pam_read(m, 0), 0x30);
	cr_expect_eq(mem_pam_read(m, 6), 0x31);
	cr_expect_eq(pci_bus_config_read(b, 0, 0, 0x5c, 4), 0x31111111u);
	cr_expect_eq(pci_bus_config_read(b, 0, 0, 0x72, 1), 0x02);
	pci_bus_config_write(b, 0, 0, 0x72, 0x4a, 1);
	pci_bus_config_write(b, 0, 0, 0x72, 0x1a, 1);
	pci_bus_config_write(b, 0, 0, 0x72, 0x42, 1);
	cr_expect_eq(pci_bus_config_read(b, 0, 0, 0x72, 1), 0x1a);
	mem_system_reset(m);
	i440fx_reset(h);
	cr_expect_eq(pci_bus_config_read(b, 0, 0, 0x72, 1), 0x02);
	cr_expect_eq(pci_bus_config_read(b, 0, 0, 0x58, 4), 0);
	pci_bus_free(b);
	i440fx_free(h);
	mem_free(m);
}
