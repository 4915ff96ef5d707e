/*
 * tests/test_machine.c: the machine in-process: milestones in order, the hook
 * fan-out, two machines side by side (no global state), INIT vs system reset,
 * milestones completed by an interrupt delivery rather than an instruction.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "machine/machine.h"
#include "tests/testutil.h"

struct seen {
	uint64_t milestone_icount[MILESTONE_COUNT];
	int milestone_order[32], nmilestones;
	uint64_t io_reads, io_writes, cf8_writes;
	int pam_writes, int19_vector_seen, system_resets;
	char debug[8192];
	size_t debug_len;
};

static void on_milestone(void *o, enum milestone id, uint32_t boot, uint64_t icount)
{
	struct seen *s = o;
	if (s->nmilestones < 32)
		s->milestone_order[s->nmilestones++] = id;
	s->milestone_icount[id] = icount;
}

static void on_io(void *o, uint16_t port, int size, int is_write, uint32_t value)
{
	struct seen *s = o;
	if (is_write)
		s->io_writes++;
	else
		s->io_reads++;
	if (is_write && port == 0xCF8)
		s->cf8_writes++;
}

static void on_pam(void *o, int reg, uint8_t old, uint8_t new)
{
	((struct seen *)o)->pam_writes++;
}

static void on_interrupt(void *o, int vector, int kind, int error, uint16_t cs, uint32_t eip,
			 uint16_t ncs, uint32_t neip)
{
	if (vector == 0x19)
		((struct seen *)o)->int19_vector_seen++;
}

static void on_debug(void *o, uint16_t port, const uint8_t *buf, size_t len)
{
	struct seen *s = o;
	for (size_t i = 0; i < len && s->debug_len + 1 < sizeof(s->debug); i++)
		s->debug[s->debug_len++] = buf[i];
	s->debug[s->debug_len] = 0;
}

static void on_reset(void *o, int cause)
{
	((struct seen *)o)->system_resets++;
}

static struct machine *demo_machine(void)
{
	struct machine_config cfg;
	char err[512];
	char *disk = tu_build_path("pc-bios/demo.img");

	if (access("/usr/share/seabios/bios.bin", R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	config_init(&cfg);
	cfg.bios = "/usr/share/seabios/bios.bin";
	cfg.serial = "none";
	cfg.disks[cfg.ndisks++] = disk;   /* leaked on purpose: the config keeps the pointer */
	struct machine *m = machine_new(&cfg, NULL, err, sizeof(err));
	cr_assert(m, "%s", err);
	return m;
}

static const struct machine_hooks seen_hooks = {
	.milestone = on_milestone, .io = on_io, .pam = on_pam, .interrupt = on_interrupt,
	.debug_out = on_debug, .system_reset = on_reset,
};

Test(machine, milestones_in_order_with_hooks, .timeout = 120)
{
	struct seen s;
	memset(&s, 0, sizeof(s));
	struct machine *m = demo_machine();
	struct machine_hooks h = seen_hooks;
	h.opaque = &s;
	cr_assert_geq(machine_add_hooks(m, &h), 0);

	cr_expect_eq(machine_run(m, NULL), MACHINE_STOP_EXIT);
	cr_expect_eq(machine_exit_value(m), 0);

	static const int expected[] = { MILESTONE_PAM_UNLOCK, MILESTONE_SHADOW_DONE,
					MILESTONE_PAM_LOCK, MILESTONE_INT19, MILESTONE_BOOT_READ,
					MILESTONE_MBR, MILESTONE_EXIT };
	cr_assert_eq(s.nmilestones, 7, "got %d milestones", s.nmilestones);
	for (int i = 0; i < 7; i++)
		cr_expect_eq(s.milestone_order[i], expected[i], "milestone %d is %s", i,
			     milestone_name(s.milestone_order[i]));
	for (int i = 1; i < 7; i++)
		cr_expect_lt(s.milestone_icount[expected[i - 1]], s.milestone_icount[expected[i]]);
	cr_expect_eq(machine_milestone_icount(m, MILESTONE_MBR), s.milestone_icount[MILESTONE_MBR]);
	cr_expect_gt(s.io_writes, 1000);
	cr_expect_gt(s.cf8_writes, 10);
	cr_expect_geq(s.pam_writes, 14, "SeaBIOS writes 7 PAM bytes to unlock and 7 to lock");
	cr_expect_eq(s.int19_vector_seen, 1);
	cr_expect(strstr(s.debug, "MBR OK"), "%s", s.debug);
	machine_free(m);
}

Test(machine, two_machines_are_independent, .timeout = 120)
{
	struct machine *a = demo_machine(), *b = demo_machine();
	struct machine_until mbr = { UNTIL_MBR, 0 };
	struct machine_until half;

	/* Run a to the MBR, b halfway, then b to the MBR: same icount. */
	cr_assert_eq(machine_run(a, &mbr), MACHINE_STOP_UNTIL);
	half = (struct machine_until){ UNTIL_ICOUNT, cpu_icount(machine_cpu(a)) / 2 };
	cr_assert_eq(machine_run(b, &half), MACHINE_STOP_UNTIL);
	cr_assert_eq(machine_run(b, &mbr), MACHINE_STOP_UNTIL);
	cr_expect_eq(cpu_icount(machine_cpu(a)), cpu_icount(machine_cpu(b)));
	cr_expect_eq(machine_vtime(a), machine_vtime(b));
	cr_expect_eq(cpu_get_reg(machine_cpu(b), CPU_EIP), 0x7C00);
	machine_free(a);
	machine_free(b);
}

Test(machine, monitor_style_system_reset_runs_post_again, .timeout = 120)
{
	struct seen s;
	memset(&s, 0, sizeof(s));
	struct machine *m = demo_machine();
	struct machine_hooks h = seen_hooks;
	h.opaque = &s;
	struct machine_until int19 = { UNTIL_INT19, 0 };

	machine_add_hooks(m, &h);
	cr_assert_eq(machine_run(m, &int19), MACHINE_STOP_UNTIL);
	machine_system_reset(m, MACHINE_RESET_MONITOR);
	cr_expect_eq(s.system_resets, 1);
	cr_expect_eq(machine_boot_count(m), 1, "a system reset from outside starts a new boot too");
	struct cpu_segment cs;
	cpu_get_seg(machine_cpu(m), CPU_CS, &cs);
	cr_expect_eq(cs.selector, 0xF000);
	cr_expect_eq(cs.base, 0xFFFF0000);
	cr_expect_eq(cpu_get_reg(machine_cpu(m), CPU_EIP), 0xFFF0);
	cr_expect_eq(machine_run(m, NULL), MACHINE_STOP_EXIT);
	cr_expect_eq(s.int19_vector_seen, 2);
	machine_free(m);
}

/* ---- milestones at an interrupt delivery (tests/guests/fw_irq.S) ---- */

struct delivery_seen {
	struct machine *m;
	uint64_t ms_icount[MILESTONE_COUNT];
	uint32_t ms_next[MILESTONE_COUNT];   /* CS.base + EIP when it was reported */
	struct {
		int vector;
		uint64_t icount;
		uint32_t target;                /* the handler, linear */
	} hard[4];
	int nhard;
};

static void on_delivery_milestone(void *o, enum milestone id, uint32_t boot, uint64_t icount)
{
	struct delivery_seen *s = o;
	struct cpu_segment cs;

	cpu_get_seg(machine_cpu(s->m), CPU_CS, &cs);
	s->ms_icount[id] = icount;
	s->ms_next[id] = cs.base + cpu_get_reg(machine_cpu(s->m), CPU_EIP);
}

static void on_delivery(void *o, int vector, int kind, int error, uint16_t cs, uint32_t eip,
			uint16_t ncs, uint32_t neip)
{
	struct delivery_seen *s = o;

	if (kind != CPU_INT_HARD || s->nhard >= 4)
		return;
	s->hard[s->nhard].vector = vector;
	s->hard[s->nhard].icount = cpu_icount(machine_cpu(s->m));
	s->hard[s->nhard].target = (uint32_t)ncs * 16 + neip;
	s->nhard++;
}

/* Runs a fw_irq ROM to its exit (port 0xF4, value 0), as trace format
 * `compat` (0: the current one). */
static void run_fw_irq(const char *rom, int compat, struct delivery_seen *s)
{
	struct machine_hooks h = {
		.opaque = s, .milestone = on_delivery_milestone, .interrupt = on_delivery,
	};
	struct machine_config cfg;
	char err[512];

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < MILESTONE_COUNT; i++)
		s->ms_icount[i] = UINT64_MAX;
	config_init(&cfg);
	cfg.bios = tu_build_path(rom);         /* kept by cfg */
	cfg.serial = "none";
	s->m = machine_new(&cfg, NULL, err, sizeof(err));
	cr_assert(s->m, "%s", err);
	if (compat)
		machine_set_compat(s->m, compat);
	cr_assert_geq(machine_add_hooks(s->m, &h), 0);
	cr_assert_eq(machine_run(s->m, NULL), MACHINE_STOP_EXIT);
	cr_expect_eq(machine_exit_value(s->m), 0);
	cr_expect_neq(s->ms_icount[MILESTONE_EXIT], UINT64_MAX);
	cr_assert_eq(s->nhard, 2, "%d hardware interrupts", s->nhard);
}

/* IRQ0 enters the shadow copy of the firmware, which never ran from there
 * before and leaves it with its first instruction; after INT 19h, IRQ1
 * enters 0:7C00, which exits with its second. Each milestone is that
 * delivery, stamped with its icount, the handler's first instruction next:
 * the machine has to look after a delivery, not only after an instruction. */
Test(machine, shadow_done_and_mbr_at_irq_deliveries, .timeout = 30)
{
	struct delivery_seen s;

	run_fw_irq("tests/guests/fw_irq.rom", 0, &s);
	cr_expect_eq(s.hard[0].vector, 0x08);
	cr_expect(s.hard[0].target >= 0xF0000 && s.hard[0].target < 0x100000, "IRQ0 at 0x%x",
		  s.hard[0].target);
	cr_expect_eq(s.ms_icount[MILESTONE_SHADOW_DONE], s.hard[0].icount, "shadow-done at %llu",
		     (unsigned long long)s.ms_icount[MILESTONE_SHADOW_DONE]);
	cr_expect_eq(s.ms_next[MILESTONE_SHADOW_DONE], s.hard[0].target);
	cr_expect_gt(s.ms_icount[MILESTONE_SHADOW_DONE], s.ms_icount[MILESTONE_PAM_UNLOCK]);

	cr_expect_eq(s.hard[1].vector, 0x09);
	cr_expect_eq(s.hard[1].target, 0x7C00);
	cr_expect_lt(s.ms_icount[MILESTONE_INT19], s.hard[1].icount);
	cr_expect_eq(s.ms_icount[MILESTONE_MBR], s.hard[1].icount, "mbr at %llu",
		     (unsigned long long)s.ms_icount[MILESTONE_MBR]);
	cr_expect_eq(s.ms_next[MILESTONE_MBR], 0x7C00);
	cr_expect_eq(machine_milestone_icount(s.m, MILESTONE_MBR), s.hard[1].icount);
	machine_free(s.m);
}

/* With the 8259 based at 0x18, IRQ1 is vector 0x19: one hardware delivery
 * is int19 and, as its handler is at 0:7C00, the mbr too. */
Test(machine, hardware_int19_into_0x7c00_is_also_the_mbr, .timeout = 30)
{
	struct delivery_seen s;

	run_fw_irq("tests/guests/fw_irq-hard19.rom", 0, &s);
	cr_expect_eq(s.hard[0].vector, 0x18);
	cr_expect_eq(s.ms_icount[MILESTONE_SHADOW_DONE], s.hard[0].icount);
	cr_expect_eq(s.hard[1].vector, 0x19);
	cr_expect_eq(s.hard[1].target, 0x7C00);
	cr_expect_eq(s.ms_icount[MILESTONE_INT19], s.hard[1].icount);
	cr_expect_eq(s.ms_icount[MILESTONE_MBR], s.hard[1].icount, "mbr at %llu",
		     (unsigned long long)s.ms_icount[MILESTONE_MBR]);
	cr_expect_eq(s.ms_next[MILESTONE_MBR], 0x7C00);
	machine_free(s.m);
}

/* Format 1 had no shadow-done and looked for the jump to 0:7C00 only after
 * an instruction retired: a format-1 replay of this boot reports neither. */
Test(machine, compat_1_looks_for_the_mbr_only_after_instructions, .timeout = 30)
{
	struct delivery_seen s;

	run_fw_irq("tests/guests/fw_irq.rom", 1, &s);
	cr_expect_neq(s.ms_icount[MILESTONE_INT19], UINT64_MAX);
	cr_expect_eq(s.ms_icount[MILESTONE_SHADOW_DONE], UINT64_MAX);
	cr_expect_eq(s.ms_icount[MILESTONE_MBR], UINT64_MAX);
	machine_free(s.m);
}
