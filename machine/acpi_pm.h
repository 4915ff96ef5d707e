/*
 * machine/acpi_pm.h: the PIIX4 power-management I/O block (82371AB
 * datasheet, function 3 "Power Management I/O space", 64 bytes at PMBA) and
 * the APM control/status ports 0xB2/0xB3: PM1 status/enable/control, the
 * 24-bit ACPI PM timer at base+8, S5 soft-off, SCI, and SMI# on APMC writes.
 *
 * Time comes only from the `now` callback (virtual ns; the board points it
 * at clock_now). The timer is a pure function of it:
 *   PMTMR = (now_ns * 3579545 / 10^9) mod 2^24   (integer math only)
 * and TMROF_STS is set whenever bit 23 of that count changes. Where the PCI
 * side (PIIX4 function 3 config: PMBA, PMREGMISC, DEVACTB) lives: machine/piix.c.
 */
#ifndef LS_MACHINE_ACPI_PM_H
#define LS_MACHINE_ACPI_PM_H

#include <stddef.h>
#include <stdint.h>

#include "machine/irq.h"
#include "machine/isa_dev.h"

#define ACPI_PM_IO_SIZE     64           /* the block the board maps at PMBA */
#define ACPI_PM_TIMER_HZ    3579545u

/* Register offsets in the block (82371AB PM I/O registers). */
#define ACPI_PM_PMSTS       0x00         /* PM1a_EVT_BLK status (16, W1C) */
#define ACPI_PM_PMEN        0x02         /* PM1a_EVT_BLK enable (16) */
#define ACPI_PM_PMCNTRL     0x04         /* PM1a_CNT_BLK (16) */
#define ACPI_PM_PMTMR       0x08         /* PM_TMR_BLK (32, read-only, 24 bits) */
#define ACPI_PM_GPSTS       0x0c
#define ACPI_PM_GPEN        0x0e
#define ACPI_PM_PCNTRL      0x10
#define ACPI_PM_PLVL2       0x14
#define ACPI_PM_PLVL3       0x15
#define ACPI_PM_GLBSTS      0x18
#define ACPI_PM_DEVSTS      0x1c
#define ACPI_PM_GLBEN       0x20
#define ACPI_PM_GLBCTL      0x28
#define ACPI_PM_DEVCTL      0x2c
#define ACPI_PM_GPIREG      0x30
#define ACPI_PM_GPOREG      0x34

/* PMSTS / PMEN bits. */
#define ACPI_PM_TMROF       0x0001
#define ACPI_PM_BM_STS      0x0010
#define ACPI_PM_GBL         0x0020
#define ACPI_PM_PWRBTN      0x0100
#define ACPI_PM_RTC         0x0400
#define ACPI_PM_PWRBTNOR    0x0800
#define ACPI_PM_WAK_STS     0x8000
/* PMCNTRL bits. */
#define ACPI_PM_SCI_EN      0x0001
#define ACPI_PM_BRLD_EN_BM  0x0002
#define ACPI_PM_GBL_RLS     0x0004
#define ACPI_PM_SUS_TYP_SHIFT 10
#define ACPI_PM_SUS_TYP_MASK  0x1c00
#define ACPI_PM_SUS_EN      0x2000
/*
 * SLP_TYP that means soft-off (S5). QEMU's PIIX4 PM powers off on SLP_TYP 0
 * and its DSDT's \_S5 package is { 0, 0, 0, 0 }; machine/dsdt.asl uses the
 * same value. Other sleep types (S1-S4) are not modelled: logged, ignored.
 */
#define ACPI_PM_SLP_TYP_S5  0

/* APM control port commands that switch ACPI mode on and off (QEMU's FADT
 * ACPI_ENABLE/ACPI_DISABLE, handled in hardware as QEMU does, so firmware
 * without an SMM handler still gets SCI_EN toggled). */
#define ACPI_PM_APM_ACPI_ENABLE  0xf1
#define ACPI_PM_APM_ACPI_DISABLE 0xf0

/* Machine side effects. Any pointer may be NULL. */
struct acpi_pm_callbacks {
	/* Current virtual time in ns (never host time). NULL reads as 0. */
	uint64_t (*now)(void *opaque);
	/* The guest entered S5 (PMCNTRL SUS_EN with SUS_TYP = S5). */
	void (*power_off)(void *opaque);
	/* Assert SMI# (APMC write while APMC_EN is set, GBL_RLS with BIOS_EN). */
	void (*smi)(void *opaque);
	/* The next time acpi_pm_update must run changed: when (ns) or
	 * UINT64_MAX for never. Board: arm or delete a clock timer. */
	void (*deadline)(void *opaque, uint64_t when);
	void *opaque;
};

struct acpi_pm;

/* A PM block in its power-on state (virtual time 0). sci is the SCI line
 * (IRQ 9 on this board), driven as a level. cb is copied; log may be NULL.
 * Returns NULL on allocation failure. */
struct acpi_pm *acpi_pm_new(const struct acpi_pm_callbacks *cb, struct irq_line sci,
			    const struct isa_log *log);
void acpi_pm_free(struct acpi_pm *pm);
/* System reset: registers to their defaults, SCI low. The timer keeps
 * counting (it is derived from virtual time); reads now(). */
void acpi_pm_reset(struct acpi_pm *pm);

/* The 64-byte block at PMBA: offset 0..63, size 1, 2 or 4 (any alignment;
 * assembled byte by byte). Reserved bytes read 0 and ignore writes. */
uint32_t acpi_pm_io_read(void *opaque, uint32_t offset, int size);
void acpi_pm_io_write(void *opaque, uint32_t offset, uint32_t value, int size);
/* Ports 0xB2 (offset 0, APMC) and 0xB3 (offset 1, APMS scratch). */
uint32_t acpi_pm_apm_io_read(void *opaque, uint32_t offset, int size);
void acpi_pm_apm_io_write(void *opaque, uint32_t offset, uint32_t value, int size);

/* PIIX4 function 3 DEVACTB.APMC_EN (config 0x58 bit 25): whether APMC
 * writes raise SMI#. Called by machine/piix.c. */
void acpi_pm_set_apmc_enable(struct acpi_pm *pm, int enable);
/* Press the power button: PWRBTN_STS, SCI if enabled (monitor). */
void acpi_pm_press_power_button(struct acpi_pm *pm);

/* The 24-bit timer value now. */
uint32_t acpi_pm_timer_read(const struct acpi_pm *pm);
/* Latch a timer overflow that happened by now and update SCI; the board
 * calls it when the time given to the deadline callback is reached. */
void acpi_pm_update(struct acpi_pm *pm);
/* When acpi_pm_update must next run (ns), or UINT64_MAX. */
uint64_t acpi_pm_next_deadline(const struct acpi_pm *pm);

struct state_io;
/* Snapshot state (machine/state_io.h): hash, save and load alike. The
 * timer is the machine's, restored by clock_state_visit. */
void acpi_pm_state_visit(struct acpi_pm *pm, struct state_io *s);

#endif
