/*
 * machine/lapic.c: the local APIC (Intel SDM Vol. 3A §10.4-§10.8, §10.12 is
 * x2APIC and not modelled). Register offsets and bits follow SDM table 10-1.
 */
#include "machine/lapic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/clock.h"
#include "machine/state_io.h"

#define REG_ID      0x020
#define REG_VERSION 0x030
#define REG_TPR     0x080
#define REG_APR     0x090
#define REG_PPR     0x0A0
#define REG_EOI     0x0B0
#define REG_RRD     0x0C0
#define REG_LDR     0x0D0
#define REG_DFR     0x0E0
#define REG_SVR     0x0F0
#define REG_ISR     0x100
#define REG_TMR     0x180
#define REG_IRR     0x200
#define REG_ESR     0x280
#define REG_LVT_CMCI 0x2F0
#define REG_ICR_LO  0x300
#define REG_ICR_HI  0x310
#define REG_LVT0    0x320   /* timer, thermal, perf, LINT0, LINT1, error */
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR  0x390
#define REG_TIMER_DIV  0x3E0

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

#define LVT_MASKED      (1u << 16)
#define LVT_LEVEL       (1u << 15)
#define LVT_TIMER_PERIODIC (1u << 17)
#define DM_FIXED  0
#define DM_SMI    2
#define DM_NMI    4
#define DM_INIT   5
#define DM_STARTUP 6
#define DM_EXTINT 7
#define SVR_ENABLE (1u << 8)
/* Version 0x14 (P6-family integrated APIC), max LVT entry 5 (SDM 10.4.8). */
#define APIC_VERSION 0x00050014u

struct lapic {
	struct clock *clock;
	struct clock_timer *timer;
	struct lapic_callbacks cb;
	const struct isa_log *log;
	uint32_t logged;

	int hw_enabled;          /* IA32_APIC_BASE bit 11 */
	uint32_t id, tpr, ldr, dfr, svr, esr, icr_lo, icr_hi;
	uint32_t lvt[LVT_COUNT];
	uint32_t irr[8], isr[8], tmr[8];
	uint32_t timer_init, timer_div;
	uint64_t timer_start;    /* ns when the count was (re)loaded */
	int lint0;               /* the 8259 INTR level */
	int intr_out;            /* what we last told the CPU */
};

static void lapic_timer_fire(void *opaque);

struct lapic *lapic_new(struct clock *clk, const struct lapic_callbacks *cb,
			const struct isa_log *log)
{
	struct lapic *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->clock = clk;
	a->cb = *cb;
	a->log = log;
	a->timer = clock_timer_new(clk, "lapic-timer", lapic_timer_fire, a);
	if (!a->timer) {
		free(a);
		return NULL;
	}
	a->hw_enabled = 1;
	lapic_reset(a);
	return a;
}

void lapic_free(struct lapic *a)
{
	if (!a)
		return;
	clock_timer_free(a->timer);
	free(a);
}

static int sw_enabled(const struct lapic *a)
{
	return a->hw_enabled && (a->svr & SVR_ENABLE);
}

static int highest(const uint32_t *bits)
{
	for (int w = 7; w >= 0; w--)
		if (bits[w])
			return w * 32 + 31 - __builtin_clz(bits[w]);
	return -1;
}

static void set_bit(uint32_t *bits, int v) { bits[v >> 5] |= 1u << (v & 31); }
static void clear_bit(uint32_t *bits, int v) { bits[v >> 5] &= ~(1u << (v & 31)); }

/* PPR (SDM 10.8.3.1): the higher of TPR and the highest in-service class. */
static uint32_t ppr(const struct lapic *a)
{
	int isrv = highest(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;

	return (a->tpr & 0xF0) >= isr_class ? a->tpr & 0xFF : isr_class;
}

/* A fixed interrupt is deliverable when its class beats PPR. */
static int fixed_deliverable(const struct lapic *a)
{
	int v = highest(a->irr);
	return v >= 0 && ((uint32_t)v & 0xF0) > (ppr(a) & 0xF0);
}

/* LINT0 passes the 8259 through when the APIC is hardware-disabled, or when
 * LINT0 is unmasked in ExtINT mode (what QEMU's apic_accept_pic_intr does). */
static int extint_open(const struct lapic *a)
{
	uint32_t l = a->lvt[LVT_LINT0];
	return !a->hw_enabled || (!(l & LVT_MASKED) && ((l >> 8) & 7) == DM_EXTINT);
}

int lapic_intr_pending(const struct lapic *a)
{
	return (sw_enabled(a) && fixed_deliverable(a)) || (a->lint0 && extint_open(a));
}

static void update_intr(struct lapic *a)
{
	int level = lapic_intr_pending(a);

	if (level != a->intr_out) {
		a->intr_out = level;
		if (a->cb.intr)
			a->cb.intr(a->cb.opaque, level);
	}
}

/* Accept a fixed-mode vector into IRR (vectors 0-15 are illegal: ESR bit 6). */
static void accept(struct lapic *a, int vector, int level)
{
	if (vector < 16) {
		a->esr |= 0x40;
		return;
	}
	set_bit(a->irr, vector);
	if (level)
		set_bit(a->tmr, vector);
	else
		clear_bit(a->tmr, vector);
	update_intr(a);
}

/* Deliver through a local vector table entry. */
static void lvt_deliver(struct lapic *a, int idx)
{
	uint32_t l = a->lvt[idx];

	if ((l & LVT_MASKED) || !sw_enabled(a))
		return;
	switch ((l >> 8) & 7) {
	case DM_FIXED:
		accept(a, l & 0xFF, (l & LVT_LEVEL) != 0);
		break;
	case DM_NMI:
		if (a->cb.nmi)
			a->cb.nmi(a->cb.opaque);
		break;
	default:
		isa_log_once(a->log, &a->logged, 0, "lapic: LVT delivery mode not modelled");
		break;
	}
}

/* ---- timer (SDM 10.5.4): counts down at bus clock / divider; bus = 1 GHz ---- */

static unsigned timer_shift(const struct lapic *a)
{
	/* Divide configuration bits 3,1,0: 000 = /2 ... 110 = /128, 111 = /1. */
	unsigned d = ((a->timer_div >> 1) & 4) | (a->timer_div & 3);
	return d == 7 ? 0 : d + 1;
}

static uint32_t timer_current(const struct lapic *a)
{
	uint64_t ticks;

	if (!a->timer_init)
		return 0;
	ticks = (clock_now(a->clock) - a->timer_start) >> timer_shift(a);
	if (a->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC)
		return a->timer_init - (uint32_t)(ticks % a->timer_init);
	return ticks >= a->timer_init ? 0 : a->timer_init - (uint32_t)ticks;
}

static void timer_arm(struct lapic *a)
{
	uint64_t period;

	if (!a->timer_init) {
		clock_timer_del(a->timer);
		return;
	}
	period = (uint64_t)a->timer_init << timer_shift(a);
	clock_timer_mod(a->timer, a->timer_start + period);
}

static void lapic_timer_fire(void *opaque)
{
	struct lapic *a = opaque;

	lvt_deliver(a, LVT_TIMER);
	if (a->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) {
		a->timer_start += (uint64_t)a->timer_init << timer_shift(a);
		timer_arm(a);
	}
}

/* ---- reset, pins, INTA ---- */

void lapic_reset(struct lapic *a)
{
	a->id = 0;
	a->tpr = a->ldr = a->esr = a->icr_lo = a->icr_hi = 0;
	a->dfr = 0xFFFFFFFFu;
	a->svr = 0xFF;
	for (int i = 0; i < LVT_COUNT; i++)
		a->lvt[i] = LVT_MASKED;
	/* The bootstrap processor's LINT0 starts in ExtINT mode (virtual wire),
	 * as QEMU sets it, so 8259 interrupts reach a BIOS that never programs
	 * the APIC (the Bochs BIOS). */
	a->lvt[LVT_LINT0] = DM_EXTINT << 8;
	memset(a->irr, 0, sizeof(a->irr));
	memset(a->isr, 0, sizeof(a->isr));
	memset(a->tmr, 0, sizeof(a->tmr));
	a->timer_init = a->timer_div = 0;
	a->timer_start = 0;
	clock_timer_del(a->timer);
	update_intr(a);
}

void lapic_set_enabled(struct lapic *a, int enabled)
{
	a->hw_enabled = enabled != 0;
	update_intr(a);
}

void lapic_set_lint0(struct lapic *a, int level)
{
	a->lint0 = level != 0;
	update_intr(a);
}

int lapic_intr_ack(struct lapic *a)
{
	int v;

	if (sw_enabled(a) && fixed_deliverable(a)) {
		v = highest(a->irr);
		clear_bit(a->irr, v);
		set_bit(a->isr, v);
		update_intr(a);
		return v;
	}
	if (a->lint0 && extint_open(a)) {
		v = a->cb.extint_ack ? a->cb.extint_ack(a->cb.opaque) : 0xFF;
		update_intr(a);
		return v;
	}
	/* Lost before INTA: the spurious vector (SDM 10.9). */
	update_intr(a);
	return a->svr & 0xFF;
}

/* ---- registers ---- */

static void icr_write(struct lapic *a, uint32_t v)
{
	unsigned mode = (v >> 8) & 7, shorthand = (v >> 18) & 3;
	int to_self = shorthand == 1 || shorthand == 2 ||
		      (shorthand == 0 && (a->icr_hi >> 24) == a->id);

	a->icr_lo = v & ~(1u << 12);   /* delivery status: idle at once */
	if (!to_self)
		return;                /* INIT/SIPI/fixed to other CPUs: there are none */
	switch (mode) {
	case DM_FIXED:
		accept(a, v & 0xFF, 0);
		break;
	case DM_NMI:
		if (a->cb.nmi)
			a->cb.nmi(a->cb.opaque);
		break;
	case DM_INIT:
	case DM_STARTUP:
		if (shorthand == 2) /* all including self: INIT/SIPI to self are ignored */
			break;
		/* fall through */
	default:
		isa_log_once(a->log, &a->logged, 1, "lapic: ICR delivery mode to self not modelled");
		break;
	}
}

static uint32_t reg_read(struct lapic *a, uint32_t reg)
{
	if (reg >= REG_ISR && reg < REG_ISR + 0x80)
		return a->isr[(reg - REG_ISR) >> 4];
	if (reg >= REG_TMR && reg < REG_TMR + 0x80)
		return a->tmr[(reg - REG_TMR) >> 4];
	if (reg >= REG_IRR && reg < REG_IRR + 0x80)
		return a->irr[(reg - REG_IRR) >> 4];
	if (reg >= REG_LVT0 && reg < REG_LVT0 + 0x60)
		return a->lvt[(reg - REG_LVT0) >> 4];
	switch (reg) {
	case REG_ID: return a->id << 24;
	case REG_VERSION: return APIC_VERSION;
	case REG_TPR: return a->tpr;
	case REG_APR: return 0;
	case REG_PPR: return ppr(a);
	case REG_LDR: return a->ldr;
	case REG_DFR: return a->dfr;
	case REG_SVR: return a->svr;
	case REG_ESR: return a->esr;
	case REG_ICR_LO: return a->icr_lo;
	case REG_ICR_HI: return a->icr_hi;
	case REG_TIMER_INIT: return a->timer_init;
	case REG_TIMER_CUR: return timer_current(a);
	case REG_TIMER_DIV: return a->timer_div;
	default: return 0;
	}
}

static void reg_write(struct lapic *a, uint32_t reg, uint32_t v)
{
	if (reg >= REG_LVT0 && reg < REG_LVT0 + 0x60) {
		int i = (reg - REG_LVT0) >> 4;
		/* With the APIC software-disabled the mask bit stays set (SDM 10.4.7.2). */
		a->lvt[i] = sw_enabled(a) ? v : v | LVT_MASKED;
		if (i == LVT_TIMER)
			timer_arm(a);
		update_intr(a);
		return;
	}
	switch (reg) {
	case REG_ID: a->id = v >> 24; break;
	case REG_TPR: a->tpr = v & 0xFF; update_intr(a); break;
	case REG_EOI: {
		int vec = highest(a->isr);
		if (vec >= 0)
			clear_bit(a->isr, vec);
		update_intr(a);
		break;
	}
	case REG_LDR: a->ldr = v & 0xFF000000u; break;
	case REG_DFR: a->dfr = v | 0x0FFFFFFFu; break;
	case REG_SVR:
		a->svr = v & 0x3FF;
		if (!(a->svr & SVR_ENABLE))
			for (int i = 0; i < LVT_COUNT; i++)
				a->lvt[i] |= LVT_MASKED;
		update_intr(a);
		break;
	case REG_ESR: a->esr = 0; break;
	case REG_ICR_HI: a->icr_hi = v & 0xFF000000u; break;
	case REG_ICR_LO: icr_write(a, v); break;
	case REG_TIMER_INIT:
		a->timer_init = v;
		a->timer_start = clock_now(a->clock);
		timer_arm(a);
		break;
	case REG_TIMER_DIV:
		a->timer_div = v & 0xB;
		break;
	case REG_VERSION: case REG_PPR: case REG_APR: case REG_RRD: case REG_TIMER_CUR:
		break;   /* read-only */
	default:
		if (!(reg >= REG_ISR && reg < REG_IRR + 0x80) && reg != REG_LVT_CMCI)
			isa_log_once(a->log, &a->logged, 2, "lapic: write to an unmodelled register");
		break;
	}
}

uint32_t lapic_mmio_read(void *opaque, uint32_t offset, int size)
{
	struct lapic *a = opaque;
	uint32_t v = reg_read(a, offset & 0xFF0);
	unsigned shift = 8 * (offset & 3);

	return size == 4 ? v : (v >> shift) & (size == 1 ? 0xFFu : 0xFFFFu);
}

void lapic_mmio_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct lapic *a = opaque;

	if (size != 4 || (offset & 0xF)) {
		isa_log_once(a->log, &a->logged, 3, "lapic: access that is not an aligned dword");
		return;
	}
	reg_write(a, offset & 0xFF0, value);
}

/* Field order is the snapshot format: append only, never reorder. */
void lapic_state_visit(struct lapic *a, struct state_io *s)
{
	state_io_tag(s, "lapic");
	state_io_int(s, &a->hw_enabled);
	state_io_u32(s, &a->id);
	state_io_u32(s, &a->tpr);
	state_io_u32(s, &a->ldr);
	state_io_u32(s, &a->dfr);
	state_io_u32(s, &a->svr);
	state_io_u32(s, &a->esr);
	state_io_u32(s, &a->icr_lo);
	state_io_u32(s, &a->icr_hi);
	for (int i = 0; i < LVT_COUNT; i++)
		state_io_u32(s, &a->lvt[i]);
	for (int i = 0; i < 8; i++) {
		state_io_u32(s, &a->irr[i]);
		state_io_u32(s, &a->isr[i]);
		state_io_u32(s, &a->tmr[i]);
	}
	state_io_u32(s, &a->timer_init);
	state_io_u32(s, &a->timer_div);
	state_io_u64(s, &a->timer_start);
	state_io_int(s, &a->lint0);
	state_io_int(s, &a->intr_out);
	/* The timer event itself is restored with the clock's queue. */
}
