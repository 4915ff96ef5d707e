/*
 * machine/piix.h: the PCI functions of the PIIX south bridge at device 1,
 * as on QEMU's pc machine: 00:01.0 PIIX3 PCI-to-ISA bridge (82371SB, with
 * PIRQ routing 0x60-0x63 and the reset control register at port 0xCF9),
 * 00:01.1 PIIX3 IDE (82371SB; config space and BAR4 only: the ATA channels
 * on the legacy ports are machine/ide.c), 00:01.3 PIIX4 power management
 * (82371AB function 3: PMBA, PMREGMISC, DEVACTB, minimal SMBus registers;
 * the PM I/O block itself is machine/acpi_pm.c). ELCR (0x4D0/0x4D1) belongs
 * to the PIC. See docs/pci.md.
 */
#ifndef LS_MACHINE_PIIX_H
#define LS_MACHINE_PIIX_H

#include <stddef.h>
#include <stdint.h>

#include "machine/isa_dev.h"
#include "machine/pci.h"

struct acpi_pm;
struct piix;

#define PIIX_DEV              1
#define PIIX_ISA_DEVFN        PCI_DEVFN(PIIX_DEV, 0)
#define PIIX_IDE_DEVFN        PCI_DEVFN(PIIX_DEV, 1)
#define PIIX_PM_DEVFN         PCI_DEVFN(PIIX_DEV, 3)

#define PIIX3_ISA_DEVICE_ID   0x7000
#define PIIX3_IDE_DEVICE_ID   0x7010
#define PIIX4_PM_DEVICE_ID    0x7113
#define PIIX4_PM_REVISION     0x03

/* PIIX3 function 0 (82371SB PCI-to-ISA bridge configuration registers). */
#define PIIX_PIRQRC           0x60   /* PIRQA..PIRQD route control, 0x60-0x63 */
#define PIIX_PIRQRC_DISABLE   0x80
/* PIIX3 function 1: bus-master IDE base (BMIBA) is BAR4, 16 bytes of I/O. */
#define PIIX_IDE_BMIBA_BAR    4
#define PIIX_IDE_BMIBA_SIZE   16
/* PIIX4 function 3 (82371AB power management configuration registers). */
#define PIIX_PM_PMBA          0x40   /* PM I/O base, bits 15:6; bit 0 reads 1 */
#define PIIX_PM_DEVACTB       0x58   /* bit 25 APMC_EN */
#define PIIX_PM_APMC_EN       (1u << 25)
#define PIIX_PM_PMREGMISC     0x80   /* bit 0 PMIOSE: PM I/O space enable */
#define PIIX_PM_SMBBA         0x90   /* SMBus I/O base, bits 15:4; bit 0 reads 1 */
#define PIIX_PM_SMBHSTCFG     0xd2   /* bit 0 SMB_HST_EN */

/* Reset control register at 0xCF9 (82371SB RC): bit 1 SRST picks a system
 * (hard) reset, bit 2 RCPU starts the reset. */
#define PIIX_RC_SRST          0x02
#define PIIX_RC_RCPU          0x04

struct piix_callbacks {
	/* 0xCF9 write with RCPU: ISA_RESET_SYSTEM if SRST is set, else
	 * ISA_RESET_INIT (CPU INIT only). */
	void (*reset_request)(void *opaque, int kind);
	/* The PM I/O block (ACPI_PM_IO_SIZE bytes) was switched on (enabled,
	 * at base), moved while on (enabled, new base: unmap the old one) or
	 * switched off (not enabled, base = where it was). Base changes while
	 * off are not reported. */
	void (*pm_io_map)(void *opaque, uint16_t base, int enabled);
	void *opaque;
};

/* Create the three functions, register them at 00:01.0, .1, .3 of bus and
 * take over the byte port 0xCF9 (pci_bus_set_cf9_handler). pm is the PM
 * block whose APMC_EN follows DEVACTB (may be NULL); cb is copied; log may
 * be NULL. Returns NULL on allocation failure or if a devfn is taken. */
struct piix *piix_new(struct pci_bus *bus, const struct piix_callbacks *cb,
		      struct acpi_pm *pm, const struct isa_log *log);
/* Frees the functions; the bus must not be used any more (free it first). */
void piix_free(struct piix *p);
/* System reset: config spaces and RC to power-on values; reports the PM
 * block unmapped through pm_io_map if it was mapped; APMC_EN off. */
void piix_reset(struct piix *p);

/* Port 0xCF9 (offset 0, byte): the reset control register. SRST reads back;
 * RCPU is a command and reads 0. */
uint32_t piix_rcr_io_read(void *opaque, uint32_t offset, int size);
void piix_rcr_io_write(void *opaque, uint32_t offset, uint32_t value, int size);

/* ISA IRQ that PIRQ pirq (0..3 = A..D) is routed to, or -1 when routing is
 * disabled (bit 7) or names a reserved IRQ (0, 1, 2, 8, 13). */
int piix_pirq_route(const struct piix *p, int pirq);
/* Current PM I/O decode: returns 1 and sets *base when PMIOSE is set. */
int piix_pm_io_mapping(const struct piix *p, uint16_t *base);

struct pci_function *piix_isa_function(struct piix *p);
struct pci_function *piix_ide_function(struct piix *p);
struct pci_function *piix_pm_function(struct piix *p);

struct state_io;
/* Snapshot state (machine/state_io.h): config of the three functions and
 * the reset control register; loading re-reports the PM block mapping. */
void piix_state_visit(struct piix *p, struct state_io *s);

#endif
