/* tests/test_pit.c: the 8254 PIT and port 0x61 (machine/pit.c) alone. */
#include <criterion/criterion.h>

#include "tests/fake_clock.h"
#include <string.h>

#include "machine/pit.h"
#include "tests/testutil.h"

struct edge_log {
	uint64_t *now;
	uint64_t when[64];
	int level[64];
	int n;
};

static void irq0_set(void *opaque, int n, int level)
{
	struct edge_log *l = opaque;
	if (l->n < 64) {
		l->when[l->n] = *l->now;
		l->level[l->n] = level;
		l->n++;
	}
}

struct rig {
	uint64_t now;
	struct clock *clk;
	struct pit *pit;
	struct edge_log log;
};

static void rig_init(struct rig *r, uint64_t start)
{
	r->now = start;
	r->clk = clock_new(&r->now);
	cr_assert(r->clk);
	memset(&r->log, 0, sizeof(r->log));
	r->log.now = &r->now;
	r->pit = pit_new(r->clk, (struct irq_line){ irq0_set, &r->log, 0 }, NULL);
	cr_assert(r->pit);
}

static void rig_fini(struct rig *r)
{
	pit_free(r->pit);
	clock_free(r->clk);
}

/* Run the event queue up to time `until`, as the machine loop would. */
static void rig_run(struct rig *r, uint64_t until)
{
	cr_assert_eq(fake_clock_run(r->clk, &r->now, until), 0, "timer re-armed without progress");
}

static void out8(struct rig *r, uint32_t off, uint8_t v)
{
	pit_io_write(r->pit, off, v, 1);
}

static uint8_t in8(struct rig *r, uint32_t off)
{
	return (uint8_t)pit_io_read(r->pit, off, 1);
}

Test(pit, tick_conversion_is_exact_integer_math)
{
	cr_expect_eq(pit_ns_to_ticks(1000000000ull), PIT_FREQ_HZ);
	cr_expect_eq(pit_ticks_to_ns(PIT_FREQ_HZ), 1000000000ull);
	cr_expect_eq(pit_ns_to_ticks(838), 0);     /* one tick is 838.095 ns */
	cr_expect_eq(pit_ns_to_ticks(839), 1);
	cr_expect_eq(pit_ticks_to_ns(1), 839);
	for (uint64_t t = 1; t < 5000000000ull; t = t * 3 + 7) {
		uint64_t ns = pit_ticks_to_ns(t);
		cr_assert_eq(pit_ns_to_ticks(ns), t);
		cr_assert_eq(pit_ns_to_ticks(ns - 1), t - 1);
	}
	/* A day of virtual time does not overflow. */
	cr_expect_eq(pit_ns_to_ticks(86400ull * 1000000000ull), 86400ull * PIT_FREQ_HZ);
}

Test(pit, seabios_mode2_irq0_at_exact_times)
{
	struct rig r;
	rig_init(&r, 1000);                 /* tick 1 */
	r.log.n = 0;
	out8(&r, 3, 0x34);                  /* ch0, LSB/MSB, mode 2 */
	out8(&r, 0, 0x00);
	out8(&r, 0, 0x00);                  /* count 0 = 65536 */
	cr_expect_eq(pit_get_out(r.pit, 0), 1);
	r.log.n = 0;
	rig_run(&r, 200000000);             /* 0.2 s: 3 periods of 54.9 ms */
	cr_assert_eq(r.log.n, 6);
	for (int k = 1; k <= 3; k++) {
		/* OUT low for the one clock where the count is 1, then the
		 * rising edge that the PIC latches as IRQ0. */
		cr_expect_eq(r.log.level[2 * k - 2], 0);
		cr_expect_eq(r.log.when[2 * k - 2], pit_ticks_to_ns(1 + 65536ull * k - 1));
		cr_expect_eq(r.log.level[2 * k - 1], 1);
		cr_expect_eq(r.log.when[2 * k - 1], pit_ticks_to_ns(1 + 65536ull * k));
	}
	/* 18.2 Hz: the period is 54925.4 us. */
	cr_expect_eq(r.log.when[3] - r.log.when[1], 54925 * 1000 + 401);
	rig_fini(&r);
}

Test(pit, mode3_square_wave)
{
	struct rig r;
	rig_init(&r, 0);
	out8(&r, 3, 0x36);                  /* ch0 mode 3 */
	out8(&r, 0, 1000 & 0xFF);
	out8(&r, 0, 1000 >> 8);
	r.log.n = 0;
	rig_run(&r, pit_ticks_to_ns(2000));
	cr_assert_eq(r.log.n, 4);
	cr_expect_eq(r.log.level[0], 0);
	cr_expect_eq(r.log.when[0], pit_ticks_to_ns(500));
	cr_expect_eq(r.log.when[1], pit_ticks_to_ns(1000));
	cr_expect_eq(r.log.when[2], pit_ticks_to_ns(1500));
	cr_expect_eq(r.log.when[3], pit_ticks_to_ns(2000));
	/* Odd count 5 on IRQ0: high for 3 clocks, low for 2. */
	out8(&r, 3, 0x36);
	out8(&r, 0, 5);
	out8(&r, 0, 0);
	{
		uint64_t t0 = pit_ns_to_ticks(r.now);
		r.log.n = 0;
		rig_run(&r, pit_ticks_to_ns(t0 + 10));
		cr_assert_eq(r.log.n, 4);
		cr_expect_eq(r.log.when[0], pit_ticks_to_ns(t0 + 3));
		cr_expect_eq(r.log.when[1], pit_ticks_to_ns(t0 + 5));
		cr_expect_eq(r.log.when[2], pit_ticks_to_ns(t0 + 8));
		cr_expect_eq(r.log.when[3], pit_ticks_to_ns(t0 + 10));
	}
	/* Odd count 5 on channel 2: high for 3 clocks, low for 2. */
	pit_port61_io_write(r.pit, 0, 0x01, 1);
	out8(&r, 3, 0xB6);
	out8(&r, 2, 5);
	out8(&r, 2, 0);
	{
		uint64_t t0 = pit_ns_to_ticks(r.now);
		static const int want[] = { 1, 1, 1, 0, 0, 1, 1, 1, 0, 0 };
		for (int i = 0; i < 10; i++) {
			r.now = pit_ticks_to_ns(t0 + i);
			cr_expect_eq(pit_get_out(r.pit, 2), want[i], "tick %d", i);
		}
	}
	rig_fini(&r);
}

Test(pit, counter_latch_holds_value)
{
	struct rig r;
	rig_init(&r, 0);
	out8(&r, 3, 0x34);
	out8(&r, 0, 1000 & 0xFF);
	out8(&r, 0, 1000 >> 8);
	r.now = pit_ticks_to_ns(100);
	out8(&r, 3, 0x00);                  /* latch channel 0 */
	r.now = pit_ticks_to_ns(300);
	out8(&r, 3, 0x00);                  /* ignored: first latch not read */
	cr_expect_eq(in8(&r, 0), 900 & 0xFF);
	cr_expect_eq(in8(&r, 0), 900 >> 8);
	/* Unlatched reads are live. */
	cr_expect_eq(in8(&r, 0), 700 & 0xFF);
	cr_expect_eq(in8(&r, 0), 700 >> 8);
	rig_fini(&r);
}

Test(pit, readback_status_and_count)
{
	struct rig r;
	rig_init(&r, 0);
	out8(&r, 3, 0x34);
	cr_expect_eq(pit_get_out(r.pit, 0), 1);
	out8(&r, 3, 0xE2);                  /* read-back: status of ch0 */
	cr_expect_eq(in8(&r, 0), 0x40 | 0x80 | 0x34);  /* OUT high, null count */
	out8(&r, 0, 0x10);
	out8(&r, 0, 0x00);                  /* count 16 */
	r.now = pit_ticks_to_ns(15);        /* count 1: OUT low */
	out8(&r, 3, 0xC2);                  /* status and count */
	r.now = pit_ticks_to_ns(20);
	cr_expect_eq(in8(&r, 0), 0x34);     /* OUT low, count loaded */
	cr_expect_eq(in8(&r, 0), 1);
	cr_expect_eq(in8(&r, 0), 0);
	out8(&r, 3, 0xD2);                  /* count only */
	cr_expect_eq(in8(&r, 0), 12);       /* 20 % 16 = 4 into the period */
	cr_expect_eq(in8(&r, 0), 0);
	cr_expect_eq(in8(&r, 3), 0xFF);     /* control port reads open bus */
	rig_fini(&r);
}

Test(pit, mode0_on_channel2_through_port61)
{
	struct rig r;
	rig_init(&r, 0);
	pit_port61_io_write(r.pit, 0, 0x01, 1);     /* gate 2 on, speaker off */
	out8(&r, 3, 0xB0);                  /* ch2, LSB/MSB, mode 0 */
	out8(&r, 2, 100);
	out8(&r, 2, 0);
	cr_expect_eq(pit_port61_io_read(r.pit, 0, 1) & 0x21, 0x01);
	r.now = pit_ticks_to_ns(99);
	cr_expect_eq(pit_port61_io_read(r.pit, 0, 1) & 0x20, 0);
	r.now = pit_ticks_to_ns(100);
	cr_expect_eq(pit_port61_io_read(r.pit, 0, 1) & 0x20, 0x20);
	/* Gate low suspends counting in mode 0. */
	out8(&r, 3, 0xB0);
	out8(&r, 2, 50);
	out8(&r, 2, 0);
	r.now = pit_ticks_to_ns(120);
	pit_port61_io_write(r.pit, 0, 0x00, 1);
	r.now = pit_ticks_to_ns(1000);
	out8(&r, 3, 0x80);
	cr_expect_eq(in8(&r, 2), 30);
	cr_expect_eq(in8(&r, 2), 0);
	pit_port61_io_write(r.pit, 0, 0x01, 1);
	r.now = pit_ticks_to_ns(1029);
	cr_expect_eq(pit_get_out(r.pit, 2), 0);
	r.now = pit_ticks_to_ns(1030);
	cr_expect_eq(pit_get_out(r.pit, 2), 1);
	rig_fini(&r);
}

Test(pit, mode1_and_mode5_are_gate_triggered)
{
	struct rig r;
	rig_init(&r, 0);
	out8(&r, 3, 0xB2);                  /* ch2 mode 1 */
	out8(&r, 2, 10);
	out8(&r, 2, 0);
	cr_expect_eq(pit_get_out(r.pit, 2), 1);     /* waits for a trigger */
	r.now = pit_ticks_to_ns(50);
	pit_set_gate(r.pit, 2, 1);
	cr_expect_eq(pit_get_out(r.pit, 2), 0);
	r.now = pit_ticks_to_ns(60);
	cr_expect_eq(pit_get_out(r.pit, 2), 1);
	pit_set_gate(r.pit, 2, 0);
	out8(&r, 3, 0xBA);                  /* ch2 mode 5 */
	out8(&r, 2, 10);
	out8(&r, 2, 0);
	r.now = pit_ticks_to_ns(100);
	pit_set_gate(r.pit, 2, 1);
	r.now = pit_ticks_to_ns(109);
	cr_expect_eq(pit_get_out(r.pit, 2), 1);
	r.now = pit_ticks_to_ns(110);
	cr_expect_eq(pit_get_out(r.pit, 2), 0);     /* one-clock strobe */
	r.now = pit_ticks_to_ns(111);
	cr_expect_eq(pit_get_out(r.pit, 2), 1);
	rig_fini(&r);
}

Test(pit, mode4_strobe_on_irq0)
{
	struct rig r;
	rig_init(&r, 0);
	out8(&r, 3, 0x38);                  /* ch0 mode 4 */
	out8(&r, 0, 200);
	r.log.n = 0;
	out8(&r, 0, 0);
	rig_run(&r, pit_ticks_to_ns(1000));
	cr_assert_eq(r.log.n, 2);
	cr_expect_eq(r.log.when[0], pit_ticks_to_ns(200));
	cr_expect_eq(r.log.level[0], 0);
	cr_expect_eq(r.log.when[1], pit_ticks_to_ns(201));
	cr_expect_eq(clock_next_deadline(r.clk), CLOCK_NEVER);
	rig_fini(&r);
}

Test(pit, bcd_counting)
{
	struct rig r;
	rig_init(&r, 0);
	out8(&r, 3, 0x31);                  /* ch0 mode 0 BCD */
	out8(&r, 0, 0x00);
	out8(&r, 0, 0x10);                  /* 1000 decimal */
	r.now = pit_ticks_to_ns(1);
	cr_expect_eq(in8(&r, 0), 0x99);
	cr_expect_eq(in8(&r, 0), 0x09);
	r.now = pit_ticks_to_ns(1001);      /* wrapped: 9999 */
	cr_expect_eq(in8(&r, 0), 0x99);
	cr_expect_eq(in8(&r, 0), 0x99);
	rig_fini(&r);
}

Test(pit, lsb_only_and_msb_only_access)
{
	struct rig r;
	rig_init(&r, 0);
	out8(&r, 3, 0x14);                  /* ch0 LSB only, mode 2 */
	out8(&r, 0, 50);
	r.now = pit_ticks_to_ns(10);
	cr_expect_eq(in8(&r, 0), 40);
	cr_expect_eq(in8(&r, 0), 40);
	out8(&r, 3, 0x24);                  /* MSB only */
	out8(&r, 0, 0x02);                  /* 0x200 */
	r.now = pit_ticks_to_ns(10 + 0x100);
	cr_expect_eq(in8(&r, 0), 0x01);
	rig_fini(&r);
}

Test(pit, mode2_new_count_waits_for_period_end)
{
	struct rig r;
	rig_init(&r, 0);
	out8(&r, 3, 0x34);
	out8(&r, 0, 100);
	out8(&r, 0, 0);
	r.now = pit_ticks_to_ns(30);
	out8(&r, 0, 10);
	out8(&r, 0, 0);
	r.log.n = 0;
	rig_run(&r, pit_ticks_to_ns(125));
	/* Old period ends at 100; then periods of 10: edges at 109/110, 119/120. */
	cr_assert_eq(r.log.n, 6);
	cr_expect_eq(r.log.when[1], pit_ticks_to_ns(100));
	cr_expect_eq(r.log.when[2], pit_ticks_to_ns(109));
	cr_expect_eq(r.log.when[5], pit_ticks_to_ns(120));
	rig_fini(&r);
}

Test(pit, refresh_toggle_follows_virtual_time)
{
	struct rig r;
	rig_init(&r, 0);
	cr_expect_eq(pit_port61_io_read(r.pit, 0, 1) & 0x10, 0);
	r.now = 15085;
	cr_expect_eq(pit_port61_io_read(r.pit, 0, 1) & 0x10, 0x10);
	r.now = 2 * 15085;
	cr_expect_eq(pit_port61_io_read(r.pit, 0, 1) & 0x10, 0);
	pit_port61_io_write(r.pit, 0, 0xFF, 1);
	cr_expect_eq(pit_port61_io_read(r.pit, 0, 1) & 0xCF, 0x0F);
	rig_fini(&r);
}

Test(pit, state_saves_the_channels)
{
	struct rig r, r2;
	rig_init(&r, 0);
	rig_init(&r2, 0);
	struct tu_state a = TU_STATE_SAVE(pit_state_visit, r.pit), b;
	out8(&r, 3, 0x34);
	out8(&r, 0, 1000 & 0xFF);
	out8(&r, 0, 1000 >> 8);
	r.now = pit_ticks_to_ns(100);
	out8(&r, 3, 0x00);                  /* latch channel 0 */
	b = TU_STATE_SAVE(pit_state_visit, r.pit);
	cr_expect(!tu_state_eq(&a, &b));

	/* Loaded into a fresh PIT later on: the latch, then the live count. */
	r2.now = pit_ticks_to_ns(300);
	cr_assert_eq(TU_STATE_LOAD(pit_state_visit, r2.pit, &b), 0);
	cr_expect(TU_STATE_SAVES_AS(pit_state_visit, r2.pit, &b));
	cr_expect_eq(in8(&r2, 0), 900 & 0xFF);
	cr_expect_eq(in8(&r2, 0), 900 >> 8);
	cr_expect_eq(in8(&r2, 0), 700 & 0xFF);
	cr_expect_eq(in8(&r2, 0), 700 >> 8);
	tu_state_free(&a);
	tu_state_free(&b);
	rig_fini(&r);
	rig_fini(&r2);
}
