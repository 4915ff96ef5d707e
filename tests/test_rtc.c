/* tests/test_rtc.c: the MC146818 RTC and CMOS (machine/rtc.c) alone. */
#include <criterion/criterion.h>

#include "tests/fake_clock.h"
#include <string.h>

#include "machine/rtc.h"
#include "tests/testutil.h"

#define S 1000000000ull
#define Y2000 946684800ll

struct irq_rec {
	uint64_t *now;
	int level;
	int rises;
	uint64_t last_rise;
};

static void irq8_set(void *opaque, int n, int level)
{
	struct irq_rec *q = opaque;
	if (level && !q->level) {
		q->rises++;
		q->last_rise = *q->now;
	}
	q->level = level;
}

struct rig {
	uint64_t now;
	struct clock *clk;
	struct rtc *rtc;
	struct irq_rec irq;
};

static void rig_init(struct rig *r, int64_t start)
{
	r->now = 0;
	r->clk = clock_new(&r->now);
	cr_assert(r->clk);
	memset(&r->irq, 0, sizeof(r->irq));
	r->irq.now = &r->now;
	r->rtc = rtc_new(r->clk, start, (struct irq_line){ irq8_set, &r->irq, 8 }, NULL);
	cr_assert(r->rtc);
}

static void rig_fini(struct rig *r)
{
	rtc_free(r->rtc);
	clock_free(r->clk);
}

static void rig_run(struct rig *r, uint64_t until)
{
	cr_assert_eq(fake_clock_run(r->clk, &r->now, until), 0, "timer re-armed without progress");
}

static uint8_t rd(struct rig *r, uint8_t idx)
{
	rtc_io_write(r->rtc, 0, idx, 1);
	return (uint8_t)rtc_io_read(r->rtc, 1, 1);
}

static void wr(struct rig *r, uint8_t idx, uint8_t v)
{
	rtc_io_write(r->rtc, 0, idx, 1);
	rtc_io_write(r->rtc, 1, v, 1);
}

Test(rtc, power_on_registers)
{
	struct rig r;
	rig_init(&r, Y2000);
	cr_expect_eq(rtc_io_read(r.rtc, 0, 1), 0xFF);
	cr_expect_eq(rd(&r, RTC_REG_A), 0x26);
	cr_expect_eq(rd(&r, RTC_REG_B), 0x02);
	cr_expect_eq(rd(&r, RTC_REG_C), 0x00);
	cr_expect_eq(rd(&r, RTC_REG_D), 0x80);
	cr_expect_eq(rd(&r, 0x0F), 0x00);
	rig_fini(&r);
}

Test(rtc, time_is_start_plus_virtual_time)
{
	struct rig r;
	rig_init(&r, Y2000);
	cr_expect_eq(rd(&r, 0x00), 0x00);
	cr_expect_eq(rd(&r, 0x06), 0x07);         /* Saturday */
	cr_expect_eq(rd(&r, 0x07), 0x01);
	cr_expect_eq(rd(&r, 0x08), 0x01);
	cr_expect_eq(rd(&r, 0x09), 0x00);
	cr_expect_eq(rd(&r, RTC_CENTURY), 0x20);
	r.now = 3723 * S + S / 2;                 /* 01:02:03.5 */
	cr_expect_eq(rd(&r, 0x04), 0x01);
	cr_expect_eq(rd(&r, 0x02), 0x02);
	cr_expect_eq(rd(&r, 0x00), 0x03);
	cr_expect_eq(rtc_time(r.rtc), Y2000 + 3723);
	rig_fini(&r);

	rig_init(&r, 1709251199);                 /* 2024-02-29 23:59:59 */
	cr_expect_eq(rd(&r, 0x08), 0x02);
	cr_expect_eq(rd(&r, 0x07), 0x29);
	r.now = S;
	cr_expect_eq(rd(&r, 0x07), 0x01);
	cr_expect_eq(rd(&r, 0x08), 0x03);
	cr_expect_eq(rd(&r, 0x09), 0x24);
	cr_expect_eq(rd(&r, 0x06), 0x06);         /* Friday */
	cr_expect_eq(rd(&r, 0x04), 0x00);
	rig_fini(&r);
}

Test(rtc, binary_and_12_hour_formats)
{
	struct rig r;
	rig_init(&r, Y2000 + 23 * 3600 + 59 * 60);  /* 23:59 */
	cr_expect_eq(rd(&r, 0x04), 0x23);
	wr(&r, RTC_REG_B, 0x00);                  /* BCD, 12 h */
	cr_expect_eq(rd(&r, 0x04), 0x91);         /* 11 PM */
	wr(&r, RTC_REG_B, 0x04);                  /* binary, 12 h */
	cr_expect_eq(rd(&r, 0x04), 0x8B);
	cr_expect_eq(rd(&r, 0x02), 59);
	wr(&r, RTC_REG_B, 0x06);                  /* binary, 24 h */
	cr_expect_eq(rd(&r, 0x04), 23);
	cr_expect_eq(rd(&r, RTC_CENTURY), 20);
	r.now = 60 * S;                           /* midnight, 12 h: 12 AM */
	wr(&r, RTC_REG_B, 0x00);
	cr_expect_eq(rd(&r, 0x04), 0x12);
	rig_fini(&r);
}

Test(rtc, update_in_progress_window)
{
	struct rig r;
	rig_init(&r, Y2000);
	r.now = S - 244142;
	cr_expect_eq(rd(&r, RTC_REG_A) & 0x80, 0);
	r.now = S - 244141;
	cr_expect_eq(rd(&r, RTC_REG_A) & 0x80, 0x80);
	r.now = S - 1;
	cr_expect_eq(rd(&r, RTC_REG_A), 0xA6);
	cr_expect_eq(rd(&r, 0x00), 0x00);
	r.now = S;
	cr_expect_eq(rd(&r, RTC_REG_A) & 0x80, 0);
	cr_expect_eq(rd(&r, 0x00), 0x01);
	/* SET stops updates: no UIP. */
	wr(&r, RTC_REG_B, 0x82);
	r.now = 2 * S - 1000;
	cr_expect_eq(rd(&r, RTC_REG_A) & 0x80, 0);
	rig_fini(&r);
}

Test(rtc, update_ended_irq8_and_c_clears_on_read)
{
	struct rig r;
	rig_init(&r, Y2000);
	r.now = S / 4;
	wr(&r, RTC_REG_A, 0x20);                  /* no periodic rate */
	cr_expect_eq(rd(&r, RTC_REG_C), 0x40);    /* PF from the first 250 ms */
	wr(&r, RTC_REG_B, 0x12);                  /* UIE */
	rig_run(&r, S + S / 2);
	cr_expect_eq(r.irq.rises, 1);
	cr_expect_eq(r.irq.last_rise, S);
	cr_expect_eq(rd(&r, RTC_REG_C), 0x90);
	cr_expect_eq(r.irq.level, 0);
	cr_expect_eq(rd(&r, RTC_REG_C), 0x00);
	rig_run(&r, 3 * S + 1);
	cr_expect_eq(r.irq.rises, 2);
	cr_expect_eq(r.irq.last_rise, 2 * S);   /* stays high until C is read */
	cr_expect_eq(rd(&r, RTC_REG_C), 0x90);
	rig_fini(&r);
}

Test(rtc, periodic_irq8_at_1024_hz)
{
	struct rig r;
	rig_init(&r, Y2000);
	wr(&r, RTC_REG_B, 0x42);                  /* PIE; A = 0x26: 1024 Hz */
	rig_run(&r, 1000000);
	cr_expect_eq(r.irq.rises, 1);
	cr_expect_eq(r.irq.last_rise, 976563);    /* 32 ticks of 32.768 kHz */
	cr_expect_eq(rd(&r, RTC_REG_C), 0xC0);
	rig_run(&r, 2000000);
	cr_expect_eq(r.irq.rises, 2);
	cr_expect_eq(r.irq.last_rise, 1953125);
	cr_expect_eq(rd(&r, RTC_REG_C), 0xC0);
	/* Rate 15: 2 Hz. */
	wr(&r, RTC_REG_A, 0x2F);
	rig_run(&r, 2 * S);
	cr_expect_eq(r.irq.rises, 3);
	cr_expect_eq(r.irq.last_rise, S / 2);
	rig_fini(&r);
}

Test(rtc, flags_without_interrupt_enables)
{
	struct rig r;
	rig_init(&r, Y2000);
	rig_run(&r, 5 * S);
	cr_expect_eq(r.irq.rises, 0);
	cr_expect_eq(clock_next_deadline(r.clk), CLOCK_NEVER);
	cr_expect_eq(rd(&r, RTC_REG_C), 0x50);    /* PF and UF, no IRQF */
	cr_expect_eq(rd(&r, RTC_REG_C), 0x00);
	rig_fini(&r);
}

Test(rtc, alarm_interrupt)
{
	struct rig r;
	rig_init(&r, Y2000);
	wr(&r, RTC_REG_A, 0x20);
	wr(&r, 0x01, 0x05);                       /* 00:00:05 */
	wr(&r, 0x03, 0x00);
	wr(&r, 0x05, 0x00);
	wr(&r, RTC_REG_B, 0x22);                  /* AIE */
	rig_run(&r, 10 * S);
	cr_expect_eq(r.irq.rises, 1);
	cr_expect_eq(r.irq.last_rise, 5 * S);
	cr_expect_eq(rd(&r, RTC_REG_C), 0xB0);    /* IRQF, AF, UF */
	/* Don't-care values (0xC0-0xFF) match every second. */
	wr(&r, 0x01, 0xFF);
	wr(&r, 0x03, 0xC0);
	wr(&r, 0x05, 0xC0);
	rig_run(&r, 11 * S);
	cr_expect_eq(r.irq.rises, 2);
	cr_expect_eq(r.irq.last_rise, 11 * S);
	rig_fini(&r);
}

Test(rtc, guest_sets_time_with_set_bit)
{
	struct rig r;
	rig_init(&r, Y2000);
	r.now = S / 4;
	wr(&r, RTC_REG_B, 0x82);                  /* SET */
	wr(&r, 0x04, 0x12);
	wr(&r, 0x02, 0x34);
	wr(&r, 0x00, 0x56);
	wr(&r, 0x09, 0x99);
	wr(&r, RTC_CENTURY, 0x19);
	r.now = 10 * S;                           /* frozen while SET */
	cr_expect_eq(rd(&r, 0x00), 0x56);
	wr(&r, RTC_REG_B, 0x02);
	cr_expect_eq(rd(&r, 0x00), 0x56);
	r.now = 11 * S;                           /* the sub-second phase is kept */
	cr_expect_eq(rd(&r, 0x00), 0x57);
	cr_expect_eq(rd(&r, 0x09), 0x99);
	cr_expect_eq(rd(&r, RTC_CENTURY), 0x19);
	/* A write while running changes that field and keeps counting. */
	wr(&r, 0x02, 0x00);
	r.now = 12 * S;
	cr_expect_eq(rd(&r, 0x02), 0x00);
	cr_expect_eq(rd(&r, 0x00), 0x58);
	cr_expect_eq(rd(&r, 0x04), 0x12);
	rig_fini(&r);
}

Test(rtc, divider_reset_then_first_update_after_500ms)
{
	struct rig r;
	rig_init(&r, Y2000);
	r.now = S / 10;
	wr(&r, RTC_REG_A, 0x70);                  /* divider in reset */
	r.now = 7 * S;
	cr_expect_eq(rd(&r, 0x00), 0x00);
	wr(&r, RTC_REG_A, 0x26);
	r.now = 7 * S + S / 2 - 1;
	cr_expect_eq(rd(&r, 0x00), 0x00);
	r.now = 7 * S + S / 2;
	cr_expect_eq(rd(&r, 0x00), 0x01);
	rig_fini(&r);
}

Test(rtc, reset_keeps_cmos_and_time)
{
	struct rig r;
	rig_init(&r, Y2000);
	wr(&r, 0x40, 0xAB);
	wr(&r, RTC_REG_B, 0x7A);
	rig_run(&r, 2 * S);
	cr_expect_eq(r.irq.level, 1);
	rtc_reset(r.rtc);
	cr_expect_eq(r.irq.level, 0);
	cr_expect_eq(rd(&r, RTC_REG_B), 0x02);
	cr_expect_eq(rd(&r, 0x40), 0xAB);
	cr_expect_eq(rd(&r, 0x00), 0x02);
	cr_expect_eq(rd(&r, RTC_REG_A), 0x26);
	cr_expect_eq(rtc_cmos_get(r.rtc, 0x40), 0xAB);
	rtc_cmos_set(r.rtc, 0x41, 0x5A);
	cr_expect_eq(rd(&r, 0x41), 0x5A);
	rig_fini(&r);
}

Test(rtc, nmi_mask_bit)
{
	struct rig r;
	rig_init(&r, Y2000);
	cr_expect_eq(rtc_nmi_masked(r.rtc), 0);
	rtc_io_write(r.rtc, 0, 0x8F, 1);
	cr_expect_eq(rtc_nmi_masked(r.rtc), 1);
	rtc_io_write(r.rtc, 1, 0x0A, 1);          /* index 0x0F: shutdown byte */
	rtc_io_write(r.rtc, 0, 0x0F, 1);
	cr_expect_eq(rtc_nmi_masked(r.rtc), 0);
	cr_expect_eq(rtc_io_read(r.rtc, 1, 1), 0x0A);
	rig_fini(&r);
}

Test(rtc, pc_cmos_layout_like_qemu)
{
	struct rig r;
	struct rtc_pc_cmos cfg = {
		.ram_below_4g = 128ull << 20,
		.cpus = 1,
		.fd_bootchk = 1,
		.ide = { { 1, 2, 16, 63, 0 } },
	};
	rig_init(&r, Y2000);
	rtc_cmos_init_pc(r.rtc, &cfg);
	cr_expect_eq(rd(&r, 0x15), 0x80);         /* 640 KiB */
	cr_expect_eq(rd(&r, 0x16), 0x02);
	cr_expect_eq(rd(&r, 0x17), 0xFF);         /* 127 MiB clipped to 65535 */
	cr_expect_eq(rd(&r, 0x18), 0xFF);
	cr_expect_eq(rd(&r, 0x30), 0xFF);
	cr_expect_eq(rd(&r, 0x34), 0x00);         /* 112 MiB / 64 KiB = 0x0700 */
	cr_expect_eq(rd(&r, 0x35), 0x07);
	cr_expect_eq(rd(&r, 0x5B), 0);
	cr_expect_eq(rd(&r, 0x5F), 0);
	cr_expect_eq(rd(&r, 0x3D), 0x12);         /* disk, then floppy */
	cr_expect_eq(rd(&r, 0x38), 0x30);         /* then CD; check signature */
	cr_expect_eq(rd(&r, 0x10), 0x00);
	cr_expect_eq(rd(&r, 0x14), 0x06);         /* FPU, PS/2 mouse */
	cr_expect_eq(rd(&r, 0x12), 0xF0);
	cr_expect_eq(rd(&r, 0x19), 47);
	cr_expect_eq(rd(&r, 0x1B), 2);            /* cylinders */
	cr_expect_eq(rd(&r, 0x1D), 16);           /* heads */
	cr_expect_eq(rd(&r, 0x20), 0xC8);         /* control: > 8 heads */
	cr_expect_eq(rd(&r, 0x23), 63);           /* sectors */
	cr_expect_eq(rd(&r, 0x39), 0x00);
	cfg.ram_below_4g = 3ull << 30;
	cfg.ram_above_4g = 1ull << 30;
	cfg.cpus = 4;
	cfg.boot_order = "nc";
	cfg.floppy_type[0] = 4;
	cfg.ide[0].translation = 1;
	rtc_cmos_init_pc(r.rtc, &cfg);
	cr_expect_eq(rd(&r, 0x35), 0xBF);         /* (3 GiB - 16 MiB) / 64 KiB = 0xBF00 */
	cr_expect_eq(rd(&r, 0x5C), 0x40);         /* 1 GiB / 64 KiB = 0x4000 */
	cr_expect_eq(rd(&r, 0x5F), 3);
	cr_expect_eq(rd(&r, 0x3D), 0x24);
	cr_expect_eq(rd(&r, 0x38), 0x00);
	cr_expect_eq(rd(&r, 0x10), 0x40);
	cr_expect_eq(rd(&r, 0x14), 0x07);
	cr_expect_eq(rd(&r, 0x39), 0x01);
	rig_fini(&r);
}

Test(rtc, state_saves_cmos_and_time_base)
{
	struct rig r, r2;
	rig_init(&r, Y2000);
	rig_init(&r2, Y2000 + 3600);
	struct tu_state a = TU_STATE_SAVE(rtc_state_visit, r.rtc);
	struct tu_state b = TU_STATE_SAVE(rtc_state_visit, r.rtc);
	cr_expect(tu_state_eq(&a, &b), "same state, same bytes");
	tu_state_free(&b);
	wr(&r, 0x40, 0x5A);
	b = TU_STATE_SAVE(rtc_state_visit, r.rtc);
	cr_expect(!tu_state_eq(&a, &b));

	/* Loaded a second later into an RTC started an hour later: the time
	 * and the flags due are those of the saved RTC. */
	r2.now = S;
	cr_assert_eq(TU_STATE_LOAD(rtc_state_visit, r2.rtc, &b), 0);
	cr_expect(TU_STATE_SAVES_AS(rtc_state_visit, r2.rtc, &b));
	cr_expect_eq(rd(&r2, 0x40), 0x5A);
	cr_expect_eq(rd(&r2, 0x00), 0x01);        /* seconds */
	cr_expect_eq(rd(&r2, 0x04), 0x00);        /* hours */
	cr_expect_eq(rd(&r2, RTC_REG_C), 0x50);
	tu_state_free(&a);
	tu_state_free(&b);
	rig_fini(&r);
	rig_fini(&r2);
}
