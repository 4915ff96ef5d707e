/*
 * machine/piix.c: PIIX3 ISA bridge (00:01.0) and IDE (00:01.1) config
 * spaces per the 82371SB datasheet, PIIX4 PM function (00:01.3) config
 * space per the 82371AB datasheet, and the 0xCF9 reset control register.
 * Defaults are the datasheets' register defaults, as QEMU's piix3/piix4.
 */
#include "machine/piix.h"
#include "machine/state_io.h"

#include <stdlib.h>

#include "machine/acpi_pm.h"

enum { LOG_SMBUS };

struct piix {
	struct pci_function *isa, *ide, *pm;
	struct piix_callbacks cb;
	struct acpi_pm *acpi;
	struct isa_log log;
	uint32_t logged;           /* host state, not hashed */
	uint8_t rcr;               /* reset control register (0xCF9) */
	/* What pm_io_map last reported: derived from config, not hashed. */
	uint16_t pm_base;
	int pm_on;
};

/* ---- 00:01.0 PCI-to-ISA bridge ---- */

static struct pci_function *isa_function_new(void)
{
	struct pci_function *f = pci_function_new("PIIX3 ISA bridge", 0x8086, PIIX3_ISA_DEVICE_ID,
						  0x00, 0x060100);
	if (!f)
		return NULL;
	/* 82371SB function 0 defaults: PCICMD 0007h (I/O, memory, bus master),
	 * PCISTS 0200h (DEVSEL medium), multi-function header. */
	pci_function_set_default(f, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
				 PCI_COMMAND_MASTER, 2);
	pci_function_set_default(f, PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM, 2);
	pci_function_set_default(f, PCI_HEADER_TYPE, PCI_HEADER_TYPE_MULTI_FUNCTION, 1);
	pci_function_set_default(f, 0x4c, 0x4d, 1);         /* IORT: ISA I/O recovery */
	pci_function_set_default(f, 0x4e, 0x0003, 2);       /* XBCS: X-bus chip selects */
	pci_function_set_default(f, 0x69, 0x02, 1);         /* TOM: top of memory */
	pci_function_set_default(f, 0x70, 0x80, 1);         /* MBIRQ0: disabled */
	pci_function_set_default(f, 0x76, 0x0c0c, 2);       /* MBDMA0/1: disabled */
	pci_function_set_default(f, 0x78, 0x0002, 2);       /* PCSC */
	pci_function_set_default(f, 0xa0, 0x08, 1);         /* SMICNTL */
	pci_function_set_default(f, 0xa8, 0x0f, 1);         /* FTMR */
	/* PIRQRC[A:D]: bit 7 disables routing, bits 3:0 the IRQ, 6:4 reserved. */
	pci_function_set_default(f, PIIX_PIRQRC, 0x80808080u, 4);
	pci_function_set_wmask(f, PIIX_PIRQRC, 0x8f8f8f8fu, 4);
	/* The bridge itself has no interrupt. */
	pci_function_set_wmask(f, PCI_INTERRUPT_LINE, 0, 1);
	return f;
}

int piix_pirq_route(const struct piix *p, int pirq)
{
	if (pirq < 0 || pirq > 3)
		return -1;
	uint8_t v = (uint8_t)pci_function_get(p->isa, (uint8_t)(PIIX_PIRQRC + pirq), 1);
	int irq = v & 0x0f;
	if (v & PIIX_PIRQRC_DISABLE)
		return -1;
	if (irq <= 2 || irq == 8 || irq == 13)
		return -1;
	return irq;
}

/* ---- 00:01.1 IDE ---- */

static struct pci_function *ide_function_new(void)
{
	struct pci_function *f = pci_function_new("PIIX3 IDE", 0x8086, PIIX3_IDE_DEVICE_ID,
						  0x00, 0x010180);
	if (!f)
		return NULL;
	/* 82371SB function 1: PCICMD I/O space and bus master only, PCISTS 0280h,
	 * prog-if 80h (bus-master capable, both channels in compatibility mode:
	 * no BAR0-3), BMIBA at 20h (16 bytes of I/O). */
	pci_function_set_wmask(f, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
	pci_function_set_default(f, PCI_STATUS, PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM, 2);
	pci_function_add_bar(f, PIIX_IDE_BMIBA_BAR, PIIX_IDE_BMIBA_SIZE, PCI_BAR_IO);
	/* Legacy IRQ 14/15, no PCI interrupt. */
	pci_function_set_wmask(f, PCI_INTERRUPT_LINE, 0, 1);
	return f;
}

/* ---- 00:01.3 power management ---- */

/* Report enable, move and disable of the PM block (disable reports the base
 * that was mapped); base changes while disabled are silent. */
static void pm_update_mapping(struct piix *p)
{
	uint16_t base = 0;
	int on = piix_pm_io_mapping(p, &base);
	if (!on) {
		if (!p->pm_on)
			return;
		base = p->pm_base;
	} else if (p->pm_on && base == p->pm_base) {
		return;
	}
	p->pm_on = on;
	p->pm_base = base;
	if (p->cb.pm_io_map)
		p->cb.pm_io_map(p->cb.opaque, base, on);
}

int piix_pm_io_mapping(const struct piix *p, uint16_t *base)
{
	if (!(pci_function_get(p->pm, PIIX_PM_PMREGMISC, 1) & 0x01))
		return 0;
	*base = (uint16_t)(pci_function_get(p->pm, PIIX_PM_PMBA, 2) & 0xffc0);
	return 1;
}

static int overlaps(uint8_t reg, int size, int lo, int n)
{
	return reg < lo + n && reg + size > lo;
}

static void pm_config_write(void *opaque, struct pci_function *f, uint8_t reg, uint32_t value,
			    int size, const uint8_t *old)
{
	struct piix *p = opaque;
	if (overlaps(reg, size, PIIX_PM_PMBA, 4) || overlaps(reg, size, PIIX_PM_PMREGMISC, 1))
		pm_update_mapping(p);
	if (overlaps(reg, size, PIIX_PM_DEVACTB + 3, 1) && p->acpi)
		acpi_pm_set_apmc_enable(p->acpi,
					!!(pci_function_get(f, PIIX_PM_DEVACTB, 4) & PIIX_PM_APMC_EN));
	if (overlaps(reg, size, PIIX_PM_SMBHSTCFG, 1) &&
	    (pci_function_get(f, PIIX_PM_SMBHSTCFG, 1) & 0x01))
		isa_log_once(&p->log, &p->logged, LOG_SMBUS,
			     "piix: SMBus host controller enabled; SMBus I/O is not modelled");
}

static const struct pci_function_ops pm_ops = {
	.config_write = pm_config_write,
};

static struct pci_function *pm_function_new(void)
{
	struct pci_function *f = pci_function_new("PIIX4 PM", 0x8086, PIIX4_PM_DEVICE_ID,
						  PIIX4_PM_REVISION, 0x068000);
	if (!f)
		return NULL;
	/* 82371AB function 3: PCICMD bit 0 enables SMBus I/O; PCISTS 0280h;
	 * interrupt pin INTA (SMBus). */
	pci_function_set_wmask(f, PCI_COMMAND, PCI_COMMAND_IO, 2);
	pci_function_set_default(f, PCI_STATUS, PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM, 2);
	pci_function_set_default(f, PCI_INTERRUPT_PIN, 0x01, 1);
	/* PMBA: 64 bytes of I/O, bits 15:6; bit 0 hardwired to 1 (I/O space). */
	pci_function_set_default(f, PIIX_PM_PMBA, 0x00000001u, 4);
	pci_function_set_wmask(f, PIIX_PM_PMBA, 0x0000ffc0u, 4);
	/* PMREGMISC: only PMIOSE (bit 0). */
	pci_function_set_wmask(f, PIIX_PM_PMREGMISC, 0x00000001u, 4);
	/* SMBBA: 16 bytes of I/O, bits 15:4, bit 0 hardwired to 1. SMBHSTCFG:
	 * bits 3:0 (interrupt select, host enable); SMBREV read-only. */
	pci_function_set_default(f, PIIX_PM_SMBBA, 0x00000001u, 4);
	pci_function_set_wmask(f, PIIX_PM_SMBBA, 0x0000fff0u, 4);
	pci_function_set_wmask(f, PIIX_PM_SMBHSTCFG, 0x0f, 1);
	pci_function_set_wmask(f, 0xd6, 0, 1);
	return f;
}

/* ---- 0xCF9 ---- */

uint32_t piix_rcr_io_read(void *opaque, uint32_t offset, int size)
{
	struct piix *p = opaque;
	uint32_t v = 0;
	for (int i = 0; i < size; i++)
		v |= (offset + i == 0 ? p->rcr : 0xffu) << (8 * i);
	return v;
}

void piix_rcr_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct piix *p = opaque;
	if (offset != 0)
		return;
	p->rcr = (uint8_t)(value & PIIX_RC_SRST);
	if ((value & PIIX_RC_RCPU) && p->cb.reset_request)
		p->cb.reset_request(p->cb.opaque,
				    (value & PIIX_RC_SRST) ? ISA_RESET_SYSTEM : ISA_RESET_INIT);
}

/* ---- the whole ---- */

struct piix *piix_new(struct pci_bus *bus, const struct piix_callbacks *cb,
		      struct acpi_pm *pm, const struct isa_log *log)
{
	struct piix *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (cb)
		p->cb = *cb;
	if (log)
		p->log = *log;
	p->acpi = pm;
	p->isa = isa_function_new();
	p->ide = ide_function_new();
	p->pm = pm_function_new();
	if (!p->isa || !p->ide || !p->pm)
		goto fail;
	pci_function_set_ops(p->pm, &pm_ops, p);
	if (pci_bus_function(bus, PIIX_ISA_DEVFN) || pci_bus_function(bus, PIIX_IDE_DEVFN) ||
	    pci_bus_function(bus, PIIX_PM_DEVFN))
		goto fail;
	pci_register(bus, PIIX_ISA_DEVFN, p->isa);
	pci_register(bus, PIIX_IDE_DEVFN, p->ide);
	pci_register(bus, PIIX_PM_DEVFN, p->pm);
	pci_bus_set_cf9_handler(bus, piix_rcr_io_read, piix_rcr_io_write, p);
	return p;
fail:
	piix_free(p);
	return NULL;
}

void piix_free(struct piix *p)
{
	if (!p)
		return;
	pci_function_free(p->isa);
	pci_function_free(p->ide);
	pci_function_free(p->pm);
	free(p);
}

void piix_reset(struct piix *p)
{
	pci_function_reset(p->isa);
	pci_function_reset(p->ide);
	pci_function_reset(p->pm);
	p->rcr = 0;
	if (p->acpi)
		acpi_pm_set_apmc_enable(p->acpi, 0);
	pm_update_mapping(p);
}

struct pci_function *piix_isa_function(struct piix *p) { return p->isa; }
struct pci_function *piix_ide_function(struct piix *p) { return p->ide; }
struct pci_function *piix_pm_function(struct piix *p) { return p->pm; }

void piix_state_visit(struct piix *p, struct state_io *s)
{
	state_io_tag(s, "piix");
	pci_function_state_visit(p->isa, s);
	pci_function_state_visit(p->ide, s);
	pci_function_state_visit(p->pm, s);
	state_io_u8(s, &p->rcr);
	if (state_io_loading(s) && !s->error) {
		/* Re-derive the PM block mapping from the loaded config: force a
		 * report whatever was mapped before. */
		uint16_t base = 0;
		int on = piix_pm_io_mapping(p, &base);
		p->pm_on = !on;
		pm_update_mapping(p);
	}
}
