/*
 * machine/rtc.c: MC146818A RTC + CMOS (Motorola MC146818A datasheet:
 * "Address map", "Time, calendar and alarm locations" Table 3, "Register A"
 * (UIP, DV2-0, RS3-0, Table 5 periodic rates), "Register B", "Register C",
 * "Register D", "Update cycle" (tBUC = 244 us before the update)).
 *
 * Timekeeping: while the clock runs (SET clear, divider not in reset) the
 * time is sec_base + floor((now - ns_base) / 1 s), and the clock registers
 * are derived from it whenever read. While stopped the registers hold
 * whatever the guest wrote and are parsed back into sec_base on restart.
 * Second boundaries are at ns_base + k s; periodic interrupts are on the
 * 32.768 kHz grid counted from ns_base. The register C flags are evaluated
 * lazily over (flags_ns, now]; a clock timer exists only to raise IRQ 8.
 */
#include "machine/rtc.h"
#include "machine/state_io.h"

#include <stdlib.h>
#include <string.h>

#define RTC_NS 1000000000ll
#define RTC_UIP_NS 244141ll           /* 8 cycles of 32.768 kHz, rounded */
#define RTC_A_UIP 0x80
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM 0x04                 /* 1: binary, 0: BCD */
#define RTC_B_24H 0x02
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10

struct rtc {
	uint8_t cmos[128];
	uint8_t index;
	uint8_t nmi_masked;
	uint8_t irq_level;
	int64_t sec_base;
	int64_t ns_base;
	int64_t flags_ns;          /* C flags account for events up to here */
	struct clock *clk;
	struct clock_timer *timer;
	struct irq_line irq;
	struct isa_log log;
	uint32_t logged;
};

/* ---- calendar (proleptic Gregorian, UTC) ---- */

static int64_t rtc_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 of y-m-d (m 1-12). Eras of 400 years, March-based
 * years so the leap day is last. */
static int64_t rtc_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;
	y -= m <= 2;
	era = rtc_floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct rtc_tm {
	int64_t year;
	int mon, mday, hour, min, sec, wday;    /* wday 0 = Sunday */
};

static void rtc_civil_from_secs(int64_t t, struct rtc_tm *tm)
{
	int64_t days = rtc_floor_div(t, 86400), sod = t - days * 86400;
	int64_t z = days + 719468, era = rtc_floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	tm->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = yoe + era * 400 + (tm->mon <= 2);
	tm->hour = (int)(sod / 3600);
	tm->min = (int)(sod / 60 % 60);
	tm->sec = (int)(sod % 60);
	tm->wday = (int)((days % 7 + 11) % 7);   /* 1970-01-01 was a Thursday */
}

/* ---- register formats ---- */

static uint8_t rtc_to_reg(uint8_t b, int v)
{
	return (b & RTC_B_DM) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

static int rtc_from_reg(uint8_t b, uint8_t v)
{
	return (b & RTC_B_DM) ? v : ((v >> 4) * 10 + (v & 0x0F));
}

static uint8_t rtc_hour_to_reg(uint8_t b, int h)
{
	int pm = h >= 12;
	if (b & RTC_B_24H)
		return rtc_to_reg(b, h);
	h %= 12;
	return (uint8_t)(rtc_to_reg(b, h ? h : 12) | (pm ? 0x80 : 0));
}

static int rtc_hour_from_reg(uint8_t b, uint8_t v)
{
	if (b & RTC_B_24H)
		return rtc_from_reg(b, v);
	return rtc_from_reg(b, v & 0x7F) % 12 + ((v & 0x80) ? 12 : 0);
}

static int rtc_running(const struct rtc *r)
{
	return !(r->cmos[RTC_REG_B] & RTC_B_SET) && (r->cmos[RTC_REG_A] & 0x60) != 0x60;
}

static int rtc_divider_on(const struct rtc *r)
{
	return (r->cmos[RTC_REG_A] & 0x60) != 0x60;
}

static int64_t rtc_sec_at(const struct rtc *r, int64_t ns)
{
	return r->sec_base + rtc_floor_div(ns - r->ns_base, RTC_NS);
}

static int64_t rtc_now(const struct rtc *r)
{
	return (int64_t)clock_now(r->clk);
}

/* Write the time t into the clock registers of cmos (current format). */
static void rtc_format(uint8_t *cmos, int64_t t)
{
	struct rtc_tm tm;
	uint8_t b = cmos[RTC_REG_B];
	rtc_civil_from_secs(t, &tm);
	cmos[0x00] = rtc_to_reg(b, tm.sec);
	cmos[0x02] = rtc_to_reg(b, tm.min);
	cmos[0x04] = rtc_hour_to_reg(b, tm.hour);
	cmos[0x06] = rtc_to_reg(b, tm.wday + 1);
	cmos[0x07] = rtc_to_reg(b, tm.mday);
	cmos[0x08] = rtc_to_reg(b, tm.mon);
	cmos[0x09] = rtc_to_reg(b, (int)(((tm.year % 100) + 100) % 100));
	cmos[RTC_CENTURY] = rtc_to_reg(b, (int)rtc_floor_div(tm.year, 100));
}

/* The time the clock registers hold. */
static int64_t rtc_parse(const uint8_t *cmos)
{
	uint8_t b = cmos[RTC_REG_B];
	int64_t year = rtc_from_reg(b, cmos[0x09]) + 100ll * rtc_from_reg(b, cmos[RTC_CENTURY]);
	int mon = rtc_from_reg(b, cmos[0x08]), mday = rtc_from_reg(b, cmos[0x07]);
	if (mon < 1 || mon > 12)
		mon = 1;
	if (mday < 1 || mday > 31)
		mday = 1;
	return rtc_days_from_civil(year, mon, mday) * 86400 +
	       rtc_hour_from_reg(b, cmos[0x04]) * 3600ll + rtc_from_reg(b, cmos[0x02]) * 60ll +
	       rtc_from_reg(b, cmos[0x00]);
}

static void rtc_sync_regs(struct rtc *r)
{
	if (rtc_running(r))
		rtc_format(r->cmos, rtc_sec_at(r, rtc_now(r)));
}

/* ---- interrupt flags ---- */

static uint64_t rtc_period_ticks(const struct rtc *r)
{
	unsigned rs = r->cmos[RTC_REG_A] & 0x0F;
	if (!rs || !rtc_divider_on(r))
		return 0;
	return rs <= 2 ? 1ull << (rs + 6) : 1ull << (rs - 1);
}

/* 32.768 kHz ticks since ns_base at ns (ns >= ns_base). */
static uint64_t rtc_ticks32(const struct rtc *r, int64_t ns)
{
	return (uint64_t)(((unsigned __int128)(uint64_t)(ns - r->ns_base) * 32768) / RTC_NS);
}

static int64_t rtc_ticks32_to_ns(const struct rtc *r, uint64_t t)
{
	return r->ns_base + (int64_t)(((unsigned __int128)t * RTC_NS + 32767) / 32768);
}

static int rtc_alarm_field(uint8_t alarm, uint8_t now)
{
	return (alarm & 0xC0) == 0xC0 || alarm == now;
}

static int rtc_alarm_matches(const struct rtc *r, int64_t t)
{
	uint8_t c[128];
	memcpy(c, r->cmos, sizeof(c));
	rtc_format(c, t);
	return rtc_alarm_field(c[0x01], c[0x00]) && rtc_alarm_field(c[0x03], c[0x02]) &&
	       rtc_alarm_field(c[0x05], c[0x04]);
}

/* Register C as it stands at ns: the stored flags plus every event in
 * (flags_ns, ns] (the configuration has not changed in between). */
static uint8_t rtc_flags_at(const struct rtc *r, int64_t ns)
{
	uint8_t c = r->cmos[RTC_REG_C], b = r->cmos[RTC_REG_B];
	uint64_t period = rtc_period_ticks(r);
	if (ns > r->flags_ns) {
		if (period && rtc_ticks32(r, ns) / period > rtc_ticks32(r, r->flags_ns) / period)
			c |= RTC_C_PF;
		if (rtc_running(r)) {
			int64_t s0 = rtc_sec_at(r, r->flags_ns), s1 = rtc_sec_at(r, ns);
			if (s1 > s0) {
				c |= RTC_C_UF;
				/* The alarm repeats at most daily: the last day is enough. */
				for (int64_t s = s1 > s0 + 86400 ? s1 - 86400 : s0 + 1; s <= s1; s++) {
					if (rtc_alarm_matches(r, s)) {
						c |= RTC_C_AF;
						break;
					}
				}
			}
		}
	}
	if (c & b & (RTC_C_PF | RTC_C_AF | RTC_C_UF))
		c |= RTC_C_IRQF;
	return c;
}

static void rtc_schedule(struct rtc *r, int64_t now)
{
	uint8_t b = r->cmos[RTC_REG_B];
	int64_t next = INT64_MAX;
	uint64_t period = rtc_period_ticks(r);

	if (!(r->cmos[RTC_REG_C] & RTC_C_IRQF)) {
		if ((b & RTC_B_PIE) && period) {
			uint64_t t = (rtc_ticks32(r, now) / period + 1) * period;
			next = rtc_ticks32_to_ns(r, t);
		}
		if ((b & (RTC_B_UIE | RTC_B_AIE)) && rtc_running(r)) {
			int64_t s = r->ns_base + (rtc_floor_div(now - r->ns_base, RTC_NS) + 1) * RTC_NS;
			if (s < next)
				next = s;
		}
	}
	if (next == INT64_MAX)
		clock_timer_del(r->timer);
	else
		clock_timer_mod(r->timer, (uint64_t)next);
}

/* Bring register C and the IRQ line up to now and re-arm the timer. */
static void rtc_update(struct rtc *r)
{
	int64_t now = rtc_now(r);
	int level;
	r->cmos[RTC_REG_C] = rtc_flags_at(r, now);
	if (now > r->flags_ns)
		r->flags_ns = now;
	level = (r->cmos[RTC_REG_C] & RTC_C_IRQF) != 0;
	if (level != r->irq_level) {
		r->irq_level = (uint8_t)level;
		irq_set(&r->irq, level);
	}
	rtc_schedule(r, now);
}

static void rtc_timer_fire(void *opaque)
{
	rtc_update(opaque);
}

/* ---- register access ---- */

static uint8_t rtc_read_reg(struct rtc *r, uint8_t idx)
{
	int64_t now = rtc_now(r);
	uint8_t v;
	switch (idx) {
	case RTC_REG_A:
		v = r->cmos[RTC_REG_A] & 0x7F;
		/* UIP: set tBUC before each update, while the clock runs. */
		if (rtc_running(r) &&
		    now - r->ns_base - rtc_floor_div(now - r->ns_base, RTC_NS) * RTC_NS >=
			    RTC_NS - RTC_UIP_NS)
			v |= RTC_A_UIP;
		return v;
	case RTC_REG_C:
		rtc_update(r);
		v = r->cmos[RTC_REG_C];
		r->cmos[RTC_REG_C] = 0;     /* read clears every flag and IRQ */
		rtc_update(r);
		return v;
	case RTC_REG_D:
		return 0x80;                /* VRT: the battery is good */
	default:
		if (idx <= 0x09 || idx == RTC_CENTURY)
			rtc_sync_regs(r);
		return r->cmos[idx];
	}
}

/* A write to A or B: the clock may stop or start. */
static void rtc_write_control(struct rtc *r, uint8_t idx, uint8_t v)
{
	int64_t now = rtc_now(r);
	int was_running = rtc_running(r), was_divider = rtc_divider_on(r);

	rtc_update(r);                  /* account events under the old settings */
	rtc_sync_regs(r);               /* registers hold the time if it stops */
	if (idx == RTC_REG_A) {
		r->cmos[RTC_REG_A] = v & 0x7F;
	} else {
		if (v & RTC_B_SET)
			v &= (uint8_t)~RTC_B_UIE;   /* datasheet: SET clears UIE */
		r->cmos[RTC_REG_B] = v;
	}
	if (!was_divider && rtc_divider_on(r)) {
		/* Divider leaves reset: the first update comes 500 ms later. */
		r->ns_base = now - RTC_NS / 2;
		r->flags_ns = now;
	}
	if (!was_running && rtc_running(r))
		r->sec_base = rtc_parse(r->cmos) - rtc_floor_div(now - r->ns_base, RTC_NS);
	rtc_update(r);
}

static void rtc_write_reg(struct rtc *r, uint8_t idx, uint8_t v)
{
	int64_t now = rtc_now(r);
	switch (idx) {
	case RTC_REG_A:
	case RTC_REG_B:
		rtc_write_control(r, idx, v);
		return;
	case RTC_REG_C:
	case RTC_REG_D:
		return;                     /* read-only */
	case 0x01:
	case 0x03:
	case 0x05:                          /* alarms */
		rtc_update(r);
		r->cmos[idx] = v;
		rtc_update(r);
		return;
	default:
		if (idx <= 0x09 || idx == RTC_CENTURY) {
			rtc_update(r);
			rtc_sync_regs(r);
			r->cmos[idx] = v;
			if (rtc_running(r))     /* keeps the sub-second phase */
				r->sec_base = rtc_parse(r->cmos) -
					      rtc_floor_div(now - r->ns_base, RTC_NS);
			rtc_update(r);
			return;
		}
		r->cmos[idx] = v;
		return;
	}
}

uint32_t rtc_io_read(void *opaque, uint32_t offset, int size)
{
	struct rtc *r = opaque;
	if (!(offset & 1))
		return 0xFF;                /* the index register is write-only */
	return rtc_read_reg(r, r->index);
}

void rtc_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct rtc *r = opaque;
	if (!(offset & 1)) {
		r->index = value & 0x7F;
		r->nmi_masked = (value >> 7) & 1;
	} else {
		rtc_write_reg(r, r->index, (uint8_t)value);
	}
}

void rtc_cmos_set(struct rtc *r, int index, uint8_t value)
{
	r->cmos[index & 0x7F] = value;
}

uint8_t rtc_cmos_get(const struct rtc *r, int index)
{
	return r->cmos[index & 0x7F];
}

int rtc_nmi_masked(const struct rtc *r)
{
	return r->nmi_masked;
}

int64_t rtc_time(struct rtc *r)
{
	return rtc_running(r) ? rtc_sec_at(r, rtc_now(r)) : rtc_parse(r->cmos);
}

struct rtc *rtc_new(struct clock *clk, int64_t start_sec, struct irq_line irq8,
		    const struct isa_log *log)
{
	struct rtc *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->clk = clk;
	r->irq = irq8;
	if (log)
		r->log = *log;
	r->timer = clock_timer_new(clk, "rtc", rtc_timer_fire, r);
	if (!r->timer) {
		free(r);
		return NULL;
	}
	r->cmos[RTC_REG_A] = 0x26;
	r->cmos[RTC_REG_B] = RTC_B_24H;
	r->cmos[RTC_REG_D] = 0x80;
	r->ns_base = rtc_now(r);
	r->flags_ns = r->ns_base;
	r->sec_base = start_sec;
	rtc_sync_regs(r);
	return r;
}

void rtc_reset(struct rtc *r)
{
	rtc_update(r);
	r->cmos[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
	r->cmos[RTC_REG_C] = 0;
	rtc_update(r);
}

void rtc_free(struct rtc *r)
{
	if (!r)
		return;
	clock_timer_free(r->timer);
	free(r);
}

/* ---- the PC's CMOS layout (QEMU hw/i386/pc.c pc_cmos_init) ---- */

static uint8_t rtc_boot_nibble(char c)
{
	switch (c) {
	case 'a': case 'b': return 0x01;     /* floppy */
	case 'c': return 0x02;               /* hard disk */
	case 'd': return 0x03;               /* CD-ROM */
	case 'n': return 0x04;               /* network */
	default: return 0x00;
	}
}

static void rtc_set16(struct rtc *r, int idx, uint32_t v)
{
	r->cmos[idx] = (uint8_t)v;
	r->cmos[idx + 1] = (uint8_t)(v >> 8);
}

/* Hard disk type 47 (user defined) and its geometry block (Bochs layout). */
static void rtc_set_disk(struct rtc *r, int type_idx, int info, const struct rtc_pc_disk *d)
{
	r->cmos[type_idx] = 47;
	rtc_set16(r, info, d->cylinders);                 /* cylinders */
	r->cmos[info + 2] = d->heads;                     /* heads */
	rtc_set16(r, info + 3, 0xFFFF);                   /* write precomp: none */
	r->cmos[info + 5] = (uint8_t)(0xC0 | ((d->heads > 8) << 3)); /* control */
	rtc_set16(r, info + 6, d->cylinders);             /* landing zone */
	r->cmos[info + 8] = d->sectors;                   /* sectors per track */
}

void rtc_cmos_init_pc(struct rtc *r, const struct rtc_pc_cmos *cfg)
{
	const char *order = cfg->boot_order ? cfg->boot_order : "cad";
	uint8_t bds[3] = { 0, 0, 0 };
	uint64_t below = cfg->ram_below_4g, v;
	int nfd = 0;
	uint8_t equip, hd = 0, trans = 0;

	/* 0x15-0x16: base memory in KiB (at most 640). */
	v = below / 1024 < 640 ? below / 1024 : 640;
	rtc_set16(r, 0x15, (uint32_t)v);
	/* 0x17-0x18 and 0x30-0x31: KiB above 1 MiB, at most 65535. */
	v = below > (1u << 20) ? (below - (1u << 20)) / 1024 : 0;
	v = v > 65535 ? 65535 : v;
	rtc_set16(r, 0x17, (uint32_t)v);
	rtc_set16(r, 0x30, (uint32_t)v);
	/* 0x34-0x35: 64 KiB blocks between 16 MiB and 4 GiB, at most 65535. */
	v = below > (16u << 20) ? (below - (16u << 20)) / 65536 : 0;
	v = v > 65535 ? 65535 : v;
	rtc_set16(r, 0x34, (uint32_t)v);
	/* 0x5B-0x5D: 64 KiB blocks above 4 GiB. */
	v = cfg->ram_above_4g / 65536;
	r->cmos[0x5B] = (uint8_t)v;
	r->cmos[0x5C] = (uint8_t)(v >> 8);
	r->cmos[0x5D] = (uint8_t)(v >> 16);
	/* 0x5F: number of CPUs - 1. */
	r->cmos[0x5F] = (uint8_t)(cfg->cpus > 0 ? cfg->cpus - 1 : 0);

	/* 0x3D: first (bits 3-0) and second (7-4) boot device; 0x38: third
	 * (7-4) and bit 0 = 1 to skip the floppy boot signature check. */
	for (int i = 0; i < 3 && order[i]; i++)
		bds[i] = rtc_boot_nibble(order[i]);
	r->cmos[0x3D] = (uint8_t)((bds[1] << 4) | bds[0]);
	r->cmos[0x38] = (uint8_t)((bds[2] << 4) | (cfg->fd_bootchk ? 0 : 1));

	/* 0x10: drive types (A in 7-4, B in 3-0); 0x14: equipment byte. */
	r->cmos[0x10] = (uint8_t)((cfg->floppy_type[0] << 4) | (cfg->floppy_type[1] & 0x0F));
	nfd = (cfg->floppy_type[0] != 0) + (cfg->floppy_type[1] != 0);
	equip = nfd == 1 ? 0x01 : nfd == 2 ? 0x41 : 0x00;   /* drives, bootable */
	equip |= 0x02;                                       /* FPU present */
	equip |= 0x04;                                       /* PS/2 mouse */
	r->cmos[0x14] = equip;

	/* 0x12: disk 0 type in 7-4, disk 1 in 3-0 (0xF: see 0x19/0x1A);
	 * geometry at 0x1B (disk 0) and 0x24 (disk 1); 0x39: translation, two
	 * bits per ATA device. */
	if (cfg->ide[0].present) {
		rtc_set_disk(r, 0x19, 0x1B, &cfg->ide[0]);
		hd |= 0xF0;
	}
	if (cfg->ide[1].present) {
		rtc_set_disk(r, 0x1A, 0x24, &cfg->ide[1]);
		hd |= 0x0F;
	}
	r->cmos[0x12] = hd;
	for (int i = 0; i < 4; i++)
		if (cfg->ide[i].present)
			trans |= (uint8_t)((cfg->ide[i].translation & 3) << (2 * i));
	r->cmos[0x39] = trans;
}

void rtc_state_visit(struct rtc *r, struct state_io *s)
{
	state_io_tag(s, "rtc");
	state_io_bytes(s, r->cmos, sizeof(r->cmos));
	state_io_u8(s, &r->index);
	state_io_u8(s, &r->nmi_masked);
	state_io_u8(s, &r->irq_level);
	state_io_i64(s, &r->sec_base);
	state_io_i64(s, &r->ns_base);
	state_io_i64(s, &r->flags_ns);
	state_io_check(s, r->index < 128, "RTC index");
}
