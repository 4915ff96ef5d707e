/*
 * machine/i440fx.c: the 82441FX host bridge's configuration space at
 * 00:00.0 (82441FX datasheet §3.2). PAM and SMRAM writes are forwarded to
 * mem/ through the chipset ops; SMRAM's D_LCK rule is enforced here, in
 * smram_config_write().
 */
#include "machine/i440fx.h"
#include "machine/state_io.h"

#include <stdlib.h>

struct i440fx {
	struct pci_function *fn;
	struct i440fx_chipset_ops ops;
};

/* PAM0 holds only the 0xF0000 attributes (bits 5:4); PAM1-6 two nibbles with
 * RE/WE in bits 1:0 and 5:4; bits 7:6 and 3:2 are reserved (82441FX PAM). */
static uint8_t pam_bits(int reg)
{
	return reg == 0 ? 0x30 : 0x33;
}

/*
 * SMRAM (82441FX SMRAM, offset 72h): D_OPEN, D_CLS, D_LCK and G_SMRAME are
 * read/write, C_BASE_SEG reads 010b, bit 7 reserved. Setting D_LCK clears
 * D_OPEN; once D_LCK is set, D_OPEN, D_LCK and G_SMRAME are read-only and
 * only D_CLS can change, until a system reset (the lock lives in mem's SMRAM
 * byte, which mem_system_reset returns to 0x02; mem/ applies the same rule).
 */
static void smram_config_write(struct i440fx *h, uint8_t v)
{
	const uint8_t rw = I440FX_SMRAM_D_OPEN | I440FX_SMRAM_D_CLS | I440FX_SMRAM_D_LCK |
			   I440FX_SMRAM_G_SMRAME;
	uint8_t old = h->ops.smram_read ? h->ops.smram_read(h->ops.opaque) : I440FX_SMRAM_DEFAULT;
	uint8_t val = (uint8_t)((v & rw) | I440FX_SMRAM_C_BASE);

	if (old & I440FX_SMRAM_D_LCK)
		val = (uint8_t)((old & ~I440FX_SMRAM_D_CLS) | (val & I440FX_SMRAM_D_CLS));
	else if (val & I440FX_SMRAM_D_LCK)
		val &= (uint8_t)~I440FX_SMRAM_D_OPEN;
	if (h->ops.smram_write)
		h->ops.smram_write(h->ops.opaque, val);
}

static void i440fx_config_write(void *opaque, struct pci_function *f, uint8_t reg,
				uint32_t value, int size, const uint8_t *old)
{
	struct i440fx *h = opaque;
	for (int i = 0; i < size; i++) {
		int a = reg + i;
		uint8_t v = (uint8_t)(value >> (8 * i));
		if (a >= I440FX_PAM0 && a < I440FX_PAM0 + I440FX_PAM_COUNT) {
			int pam = a - I440FX_PAM0;
			if (h->ops.pam_write)
				h->ops.pam_write(h->ops.opaque, pam, v & pam_bits(pam));
		} else if (a == I440FX_SMRAM) {
			smram_config_write(h, v);
		}
	}
}

static uint32_t i440fx_config_read(void *opaque, struct pci_function *f, uint8_t reg, int size,
				   uint32_t value)
{
	struct i440fx *h = opaque;
	for (int i = 0; i < size; i++) {
		int a = reg + i;
		uint32_t b;
		if (a >= I440FX_PAM0 && a < I440FX_PAM0 + I440FX_PAM_COUNT) {
			int pam = a - I440FX_PAM0;
			b = h->ops.pam_read ? h->ops.pam_read(h->ops.opaque, pam) & pam_bits(pam) : 0;
		} else if (a == I440FX_SMRAM) {
			b = h->ops.smram_read ? h->ops.smram_read(h->ops.opaque) : I440FX_SMRAM_DEFAULT;
		} else {
			continue;
		}
		value = (value & ~(0xffu << (8 * i))) | (b << (8 * i));
	}
	return value;
}

static const struct pci_function_ops i440fx_pci_ops = {
	.config_read = i440fx_config_read,
	.config_write = i440fx_config_write,
};

struct i440fx *i440fx_new(struct pci_bus *bus, const struct i440fx_chipset_ops *ops)
{
	struct i440fx *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	if (ops)
		h->ops = *ops;
	h->fn = pci_function_new("i440FX host bridge", I440FX_VENDOR_ID, I440FX_DEVICE_ID,
				 I440FX_REVISION, 0x060000);
	if (!h->fn)
		goto fail;
	struct pci_function *f = h->fn;
	/* PCISTS 0280h: fast back-to-back capable, DEVSEL medium. */
	pci_function_set_default(f, PCI_STATUS, PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM, 2);
	pci_function_set_default(f, PCI_SUBSYSTEM_VENDOR_ID, I440FX_SUBSYS_VENDOR, 2);
	pci_function_set_default(f, PCI_SUBSYSTEM_ID, I440FX_SUBSYS_ID, 2);
	/* The host bridge has no interrupt and no BAR. */
	pci_function_set_wmask(f, PCI_INTERRUPT_LINE, 0, 1);
	/* PAM and SMRAM bytes are never stored here: the hooks own them. */
	pci_function_set_wmask(f, I440FX_PAM0, 0, 4);
	pci_function_set_wmask(f, I440FX_PAM0 + 4, 0, 3);
	pci_function_set_wmask(f, I440FX_SMRAM, 0, 1);
	pci_function_set_ops(f, &i440fx_pci_ops, h);
	if (pci_register(bus, PCI_DEVFN(0, 0), f) < 0)
		goto fail;
	return h;
fail:
	i440fx_free(h);
	return NULL;
}

void i440fx_free(struct i440fx *h)
{
	if (!h)
		return;
	pci_function_free(h->fn);
	free(h);
}

void i440fx_reset(struct i440fx *h)
{
	pci_function_reset(h->fn);
}

struct pci_function *i440fx_function(struct i440fx *h)
{
	return h->fn;
}

void i440fx_state_visit(struct i440fx *h, struct state_io *s)
{
	state_io_tag(s, "i440fx");
	pci_function_state_visit(h->fn, s);
}
