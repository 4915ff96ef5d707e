/* tests/test_acpi_pm.c: the PIIX4 PM I/O block and APM ports (machine/acpi_pm.c), with a fake clock. */
#include <criterion/criterion.h>
#include <string.h>

#include "machine/acpi_pm.h"
#include "tests/testutil.h"

struct fake_board {
	uint64_t now;
	int power_offs;
	int smis;
	int sci;
	int sci_edges;
	int deadlines;
	uint64_t deadline;
	int logs;
};

static uint64_t fake_now(void *o) { return ((struct fake_board *)o)->now; }
static void fake_power_off(void *o) { ((struct fake_board *)o)->power_offs++; }
static void fake_smi(void *o) { ((struct fake_board *)o)->smis++; }

static void fake_deadline(void *o, uint64_t when)
{
	struct fake_board *b = o;
	b->deadlines++;
	b->deadline = when;
}

static void fake_sci(void *o, int n, int level)
{
	struct fake_board *b = o;
	cr_expect_eq(n, 9);
	if (level != b->sci)
		b->sci_edges++;
	b->sci = level;
}

static void fake_log(void *o, const char *msg)
{
	((struct fake_board *)o)->logs++;
}

static struct fake_board board;
static struct acpi_pm *pm;

/* A PM block wired to the fake board. */
static struct acpi_pm *make_pm(void)
{
	struct acpi_pm_callbacks cb = {
		fake_now, fake_power_off, fake_smi, fake_deadline, &board,
	};
	struct irq_line sci = { fake_sci, &board, 9 };
	struct isa_log log = { fake_log, &board };
	struct acpi_pm *p = acpi_pm_new(&cb, sci, &log);
	cr_assert(p);
	return p;
}

static void setup(void)
{
	memset(&board, 0, sizeof(board));
	pm = make_pm();
}

static void teardown(void)
{
	acpi_pm_free(pm);
}

TestSuite(acpi_pm, .init = setup, .fini = teardown);

Test(acpi_pm, timer_values_at_given_times)
{
	static const struct { uint64_t ns; uint32_t ticks; } t[] = {
		{ 0, 0 }, { 279, 0 }, { 280, 1 },
		{ 1000000000ull, 3579545 },               /* one second */
		{ 5000000000ull, 1120509 },               /* wrapped once: 17897725 mod 2^24 */
		{ 1000000000000ull, 5997992 },            /* 1000 s */
		{ 1ull << 63, 13819744 },                 /* no 64-bit overflow */
		{ UINT64_MAX, 10862272 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		board.now = t[i].ns;
		cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMTMR, 4), t[i].ticks,
			     "at %llu ns: %u", (unsigned long long)t[i].ns,
			     acpi_pm_io_read(pm, ACPI_PM_PMTMR, 4));
		cr_expect_eq(acpi_pm_timer_read(pm), t[i].ticks);
	}
}

Test(acpi_pm, timer_is_24_bit_and_read_only)
{
	/* The last tick before the wrap and the first after it. */
	uint64_t wrap = 4686968875ull;                /* ceil(2^24 * 10^9 / 3579545) */
	board.now = wrap - 1;
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMTMR, 4), 0xffffff);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMTMR + 3, 1), 0);
	board.now = wrap;
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMTMR, 4), 0);
	/* Byte and word reads of the same value. */
	board.now = 1000000000ull;                    /* 0x369e99 */
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMTMR, 2), 0x9e99);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMTMR + 2, 1), 0x36);
	acpi_pm_io_write(pm, ACPI_PM_PMTMR, 0, 4);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMTMR, 4), 0x369e99);
	/* Monotonic over a sweep (SeaBIOS's only clock). */
	uint32_t last = 0;
	for (uint64_t ns = 0; ns < 3000000; ns += 997) {
		board.now = ns;
		uint32_t v = acpi_pm_io_read(pm, ACPI_PM_PMTMR, 4);
		cr_assert_geq(v, last);
		last = v;
	}
}

Test(acpi_pm, timer_overflow_sets_tmrof_and_sci)
{
	/* Enable TMROF_EN and SCI_EN; the first overflow is at bit 23's toggle. */
	acpi_pm_io_write(pm, ACPI_PM_PMEN, ACPI_PM_TMROF, 2);
	cr_expect_eq(board.deadlines, 1);
	cr_expect_eq(board.deadline, 2343484438ull);  /* ceil(2^23 * 10^9 / 3579545) */
	cr_expect_eq(acpi_pm_next_deadline(pm), 2343484438ull);
	acpi_pm_io_write(pm, ACPI_PM_PMCNTRL, ACPI_PM_SCI_EN, 2);

	board.now = 2343484437ull;
	acpi_pm_update(pm);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMSTS, 2) & ACPI_PM_TMROF, 0);
	cr_expect_eq(board.sci, 0);
	board.now = 2343484438ull;
	acpi_pm_update(pm);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMSTS, 2) & ACPI_PM_TMROF, ACPI_PM_TMROF);
	cr_expect_eq(board.sci, 1);
	cr_expect_eq(acpi_pm_next_deadline(pm), UINT64_MAX);
	cr_expect_eq(board.deadline, UINT64_MAX);
	/* Write 1 to clear: SCI drops, the next deadline is the wrap. */
	acpi_pm_io_write(pm, ACPI_PM_PMSTS, ACPI_PM_TMROF, 2);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMSTS, 2), 0);
	cr_expect_eq(board.sci, 0);
	cr_expect_eq(board.deadline, 4686968875ull);
	cr_expect_eq(board.sci_edges, 2);
}

Test(acpi_pm, overflow_latched_even_when_disabled)
{
	board.now = 3000000000ull;
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMSTS, 2), ACPI_PM_TMROF);
	cr_expect_eq(board.sci, 0);                   /* not enabled */
	cr_expect_eq(board.deadlines, 0);
	/* Writing 0 does not clear it; SCI follows once enabled. */
	acpi_pm_io_write(pm, ACPI_PM_PMSTS, 0, 2);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMSTS, 2), ACPI_PM_TMROF);
	acpi_pm_io_write(pm, ACPI_PM_PMEN, ACPI_PM_TMROF, 2);
	cr_expect_eq(board.sci, 0);                   /* SCI_EN still clear */
	acpi_pm_io_write(pm, ACPI_PM_PMCNTRL, ACPI_PM_SCI_EN, 2);
	cr_expect_eq(board.sci, 1);
}

Test(acpi_pm, pm1_register_masks)
{
	acpi_pm_io_write(pm, ACPI_PM_PMEN, 0xffff, 2);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMEN, 2),
		     ACPI_PM_TMROF | ACPI_PM_GBL | ACPI_PM_PWRBTN | ACPI_PM_RTC);
	/* PMCNTRL: SCI_EN, BRLD_EN_BM and SUS_TYP stick; GBL_RLS, SUS_EN read 0. */
	acpi_pm_io_write(pm, ACPI_PM_PMCNTRL, (5 << 10) | ACPI_PM_GBL_RLS | 0x3, 2);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMCNTRL, 2), (5 << 10) | 0x3);
	/* A dword at 0 covers PMSTS and PMEN. */
	cr_expect_eq(acpi_pm_io_read(pm, 0, 4) >> 16, 0x0521);
	/* Reserved bytes read 0; past the block is open bus. */
	cr_expect_eq(acpi_pm_io_read(pm, 0x06, 2), 0);
	cr_expect_eq(acpi_pm_io_read(pm, 0x3e, 4), 0xffff0000u);
	/* Plain storage registers. */
	acpi_pm_io_write(pm, ACPI_PM_GPOREG, 0x12345678u, 4);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_GPOREG, 4), 0x12345678u);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PLVL2, 2), 0);
}

Test(acpi_pm, s5_power_off)
{
	/* SLP_TYP 0 with SLP_EN: soft off, as QEMU's DSDT \_S5 says. */
	acpi_pm_io_write(pm, ACPI_PM_PMCNTRL, (ACPI_PM_SLP_TYP_S5 << 10) | ACPI_PM_SUS_EN, 2);
	cr_expect_eq(board.power_offs, 1);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMCNTRL, 2) & ACPI_PM_SUS_EN, 0);
	/* Byte write of the high half works the same (SUS_EN is bit 5 of 0x05). */
	acpi_pm_io_write(pm, ACPI_PM_PMCNTRL + 1, 0x20, 1);
	cr_expect_eq(board.power_offs, 2);
	/* SLP_TYP alone does nothing. */
	acpi_pm_io_write(pm, ACPI_PM_PMCNTRL, 0, 2);
	cr_expect_eq(board.power_offs, 2);
}

Test(acpi_pm, other_sleep_types_logged_not_powered_off)
{
	acpi_pm_io_write(pm, ACPI_PM_PMCNTRL, (1 << 10) | ACPI_PM_SUS_EN, 2);
	acpi_pm_io_write(pm, ACPI_PM_PMCNTRL, (3 << 10) | ACPI_PM_SUS_EN, 2);
	cr_expect_eq(board.power_offs, 0);
	cr_expect_eq(board.logs, 1);
}

Test(acpi_pm, apm_ports_and_smi)
{
	/* APMS is a scratch byte; APMC reads back what was written. */
	acpi_pm_apm_io_write(pm, 1, 0x5a, 1);
	cr_expect_eq(acpi_pm_apm_io_read(pm, 1, 1), 0x5a);
	/* APMC_EN clear: no SMI. */
	acpi_pm_apm_io_write(pm, 0, 0x00, 1);
	cr_expect_eq(board.smis, 0);
	cr_expect_eq(acpi_pm_apm_io_read(pm, 0, 2), 0x5a00);
	acpi_pm_set_apmc_enable(pm, 1);
	acpi_pm_apm_io_write(pm, 0, 0x00, 1);
	cr_expect_eq(board.smis, 1);
	/* A word write hits APMC once and APMS. */
	acpi_pm_apm_io_write(pm, 0, 0x3344, 2);
	cr_expect_eq(board.smis, 2);
	cr_expect_eq(acpi_pm_apm_io_read(pm, 0, 2), 0x3344);
	/* Writes to APMS never raise SMI. */
	acpi_pm_apm_io_write(pm, 1, 0x00, 1);
	cr_expect_eq(board.smis, 2);
}

Test(acpi_pm, acpi_enable_via_apmc)
{
	acpi_pm_apm_io_write(pm, 0, ACPI_PM_APM_ACPI_ENABLE, 1);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMCNTRL, 2) & ACPI_PM_SCI_EN, ACPI_PM_SCI_EN);
	cr_expect_eq(board.smis, 0);
	acpi_pm_apm_io_write(pm, 0, ACPI_PM_APM_ACPI_DISABLE, 1);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMCNTRL, 2) & ACPI_PM_SCI_EN, 0);
}

Test(acpi_pm, power_button_and_gbl)
{
	acpi_pm_io_write(pm, ACPI_PM_PMEN, ACPI_PM_PWRBTN | ACPI_PM_GBL, 2);
	acpi_pm_io_write(pm, ACPI_PM_PMCNTRL, ACPI_PM_SCI_EN, 2);
	acpi_pm_press_power_button(pm);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMSTS, 2), ACPI_PM_PWRBTN);
	cr_expect_eq(board.sci, 1);
	acpi_pm_io_write(pm, ACPI_PM_PMSTS, ACPI_PM_PWRBTN, 2);
	cr_expect_eq(board.sci, 0);
	/* BIOS_RLS (GLBCTL bit 1) sets GBL_STS: SCI. */
	acpi_pm_io_write(pm, ACPI_PM_GLBCTL, 0x2, 4);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMSTS, 2), ACPI_PM_GBL);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_GLBCTL, 4), 0);
	cr_expect_eq(board.sci, 1);
	/* GBL_RLS sets BIOS_STS, and SMI# only with BIOS_EN. */
	acpi_pm_io_write(pm, ACPI_PM_PMCNTRL, ACPI_PM_SCI_EN | ACPI_PM_GBL_RLS, 2);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_GLBSTS, 2), 1);
	cr_expect_eq(board.smis, 0);
	acpi_pm_io_write(pm, ACPI_PM_GLBEN, 0x2, 2);
	acpi_pm_io_write(pm, ACPI_PM_PMCNTRL, ACPI_PM_SCI_EN | ACPI_PM_GBL_RLS, 2);
	cr_expect_eq(board.smis, 1);
	acpi_pm_io_write(pm, ACPI_PM_GLBSTS, 1, 2);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_GLBSTS, 2), 0);
}

Test(acpi_pm, state_then_reset)
{
	struct tu_state a = TU_STATE_SAVE(acpi_pm_state_visit, pm), b;
	struct acpi_pm *pm2 = make_pm();
	acpi_pm_io_write(pm, ACPI_PM_PMEN, ACPI_PM_PWRBTN, 2);
	acpi_pm_io_write(pm, ACPI_PM_PMCNTRL, ACPI_PM_SCI_EN, 2);
	acpi_pm_press_power_button(pm);
	acpi_pm_apm_io_write(pm, 1, 0x77, 1);
	b = TU_STATE_SAVE(acpi_pm_state_visit, pm);
	cr_expect(!tu_state_eq(&a, &b));
	cr_expect_eq(board.sci, 1);

	cr_assert_eq(TU_STATE_LOAD(acpi_pm_state_visit, pm2, &b), 0);
	cr_expect(TU_STATE_SAVES_AS(acpi_pm_state_visit, pm2, &b));
	cr_expect_eq(acpi_pm_io_read(pm2, ACPI_PM_PMSTS, 2), ACPI_PM_PWRBTN);
	cr_expect_eq(acpi_pm_io_read(pm2, ACPI_PM_PMEN, 2), ACPI_PM_PWRBTN);
	cr_expect_eq(acpi_pm_io_read(pm2, ACPI_PM_PMCNTRL, 2), ACPI_PM_SCI_EN);
	cr_expect_eq(acpi_pm_apm_io_read(pm2, 1, 1), 0x77);
	acpi_pm_free(pm2);
	tu_state_free(&a);
	tu_state_free(&b);

	/* A system reset late in time: registers cleared, SCI dropped, and
	 * overflows before the reset are not reported after it. */
	board.now = 10000000000ull;
	acpi_pm_reset(pm);
	cr_expect_eq(board.sci, 0);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMSTS, 2), 0);
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMCNTRL, 2), 0);
	cr_expect_eq(acpi_pm_apm_io_read(pm, 1, 1), 0);
	/* The timer keeps counting through reset. */
	cr_expect_eq(acpi_pm_io_read(pm, ACPI_PM_PMTMR, 4), (35795450ull) & 0xffffff);
}
