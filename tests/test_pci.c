/* tests/test_pci.c: configuration mechanism #1 and the generic config space (machine/pci.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "machine/pci.h"
#include "tests/testutil.h"

static uint32_t cfg_read(struct pci_bus *b, uint8_t devfn, uint8_t reg, int size)
{
	pci_cfg_addr_io_write(b, 0, 0x80000000u | (uint32_t)devfn << 8 | (reg & 0xfc), 4);
	return pci_cfg_data_io_read(b, reg & 3, size);
}

static void cfg_write(struct pci_bus *b, uint8_t devfn, uint8_t reg, uint32_t v, int size)
{
	pci_cfg_addr_io_write(b, 0, 0x80000000u | (uint32_t)devfn << 8 | (reg & 0xfc), 4);
	pci_cfg_data_io_write(b, reg & 3, v, size);
}

/* A bus with one test function at 00:03.0: 1234:5678 rev 09, class 0x020000. */
static struct pci_bus *bus;
static struct pci_function *fn;

static void setup(void)
{
	bus = pci_bus_new();
	fn = pci_function_new("test", 0x1234, 0x5678, 0x09, 0x020000);
	cr_assert(bus && fn);
	cr_assert_eq(pci_register(bus, PCI_DEVFN(3, 0), fn), 0);
}

static void teardown(void)
{
	pci_bus_free(bus);
	pci_function_free(fn);
}

TestSuite(pci, .init = setup, .fini = teardown);

Test(pci, config_address_reads_back)
{
	pci_cfg_addr_io_write(bus, 0, 0x80000000u, 4);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 0, 4), 0x80000000u);
	pci_cfg_addr_io_write(bus, 0, 0x80001858u, 4);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 0, 4), 0x80001858u);
	/* PCI 3.0 §3.2.2.3.2: bits 30:24 and 1:0 are reserved and read 0. */
	pci_cfg_addr_io_write(bus, 0, 0xffffffffu, 4);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 0, 4), 0x80fffffcu);
	pci_bus_reset(bus);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 0, 4), 0);
}

Test(pci, non_dword_cf8_is_not_config_address)
{
	pci_cfg_addr_io_write(bus, 0, 0x80000000u, 4);
	pci_cfg_addr_io_write(bus, 0, 0x12, 1);
	pci_cfg_addr_io_write(bus, 0, 0x3456, 2);
	pci_cfg_addr_io_write(bus, 2, 0x7f, 1);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 0, 4), 0x80000000u);
	/* No 0xCF9 handler: the byte ports read as open bus. */
	cr_expect_eq(pci_cfg_addr_io_read(bus, 0, 1), 0xff);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 1, 1), 0xff);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 0, 2), 0xffff);
}

static uint8_t cf9_value;
static int cf9_writes;

static uint32_t cf9_read(void *opaque, uint32_t offset, int size)
{
	cr_expect_eq(offset, 0);
	cr_expect_eq(size, 1);
	return *(uint8_t *)opaque;
}

static void cf9_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	cr_expect_eq(offset, 0);
	cr_expect_eq(size, 1);
	*(uint8_t *)opaque = (uint8_t)value;
	cf9_writes++;
}

Test(pci, cf9_byte_goes_to_handler)
{
	cf9_value = 0x02;
	cf9_writes = 0;
	pci_bus_set_cf9_handler(bus, cf9_read, cf9_write, &cf9_value);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 1, 1), 0x02);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 0, 2), 0x02ff);
	pci_cfg_addr_io_write(bus, 1, 0x06, 1);
	cr_expect_eq(cf9_value, 0x06);
	cr_expect_eq(cf9_writes, 1);
	/* A dword write at 0xCF8 is CONFIG_ADDRESS only, never 0xCF9. */
	pci_cfg_addr_io_write(bus, 0, 0x80000100u, 4);
	cr_expect_eq(cf9_writes, 1);
	/* A word write at 0xCF8 carries byte 1 to 0xCF9. */
	pci_cfg_addr_io_write(bus, 0, 0x0400, 2);
	cr_expect_eq(cf9_value, 0x04);
	cr_expect_eq(cf9_writes, 2);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 0, 4), 0x80000100u);
}

Test(pci, ids_and_widths)
{
	uint8_t d = PCI_DEVFN(3, 0);
	cr_expect_eq(cfg_read(bus, d, 0x00, 4), 0x56781234u);
	cr_expect_eq(cfg_read(bus, d, 0x00, 2), 0x1234);
	cr_expect_eq(cfg_read(bus, d, 0x02, 2), 0x5678);
	cr_expect_eq(cfg_read(bus, d, 0x00, 1), 0x34);
	cr_expect_eq(cfg_read(bus, d, 0x01, 1), 0x12);
	cr_expect_eq(cfg_read(bus, d, 0x02, 1), 0x78);
	cr_expect_eq(cfg_read(bus, d, 0x03, 1), 0x56);
	cr_expect_eq(cfg_read(bus, d, 0x08, 4), 0x02000009u);
	cr_expect_eq(cfg_read(bus, d, 0x0a, 2), 0x0200);
	/* IDs, revision and class are read-only. */
	cfg_write(bus, d, 0x00, 0xffffffffu, 4);
	cfg_write(bus, d, 0x08, 0xffffffffu, 4);
	cr_expect_eq(cfg_read(bus, d, 0x00, 4), 0x56781234u);
	cr_expect_eq(cfg_read(bus, d, 0x08, 4), 0x02000009u);
	/* A dword at 0xCFD spills past 0xCFF: those bytes are open bus. */
	pci_cfg_addr_io_write(bus, 0, 0x80000000u | (uint32_t)d << 8, 4);
	cr_expect_eq(pci_cfg_data_io_read(bus, 1, 4), 0xff567812u);
}

Test(pci, absent_functions_read_all_ones)
{
	cr_expect_eq(cfg_read(bus, PCI_DEVFN(2, 0), 0x00, 4), 0xffffffffu);
	cr_expect_eq(cfg_read(bus, PCI_DEVFN(2, 0), 0x00, 2), 0xffff);
	cr_expect_eq(cfg_read(bus, PCI_DEVFN(3, 1), 0x0e, 1), 0xff);
	/* Bus 1 does not exist. */
	pci_cfg_addr_io_write(bus, 0, 0x80010000u | PCI_DEVFN(3, 0) << 8, 4);
	cr_expect_eq(pci_cfg_data_io_read(bus, 0, 4), 0xffffffffu);
	/* Enable bit clear: not a configuration cycle. */
	pci_cfg_addr_io_write(bus, 0, (uint32_t)PCI_DEVFN(3, 0) << 8, 4);
	cr_expect_eq(pci_cfg_data_io_read(bus, 0, 4), 0xffffffffu);
	pci_cfg_data_io_write(bus, 0, 0, 4);
	cr_expect_eq(cfg_read(bus, PCI_DEVFN(3, 0), 0x00, 4), 0x56781234u);
	/* Writes to absent functions are dropped without harm. */
	cfg_write(bus, PCI_DEVFN(2, 0), 0x04, 0x0107, 2);
}

Test(pci, command_status_and_header)
{
	uint8_t d = PCI_DEVFN(3, 0);
	cfg_write(bus, d, PCI_COMMAND, 0xffff, 2);
	cr_expect_eq(cfg_read(bus, d, PCI_COMMAND, 2), 0x0147);
	cfg_write(bus, d, PCI_COMMAND, 0x0103, 2);
	cr_expect_eq(cfg_read(bus, d, PCI_COMMAND, 2), 0x0103);
	/* Status: writing ones clears the error bits only (PCI 3.0 §6.2.3). */
	pci_function_set(fn, PCI_STATUS, 0x8280 | 0x2000, 2);
	cfg_write(bus, d, PCI_STATUS, 0x2000, 2);
	cr_expect_eq(cfg_read(bus, d, PCI_STATUS, 2), 0x8280);
	cfg_write(bus, d, PCI_STATUS, 0xffff, 2);
	cr_expect_eq(cfg_read(bus, d, PCI_STATUS, 2), 0x0280);
	/* A dword write at 0x04 touches command and status together. */
	pci_function_set(fn, PCI_STATUS, 0x4280, 2);
	cfg_write(bus, d, PCI_COMMAND, 0x40000005u, 4);
	cr_expect_eq(cfg_read(bus, d, PCI_COMMAND, 4), 0x02800005u);
	/* Cache line, latency, interrupt line writable; header type, BIST, pin not. */
	cfg_write(bus, d, 0x0c, 0xffffffffu, 4);
	cr_expect_eq(cfg_read(bus, d, 0x0c, 4), 0x0000ffffu);
	cfg_write(bus, d, 0x3c, 0xffffffffu, 4);
	cr_expect_eq(cfg_read(bus, d, 0x3c, 4), 0x000000ffu);
	/* Subsystem IDs and the capability pointer are read-only. */
	cfg_write(bus, d, PCI_SUBSYSTEM_VENDOR_ID, 0xffffffffu, 4);
	cr_expect_eq(cfg_read(bus, d, PCI_SUBSYSTEM_VENDOR_ID, 4), 0);
	cfg_write(bus, d, PCI_CAPABILITY_LIST, 0xff, 1);
	cr_expect_eq(cfg_read(bus, d, PCI_CAPABILITY_LIST, 1), 0);
	/* Device-specific space is plain storage by default. */
	cfg_write(bus, d, 0x80, 0xa5a55a5au, 4);
	cr_expect_eq(cfg_read(bus, d, 0x80, 4), 0xa5a55a5au);
	cr_expect_eq(cfg_read(bus, d, 0x82, 2), 0xa5a5);
	cfg_write(bus, d, 0xff, 0x11, 1);
	cr_expect_eq(cfg_read(bus, d, 0xfc, 4), 0x11000000u);
}

Test(pci, bar_sizing)
{
	uint8_t d = PCI_DEVFN(3, 0);
	uint32_t base, size;

	cr_assert_eq(pci_function_add_bar(fn, 0, 0x1000, PCI_BAR_MEM), 0);
	cr_assert_eq(pci_function_add_bar(fn, 1, 0x100000, PCI_BAR_MEM_PREFETCH), 0);
	cr_assert_eq(pci_function_add_bar(fn, 4, 32, PCI_BAR_IO), 0);
	cr_expect_eq(pci_function_add_bar(fn, 2, 24, PCI_BAR_IO), -EINVAL);
	cr_expect_eq(pci_function_add_bar(fn, 2, 8, PCI_BAR_MEM), -EINVAL);
	cr_expect_eq(pci_function_add_bar(fn, 6, 16, PCI_BAR_IO), -EINVAL);
	cr_expect_eq(pci_function_add_bar(fn, 2, 16, 0x4), -EINVAL);

	/* Type bits before sizing (PCI 3.0 §6.2.5.1). */
	cr_expect_eq(cfg_read(bus, d, 0x10, 4), 0x0);
	cr_expect_eq(cfg_read(bus, d, 0x14, 4), 0x8);
	cr_expect_eq(cfg_read(bus, d, 0x20, 4), 0x1);
	/* Write all-ones, read the size mask back with the type bits. */
	static const struct { uint8_t reg; uint32_t mask; } want[] = {
		{ 0x10, 0xfffff000u }, { 0x14, 0xfff00008u }, { 0x18, 0 }, { 0x1c, 0 },
		{ 0x20, 0xffffffe1u }, { 0x24, 0 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint32_t old = cfg_read(bus, d, want[i].reg, 4);
		cfg_write(bus, d, want[i].reg, 0xffffffffu, 4);
		cr_expect_eq(cfg_read(bus, d, want[i].reg, 4), want[i].mask, "BAR 0x%x: %08x",
			     want[i].reg, cfg_read(bus, d, want[i].reg, 4));
		cfg_write(bus, d, want[i].reg, old, 4);
	}
	/* Assign; decode follows the command register. */
	cfg_write(bus, d, 0x10, 0xfebf1234u, 4);
	cr_expect_eq(cfg_read(bus, d, 0x10, 4), 0xfebf1000u);
	cfg_write(bus, d, 0x20, 0xc041, 4);
	cr_expect_eq(cfg_read(bus, d, 0x20, 4), 0xc041u);
	cr_expect_eq(pci_function_bar_mapping(fn, 4, &base, &size), 0);
	cfg_write(bus, d, PCI_COMMAND, PCI_COMMAND_IO, 2);
	cr_expect_eq(pci_function_bar_mapping(fn, 4, &base, &size), 1);
	cr_expect_eq(base, 0xc040);
	cr_expect_eq(size, 32);
	cr_expect_eq(pci_function_bar_mapping(fn, 0, &base, &size), 0);
	cfg_write(bus, d, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
	cr_expect_eq(pci_function_bar_mapping(fn, 0, &base, &size), 1);
	cr_expect_eq(base, 0xfebf1000u);
	cr_expect_eq(size, 0x1000);
	/* BAR1 has address 0: not decoded. Absent BARs never are. */
	cr_expect_eq(pci_function_bar_mapping(fn, 1, &base, &size), 0);
	cr_expect_eq(pci_function_bar_mapping(fn, 3, &base, &size), 0);
}

Test(pci, rom_bar_probe)
{
	uint8_t d = PCI_DEVFN(3, 0);
	uint32_t base, size;

	/* No ROM: the ROM BAR reads 0 whatever is written. */
	cfg_write(bus, d, PCI_ROM_ADDRESS, 0xfffffffeu, 4);
	cr_expect_eq(cfg_read(bus, d, PCI_ROM_ADDRESS, 4), 0);
	cfg_write(bus, d, PCI_ROM_ADDRESS, 0xffffffffu, 4);
	cr_expect_eq(cfg_read(bus, d, PCI_ROM_ADDRESS, 4), 0);
	cr_expect_eq(pci_function_bar_mapping(fn, PCI_ROM_SLOT, &base, &size), 0);

	/* A 64 KiB ROM: address bits 31:16 and the enable bit (§6.2.5.2). */
	cr_expect_eq(pci_function_add_rom(fn, 1024), -EINVAL);
	cr_expect_eq(pci_function_add_rom(fn, 0x3000), -EINVAL);
	cr_assert_eq(pci_function_add_rom(fn, 0x10000), 0);
	cfg_write(bus, d, PCI_ROM_ADDRESS, 0xfffffffeu, 4);
	cr_expect_eq(cfg_read(bus, d, PCI_ROM_ADDRESS, 4), 0xffff0000u);
	cfg_write(bus, d, PCI_ROM_ADDRESS, 0xfeb00001u, 4);
	cr_expect_eq(cfg_read(bus, d, PCI_ROM_ADDRESS, 4), 0xfeb00001u);
	cr_expect_eq(pci_function_bar_mapping(fn, PCI_ROM_SLOT, &base, &size), 0);
	cfg_write(bus, d, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	cr_expect_eq(pci_function_bar_mapping(fn, PCI_ROM_SLOT, &base, &size), 1);
	cr_expect_eq(base, 0xfeb00000u);
	cr_expect_eq(size, 0x10000);
	cfg_write(bus, d, PCI_ROM_ADDRESS, 0xfeb00000u, 4);
	cr_expect_eq(pci_function_bar_mapping(fn, PCI_ROM_SLOT, &base, &size), 0);
}

struct hook_log {
	int writes;
	uint8_t reg;
	uint32_t value;
	int size;
	uint8_t old[4];
};

static void hook_write(void *opaque, struct pci_function *f, uint8_t reg, uint32_t value,
		       int size, const uint8_t *old)
{
	struct hook_log *l = opaque;
	l->writes++;
	l->reg = reg;
	l->value = value;
	l->size = size;
	memcpy(l->old, old, (size_t)size);
}

static uint32_t hook_read(void *opaque, struct pci_function *f, uint8_t reg, int size,
			  uint32_t value)
{
	/* Overlay byte 0x90 with a live value, like a register kept elsewhere. */
	for (int i = 0; i < size; i++)
		if (reg + i == 0x90)
			value = (value & ~(0xffu << (8 * i))) | (0x5au << (8 * i));
	return value;
}

Test(pci, hooks)
{
	static const struct pci_function_ops ops = { hook_read, hook_write };
	struct hook_log log = { 0 };
	uint8_t d = PCI_DEVFN(3, 0);

	pci_function_set_ops(fn, &ops, &log);
	pci_function_set_wmask(fn, 0x90, 0, 1);
	cfg_write(bus, d, 0x44, 0x11223344u, 4);
	cfg_write(bus, d, 0x45, 0xaabb, 2);
	cr_expect_eq(log.writes, 2);
	cr_expect_eq(log.reg, 0x45);
	cr_expect_eq(log.value, 0xaabb);
	cr_expect_eq(log.size, 2);
	cr_expect_eq(log.old[0], 0x33);
	cr_expect_eq(log.old[1], 0x22);
	cr_expect_eq(cfg_read(bus, d, 0x44, 4), 0x11aabb44u);
	/* Read overlay: any width covering 0x90 sees the live byte. */
	cfg_write(bus, d, 0x90, 0x77777777u, 4);
	cr_expect_eq(cfg_read(bus, d, 0x90, 4), 0x7777775au);
	cr_expect_eq(cfg_read(bus, d, 0x90, 1), 0x5a);
	cr_expect_eq(cfg_read(bus, d, 0x91, 1), 0x77);
	cr_expect_eq(pci_function_get(fn, 0x90, 1), 0);
}

Test(pci, register_and_reset)
{
	struct pci_function *g = pci_function_new("other", 0x8086, 0x1111, 0, 0x068000);
	cr_assert(g);
	cr_expect_eq(pci_register(bus, PCI_DEVFN(3, 0), g), -EBUSY);
	cr_expect_eq(pci_register(bus, PCI_DEVFN(3, 0), fn), -EINVAL);
	cr_expect_eq(pci_register(bus, PCI_DEVFN(3, 2), g), 0);
	cr_expect_eq(pci_bus_function(bus, PCI_DEVFN(3, 2)), g);
	cr_expect_null(pci_bus_function(bus, PCI_DEVFN(3, 1)));
	cr_expect_eq(cfg_read(bus, PCI_DEVFN(3, 2), 0, 4), 0x11118086u);

	pci_function_set_default(fn, 0x40, 0x0001, 2);
	cfg_write(bus, PCI_DEVFN(3, 0), 0x40, 0xabcd, 2);
	cfg_write(bus, PCI_DEVFN(3, 0), PCI_COMMAND, 0x7, 2);
	cr_expect_eq(cfg_read(bus, PCI_DEVFN(3, 0), 0x40, 2), 0xabcd);
	pci_function_reset(fn);
	cr_expect_eq(cfg_read(bus, PCI_DEVFN(3, 0), 0x40, 2), 0x0001);
	cr_expect_eq(cfg_read(bus, PCI_DEVFN(3, 0), PCI_COMMAND, 2), 0);
	cr_expect_eq(cfg_read(bus, PCI_DEVFN(3, 0), 0, 4), 0x56781234u);
	/* g is freed while registered on a bus that dies first (teardown). */
	pci_bus_free(bus);
	bus = pci_bus_new();
	pci_function_free(g);
}

Test(pci, state_saves_config_and_address)
{
	struct tu_state a = TU_STATE_SAVE(pci_function_state_visit, fn), b, c;
	cfg_write(bus, PCI_DEVFN(3, 0), 0x3c, 0x0b, 1);
	b = TU_STATE_SAVE(pci_function_state_visit, fn);
	cr_expect(!tu_state_eq(&a, &b));
	cr_assert_eq(TU_STATE_LOAD(pci_function_state_visit, fn, &a), 0);
	cr_expect_eq(cfg_read(bus, PCI_DEVFN(3, 0), 0x3c, 1), 0);
	cr_assert_eq(TU_STATE_LOAD(pci_function_state_visit, fn, &b), 0);
	cr_expect_eq(cfg_read(bus, PCI_DEVFN(3, 0), 0x3c, 1), 0x0b);
	tu_state_free(&a);
	tu_state_free(&b);

	/* CONFIG_ADDRESS as the last access left it. */
	c = TU_STATE_SAVE(pci_bus_state_visit, bus);
	pci_cfg_addr_io_write(bus, 0, 0, 4);
	cr_assert_eq(TU_STATE_LOAD(pci_bus_state_visit, bus, &c), 0);
	cr_expect_eq(pci_cfg_addr_io_read(bus, 0, 4), 0x8000183cu);
	tu_state_free(&c);
}

Test(pci, render)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	cr_assert(out);
	cr_assert_eq(pci_function_add_bar(fn, 4, 16, PCI_BAR_IO), 0);
	cfg_write(bus, PCI_DEVFN(3, 0), 0x20, 0xc001, 4);
	pci_bus_render(bus, out);
	fclose(out);
	cr_expect(strstr(text, "00:03.0 test: 1234:5678 rev 09 class 0200"), "%s", text);
	cr_expect(strstr(text, "BAR4: I/O at 0xc000 [size 16] (disabled)"), "%s", text);
	free(text);
}
