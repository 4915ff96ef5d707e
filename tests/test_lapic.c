/* tests/test_lapic.c: the local APIC alone with a fake clock (machine/lapic.c, SDM Vol. 3A ch. 10). */
#include <criterion/criterion.h>

#include "machine/clock.h"
#include "machine/lapic.h"

struct env {
	uint64_t now;
	struct clock *clock;
	struct lapic *apic;
	int intr, nmis, pic_vector, pic_acks;
};

static void on_intr(void *o, int level) { ((struct env *)o)->intr = level; }
static void on_nmi(void *o) { ((struct env *)o)->nmis++; }
static int on_extint(void *o)
{
	struct env *e = o;
	e->pic_acks++;
	return e->pic_vector;
}

static void setup(struct env *e)
{
	static const struct isa_log quiet = { 0 };
	struct lapic_callbacks cb = { .intr = on_intr, .nmi = on_nmi, .extint_ack = on_extint, .opaque = e };
	memset(e, 0, sizeof(*e));
	e->clock = clock_new(&e->now);
	e->apic = lapic_new(e->clock, &cb, &quiet);
	cr_assert(e->apic);
}

static void teardown(struct env *e)
{
	lapic_free(e->apic);
	clock_free(e->clock);
}

static uint32_t rd(struct env *e, uint32_t reg) { return lapic_mmio_read(e->apic, reg, 4); }
static void wr(struct env *e, uint32_t reg, uint32_t v) { lapic_mmio_write(e->apic, reg, v, 4); }

static void enable(struct env *e) { wr(e, 0xF0, 0x1FF); }   /* SVR: enabled, spurious 0xFF */

Test(lapic, reset_state_and_version)
{
	struct env e;
	setup(&e);
	cr_expect_eq(rd(&e, 0x20), 0);
	cr_expect_eq(rd(&e, 0x30), 0x00050014);
	cr_expect_eq(rd(&e, 0xF0), 0xFF);
	for (uint32_t r = 0x320; r <= 0x370; r += 0x10)
		if (r != 0x350)
			cr_expect_eq(rd(&e, r), 0x10000, "LVT %x not masked", r);
	cr_expect_eq(rd(&e, 0x350), 0x700, "LINT0 starts in ExtINT mode");
	cr_expect_eq(rd(&e, 0xE0), 0xFFFFFFFF);
	teardown(&e);
}

Test(lapic, self_ipi_eoi_and_priority)
{
	struct env e;
	setup(&e);
	enable(&e);
	wr(&e, 0x300, 0x40040 | 0x50);         /* fixed, shorthand self, vector 0x50 */
	cr_expect(e.intr);
	cr_expect_eq(rd(&e, 0x200 + 0x20), 1u << 16, "IRR bit 0x50");
	cr_expect_eq(lapic_intr_ack(e.apic), 0x50);
	cr_expect(!e.intr);
	cr_expect_eq(rd(&e, 0x100 + 0x20), 1u << 16, "ISR bit 0x50");
	cr_expect_eq(rd(&e, 0xA0), 0x50, "PPR follows the in-service class");
	/* A lower-class vector waits behind the one in service... */
	wr(&e, 0x300, 0x40000 | 0x41);
	cr_expect(!e.intr);
	/* ...until EOI. */
	wr(&e, 0xB0, 0);
	cr_expect(e.intr);
	cr_expect_eq(lapic_intr_ack(e.apic), 0x41);
	wr(&e, 0xB0, 0);
	/* TPR masks classes at or below it. */
	wr(&e, 0x80, 0x60);
	wr(&e, 0x300, 0x40000 | 0x61);
	cr_expect(!e.intr);
	wr(&e, 0x80, 0x50);
	cr_expect(e.intr);
	teardown(&e);
}

Test(lapic, extint_through_lint0)
{
	struct env e;
	setup(&e);
	e.pic_vector = 0x08;
	/* LINT0 is ExtINT from reset: the 8259 reaches the CPU before any setup. */
	lapic_set_lint0(e.apic, 1);
	cr_expect(e.intr);
	enable(&e);
	wr(&e, 0x350, 0x10700);                 /* masked: the 8259 is cut off */
	cr_expect(!e.intr);
	wr(&e, 0x350, 0x700);
	cr_expect(e.intr);
	cr_expect_eq(lapic_intr_ack(e.apic), 0x08);
	cr_expect_eq(e.pic_acks, 1);
	lapic_set_lint0(e.apic, 0);
	cr_expect(!e.intr);
	/* Hardware-disabled: the 8259 passes straight through. */
	lapic_set_enabled(e.apic, 0);
	lapic_set_lint0(e.apic, 1);
	cr_expect(e.intr);
	teardown(&e);
}

Test(lapic, disabled_apic_keeps_lvt_masked)
{
	struct env e;
	setup(&e);
	wr(&e, 0x350, 0x700);
	cr_expect_eq(rd(&e, 0x350), 0x10700, "written while disabled: stays masked");
	enable(&e);
	wr(&e, 0x360, 0x400);                   /* LINT1: NMI */
	cr_expect_eq(rd(&e, 0x360), 0x400);
	wr(&e, 0xF0, 0xFF);                     /* software-disable masks every LVT */
	cr_expect_eq(rd(&e, 0x360), 0x10400);
	teardown(&e);
}

Test(lapic, timer_one_shot_and_periodic)
{
	struct env e;
	setup(&e);
	enable(&e);
	wr(&e, 0x3E0, 0xB);                     /* divide by 1 */
	wr(&e, 0x320, 0x30);                    /* one-shot, vector 0x30 */
	wr(&e, 0x380, 1000);                    /* 1000 ticks of the 1 GHz bus = 1000 ns */
	e.now = 400;
	cr_expect_eq(rd(&e, 0x390), 600);
	cr_expect_eq(clock_next_deadline(e.clock), 1000);
	e.now = 1000;
	clock_run_due(e.clock);
	cr_expect(e.intr);
	cr_expect_eq(lapic_intr_ack(e.apic), 0x30);
	wr(&e, 0xB0, 0);
	cr_expect_eq(rd(&e, 0x390), 0);
	cr_expect_eq(clock_next_deadline(e.clock), CLOCK_NEVER);

	/* Periodic, divide by 16: period 16 * 100 ns. */
	wr(&e, 0x3E0, 0x3);
	wr(&e, 0x320, 0x20031);
	wr(&e, 0x380, 100);
	cr_expect_eq(clock_next_deadline(e.clock), 1000 + 1600);
	for (int i = 1; i <= 3; i++) {
		e.now = 1000 + 1600 * (uint64_t)i;
		clock_run_due(e.clock);
		cr_expect_eq(lapic_intr_ack(e.apic), 0x31, "tick %d", i);
		wr(&e, 0xB0, 0);
	}
	e.now += 800;
	cr_expect_eq(rd(&e, 0x390), 50);
	teardown(&e);
}

Test(lapic, nmi_through_lint1_is_not_modelled_as_vector)
{
	struct env e;
	setup(&e);
	enable(&e);
	wr(&e, 0x300, 0x40400);                 /* NMI to self */
	cr_expect_eq(e.nmis, 1);
	cr_expect(!e.intr);
	/* INIT/SIPI to all-excluding-self find no other CPU: nothing happens. */
	wr(&e, 0x300, 0xC4500);
	wr(&e, 0x300, 0xC4600);
	cr_expect(!e.intr);
	cr_expect_eq(rd(&e, 0x300) & (1u << 12), 0, "delivery status idle");
	teardown(&e);
}
