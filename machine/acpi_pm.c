/*
 * machine/acpi_pm.c: the PIIX4 PM I/O block and APM ports (82371AB
 * datasheet, power management I/O registers; ACPI 1.0b §4.7.3 for the PM1
 * event/control and PM timer semantics). Registers are 64 plain bytes with
 * per-byte write and write-1-to-clear masks; the timer is computed from
 * virtual time on every read.
 */
#include "machine/acpi_pm.h"
#include "machine/state_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000u
/* TMROF_STS is set when bit 23 of the timer changes (82371AB PMSTS). */
#define TMR_EPOCH_SHIFT 23

/* Bytes the guest may write. PMEN: TMROF/GBL (byte 2), PWRBTN/RTC (byte 3).
 * PMCNTRL: SCI_EN, BRLD_EN_BM; SUS_TYP (byte 5 bits 4:2). GBL_RLS, SUS_EN
 * and GLBCTL's BIOS_RLS are write-only commands, handled in pm_write. */
static const uint8_t pm_wmask[ACPI_PM_IO_SIZE] = {
	[0x02] = 0x21, [0x03] = 0x05, [0x04] = 0x03, [0x05] = 0x1c,
	[0x0e] = 0xff, [0x0f] = 0xff,                                   /* GPEN */
	[0x10] = 0xff, [0x11] = 0xff, [0x12] = 0xff, [0x13] = 0xff,     /* PCNTRL */
	[0x20] = 0xff, [0x21] = 0xff,                                   /* GLBEN */
	[0x28] = 0xfd, [0x29] = 0xff, [0x2a] = 0xff, [0x2b] = 0xff,     /* GLBCTL */
	[0x2c] = 0xff, [0x2d] = 0xff, [0x2e] = 0xff, [0x2f] = 0xff,     /* DEVCTL */
	[0x34] = 0xff, [0x35] = 0xff, [0x36] = 0xff, [0x37] = 0xff,     /* GPOREG */
};

/* Status bits cleared by writing 1: PMSTS, GPSTS, GLBSTS, DEVSTS. */
static const uint8_t pm_w1c[ACPI_PM_IO_SIZE] = {
	[0x00] = 0x31, [0x01] = 0x8d,
	[0x0c] = 0xff, [0x0d] = 0xff,
	[0x18] = 0xff, [0x19] = 0xff,
	[0x1c] = 0xff, [0x1d] = 0xff, [0x1e] = 0xff, [0x1f] = 0xff,
};

#define GLBSTS_BIOS_STS 0x01
#define GLBEN_BIOS_EN   0x02
#define GLBCTL_BIOS_RLS 0x02

enum { LOG_SLEEP_TYPE, LOG_GBL_RLS_NO_SMI };

struct acpi_pm {
	struct acpi_pm_callbacks cb;
	struct irq_line sci;
	struct isa_log log;
	uint32_t logged;          /* host state, not hashed */
	uint64_t last_deadline;   /* derived, not hashed */

	uint8_t regs[ACPI_PM_IO_SIZE];
	uint8_t apmc, apms;
	uint8_t apmc_en;
	uint8_t sci_level;
	uint64_t tmr_epoch;       /* timer count >> 23 when last looked at */
};

static uint16_t reg16(const struct acpi_pm *pm, int off)
{
	return (uint16_t)(pm->regs[off] | pm->regs[off + 1] << 8);
}

static void set_bits16(struct acpi_pm *pm, int off, uint16_t bits)
{
	pm->regs[off] |= (uint8_t)bits;
	pm->regs[off + 1] |= (uint8_t)(bits >> 8);
}

static uint64_t now_ns(const struct acpi_pm *pm)
{
	return pm->cb.now ? pm->cb.now(pm->cb.opaque) : 0;
}

/* Timer ticks since virtual time 0 (3.579545 MHz, truncated). */
static uint64_t ticks_at(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * ACPI_PM_TIMER_HZ / NS_PER_S);
}

/* The first ns at which the tick count reaches t. */
static uint64_t ns_at_ticks(uint64_t t)
{
	unsigned __int128 n = ((unsigned __int128)t * NS_PER_S + ACPI_PM_TIMER_HZ - 1) /
			      ACPI_PM_TIMER_HZ;
	return n > UINT64_MAX ? UINT64_MAX : (uint64_t)n;
}

uint32_t acpi_pm_timer_read(const struct acpi_pm *pm)
{
	return (uint32_t)(ticks_at(now_ns(pm)) & 0xffffff);
}

/* Latch overflows (bit 23 toggles) since the last look. */
static void pm_sync(struct acpi_pm *pm)
{
	uint64_t e = ticks_at(now_ns(pm)) >> TMR_EPOCH_SHIFT;
	if (e != pm->tmr_epoch) {
		set_bits16(pm, ACPI_PM_PMSTS, ACPI_PM_TMROF);
		pm->tmr_epoch = e;
	}
}

uint64_t acpi_pm_next_deadline(const struct acpi_pm *pm)
{
	if (!(reg16(pm, ACPI_PM_PMEN) & ACPI_PM_TMROF) ||
	    (reg16(pm, ACPI_PM_PMSTS) & ACPI_PM_TMROF))
		return UINT64_MAX;
	return ns_at_ticks((pm->tmr_epoch + 1) << TMR_EPOCH_SHIFT);
}

/* SCI follows enabled status bits while SCI_EN is set (ACPI 1.0b §4.7.2.5). */
static void pm_update_sci(struct acpi_pm *pm)
{
	const uint16_t fixed = ACPI_PM_TMROF | ACPI_PM_GBL | ACPI_PM_PWRBTN | ACPI_PM_RTC;
	int level = (reg16(pm, ACPI_PM_PMCNTRL) & ACPI_PM_SCI_EN) &&
		    ((reg16(pm, ACPI_PM_PMSTS) & reg16(pm, ACPI_PM_PMEN) & fixed) ||
		     (reg16(pm, ACPI_PM_GPSTS) & reg16(pm, ACPI_PM_GPEN)));
	if (level != pm->sci_level) {
		pm->sci_level = (uint8_t)level;
		irq_set(&pm->sci, level);
	}
	uint64_t d = acpi_pm_next_deadline(pm);
	if (d != pm->last_deadline) {
		pm->last_deadline = d;
		if (pm->cb.deadline)
			pm->cb.deadline(pm->cb.opaque, d);
	}
}

struct acpi_pm *acpi_pm_new(const struct acpi_pm_callbacks *cb, struct irq_line sci,
			    const struct isa_log *log)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));
	if (!pm)
		return NULL;
	if (cb)
		pm->cb = *cb;
	pm->sci = sci;
	if (log)
		pm->log = *log;
	pm->last_deadline = UINT64_MAX;
	/* Power-on happens at virtual time 0: overflow epoch 0. */
	return pm;
}

void acpi_pm_free(struct acpi_pm *pm)
{
	free(pm);
}

void acpi_pm_reset(struct acpi_pm *pm)
{
	memset(pm->regs, 0, sizeof(pm->regs));
	pm->apmc = 0;
	pm->apms = 0;
	pm->apmc_en = 0;
	pm->tmr_epoch = ticks_at(now_ns(pm)) >> TMR_EPOCH_SHIFT;
	pm_update_sci(pm);
}

static uint8_t pm_read_byte(struct acpi_pm *pm, uint32_t a)
{
	if (a >= ACPI_PM_IO_SIZE)
		return 0xff;
	if (a >= ACPI_PM_PMTMR && a < ACPI_PM_PMTMR + 4)
		return (uint8_t)(acpi_pm_timer_read(pm) >> (8 * (a - ACPI_PM_PMTMR)));
	/* PLVL2/PLVL3 reads would enter C2/C3: not modelled, they read 0. */
	return pm->regs[a];
}

uint32_t acpi_pm_io_read(void *opaque, uint32_t offset, int size)
{
	struct acpi_pm *pm = opaque;
	uint32_t v = 0;

	pm_sync(pm);
	for (int i = 0; i < size; i++)
		v |= (uint32_t)pm_read_byte(pm, offset + i) << (8 * i);
	pm_update_sci(pm);
	return v;
}

static void pm_sleep(struct acpi_pm *pm)
{
	int typ = (reg16(pm, ACPI_PM_PMCNTRL) & ACPI_PM_SUS_TYP_MASK) >> ACPI_PM_SUS_TYP_SHIFT;
	if (typ == ACPI_PM_SLP_TYP_S5) {
		if (pm->cb.power_off)
			pm->cb.power_off(pm->cb.opaque);
		return;
	}
	isa_log_once(&pm->log, &pm->logged, LOG_SLEEP_TYPE,
		     "acpi_pm: sleep types other than S5 (SLP_TYP 0) are not modelled; ignored");
}

void acpi_pm_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct acpi_pm *pm = opaque;
	int sleep = 0, gbl_rls = 0, bios_rls = 0;

	pm_sync(pm);
	for (int i = 0; i < size; i++) {
		uint32_t a = offset + i;
		uint8_t v = (uint8_t)(value >> (8 * i));
		if (a >= ACPI_PM_IO_SIZE)
			continue;
		pm->regs[a] = (uint8_t)((pm->regs[a] & ~pm_wmask[a]) | (v & pm_wmask[a]));
		pm->regs[a] &= (uint8_t)~(v & pm_w1c[a]);
		if (a == ACPI_PM_PMCNTRL && (v & ACPI_PM_GBL_RLS))
			gbl_rls = 1;
		if (a == ACPI_PM_PMCNTRL + 1 && (v & (ACPI_PM_SUS_EN >> 8)))
			sleep = 1;
		if (a == ACPI_PM_GLBCTL && (v & GLBCTL_BIOS_RLS))
			bios_rls = 1;
	}
	/* OS to BIOS: GBL_RLS sets BIOS_STS, SMI# if BIOS_EN. */
	if (gbl_rls) {
		pm->regs[ACPI_PM_GLBSTS] |= GLBSTS_BIOS_STS;
		if (pm->regs[ACPI_PM_GLBEN] & GLBEN_BIOS_EN) {
			if (pm->cb.smi)
				pm->cb.smi(pm->cb.opaque);
		} else {
			isa_log_once(&pm->log, &pm->logged, LOG_GBL_RLS_NO_SMI,
				     "acpi_pm: GBL_RLS with BIOS_EN clear: no SMI");
		}
	}
	/* BIOS to OS: BIOS_RLS sets GBL_STS (SCI if GBL_EN). */
	if (bios_rls)
		set_bits16(pm, ACPI_PM_PMSTS, ACPI_PM_GBL);
	pm_update_sci(pm);
	if (sleep)
		pm_sleep(pm);
}

uint32_t acpi_pm_apm_io_read(void *opaque, uint32_t offset, int size)
{
	struct acpi_pm *pm = opaque;
	uint32_t v = 0;
	for (int i = 0; i < size; i++) {
		uint32_t a = offset + i;
		uint32_t b = a == 0 ? pm->apmc : a == 1 ? pm->apms : 0xff;
		v |= b << (8 * i);
	}
	return v;
}

void acpi_pm_apm_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct acpi_pm *pm = opaque;
	for (int i = 0; i < size; i++) {
		uint32_t a = offset + i;
		uint8_t v = (uint8_t)(value >> (8 * i));
		if (a == 1) {
			pm->apms = v;
			continue;
		}
		if (a != 0)
			continue;
		pm->apmc = v;
		if (v == ACPI_PM_APM_ACPI_ENABLE || v == ACPI_PM_APM_ACPI_DISABLE) {
			pm_sync(pm);
			if (v == ACPI_PM_APM_ACPI_ENABLE)
				pm->regs[ACPI_PM_PMCNTRL] |= ACPI_PM_SCI_EN;
			else
				pm->regs[ACPI_PM_PMCNTRL] &= (uint8_t)~ACPI_PM_SCI_EN;
			pm_update_sci(pm);
		}
		/* 82371AB DEVACTB APMC_EN: a write to APMC generates SMI#. */
		if (pm->apmc_en && pm->cb.smi)
			pm->cb.smi(pm->cb.opaque);
	}
}

void acpi_pm_set_apmc_enable(struct acpi_pm *pm, int enable)
{
	pm->apmc_en = enable ? 1 : 0;
}

void acpi_pm_press_power_button(struct acpi_pm *pm)
{
	pm_sync(pm);
	set_bits16(pm, ACPI_PM_PMSTS, ACPI_PM_PWRBTN);
	pm_update_sci(pm);
}

void acpi_pm_update(struct acpi_pm *pm)
{
	pm_sync(pm);
	pm_update_sci(pm);
}

void acpi_pm_state_visit(struct acpi_pm *pm, struct state_io *s)
{
	state_io_tag(s, "acpi-pm");
	state_io_bytes(s, pm->regs, sizeof(pm->regs));
	state_io_u8(s, &pm->apmc);
	state_io_u8(s, &pm->apms);
	state_io_u8(s, &pm->apmc_en);
	state_io_u8(s, &pm->sci_level);
	state_io_u64(s, &pm->tmr_epoch);
	/* Derived: the deadline the timer (restored by clock_state) is armed at. */
	if (state_io_loading(s))
		pm->last_deadline = acpi_pm_next_deadline(pm);
}
