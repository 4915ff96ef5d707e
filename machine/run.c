/*
 * machine/run.c: the run loop. Runs the CPU up to the next clock deadline,
 * fires due timers, skips idle HLT time straight to the next deadline, and
 * turns device requests (reset, exit, power-off) and CPU events into stop
 * reasons. Milestones (DESIGN.md §3) are recognised here from CPU, memory
 * and disk hooks.
 */
#include "machine/pc_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "machine/clock.h"
#include "mem/mem.h"

static const char *const milestone_names[MILESTONE_COUNT] = {
	"reset", "reset-vector", "pam-unlock", "shadow-done", "pam-lock", "int19", "boot-read",
	"mbr", "exit",
};

const char *milestone_name(enum milestone id)
{
	return (unsigned)id < MILESTONE_COUNT ? milestone_names[id] : "?";
}

int milestone_parse(const char *name)
{
	for (int i = 0; i < MILESTONE_COUNT; i++)
		if (!strcmp(name, milestone_names[i]))
			return i;
	return -1;
}

const char *machine_stop_name(enum machine_stop s)
{
	static const char *const names[] = {
		"until", "debug-exit", "poweroff", "dead", "icount-cap", "vtime-cap", "reset-loop",
		"signal", "request",
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

int machine_parse_until(const char *s, struct machine_until *u, char *err, size_t errlen)
{
	static const struct { const char *name; enum until_kind kind; } words[] = {
		{ "mbr", UNTIL_MBR }, { "int19", UNTIL_INT19 }, { "halt", UNTIL_HALT },
		{ "exit", UNTIL_EXIT },
	};
	char *end;

	memset(u, 0, sizeof(*u));
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(s, words[i].name)) {
			u->kind = words[i].kind;
			return 0;
		}
	if (!strncmp(s, "icount=", 7) && s[7] >= '0' && s[7] <= '9') {
		u->value = strtoull(s + 7, &end, 0);
		if (!*end) {
			u->kind = UNTIL_ICOUNT;
			return 0;
		}
	} else if (!strncmp(s, "vtime=", 6) && s[6] >= '0' && s[6] <= '9') {
		static const struct { const char *suffix; uint64_t mul; } units[] = {
			{ "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
		};
		uint64_t v = strtoull(s + 6, &end, 10);
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(end, units[i].suffix) && v <= UINT64_MAX / units[i].mul) {
				u->kind = UNTIL_VTIME;
				u->value = v * units[i].mul;
				return 0;
			}
	}
	snprintf(err, errlen, "--until %s: expected mbr, int19, halt, exit, icount=N or "
		 "vtime=T[ns|us|ms|s]", s);
	return -1;
}

/* ---- milestones ---- */

void machine_milestone(struct machine *m, enum milestone id)
{
	uint64_t ic = cpu_icount(m->cpu);

	if (m->milestone_icount[id] == UINT64_MAX)
		m->milestone_icount[id] = ic;
	HOOK_FIRE(m, milestone, id, m->boot, ic);
	if ((id == MILESTONE_MBR && m->until_kind == UNTIL_MBR) ||
	    (id == MILESTONE_INT19 && m->until_kind == UNTIL_INT19)) {
		m->until_hit = 1;
		cpu_request_stop(m->cpu);
	}
}

uint64_t machine_milestone_icount(const struct machine *m, enum milestone id)
{
	return (unsigned)id < MILESTONE_COUNT ? m->milestone_icount[id] : UINT64_MAX;
}

void machine_request_stop(struct machine *m, int from_signal)
{
	m->stop_requested = 1;
	if (from_signal)
		m->stop_signal = from_signal;
	cpu_request_stop(m->cpu);
}

/* ---- the loop ---- */

/* A reset that comes within this many instructions of the previous one counts
 * towards a reset loop; this many in a row end the run. */
#define QUICK_RESET_ICOUNT 100000
#define QUICK_RESET_LIMIT 8

static int do_reset(struct machine *m)
{
	int kind = m->pending_reset;
	uint64_t ic = cpu_icount(m->cpu);

	m->pending_reset = 0;
	if (ic - m->last_reset_icount < QUICK_RESET_ICOUNT)
		m->quick_resets++;
	else
		m->quick_resets = 0;
	m->last_reset_icount = ic;
	if (m->quick_resets >= QUICK_RESET_LIMIT)
		return -1;
	if (kind == ISA_RESET_SYSTEM) {
		machine_system_reset(m, kind);
	} else {
		/* INIT: the CPU only; memory map, PAM and devices stay. */
		machine_init_reset(m);
		machine_milestone(m, MILESTONE_RESET_VECTOR);
	}
	return 0;
}

enum machine_stop machine_run(struct machine *m, const struct machine_until *until)
{
	struct machine_until none = { UNTIL_NONE, 0 };
	uint64_t icount_limit, cycle_cap = UINT64_MAX;

	if (!until)
		until = &none;
	m->until_kind = until->kind;
	m->until_hit = 0;
	icount_limit = until->kind == UNTIL_ICOUNT ? until->value : m->opt.icount_cap;
	/* Both caps count from power-on, so slicing a run (recording,
	 * stepping) never moves them. */
	cycle_cap = until->kind == UNTIL_VTIME ? until->value : m->opt.vtime_cap;

	for (;;) {
		uint64_t deadline, now;
		enum cpu_stop r;

		if (m->stop_requested) {
			enum machine_stop why = m->stop_signal ? MACHINE_STOP_SIGNAL : MACHINE_STOP_REQUEST;
			m->stop_requested = 0;
			m->stop_signal = 0;
			return why;
		}
		if (cpu_icount(m->cpu) >= icount_limit)
			return until->kind == UNTIL_ICOUNT ? MACHINE_STOP_UNTIL : MACHINE_STOP_CAP;
		if (clock_now(m->clock) >= cycle_cap)
			return until->kind == UNTIL_VTIME ? MACHINE_STOP_UNTIL : MACHINE_STOP_VTIME_CAP;

		deadline = clock_next_deadline(m->clock);
		r = cpu_run(m->cpu, icount_limit, deadline < cycle_cap ? deadline : cycle_cap);
		clock_run_due(m->clock);

		if (m->exit_requested) {
			m->exit_requested = 0;
			machine_milestone(m, MILESTONE_EXIT);
			return MACHINE_STOP_EXIT;
		}
		if (m->poweroff) {
			m->poweroff = 0;
			machine_milestone(m, MILESTONE_EXIT);
			return MACHINE_STOP_POWEROFF;
		}
		if (m->until_hit) {
			m->until_hit = 0;
			return MACHINE_STOP_UNTIL;
		}
		if (m->pending_reset && do_reset(m))
			return MACHINE_STOP_RESET_LOOP;
		if (r != CPU_STOP_HLT)
			continue;

		/* HLT: with interrupts off nothing but NMI/SMI wakes it (neither has
		 * a source here yet); otherwise sleep until the next deadline. */
		if (!(cpu_get_reg(m->cpu, CPU_EFLAGS) & 0x200))
			return until->kind == UNTIL_HALT ? MACHINE_STOP_UNTIL : MACHINE_STOP_DEAD;
		if (!cpu_halted(m->cpu))
			continue;  /* an interrupt is already pending */
		deadline = clock_next_deadline(m->clock);
		if (deadline == CLOCK_NEVER)
			return MACHINE_STOP_DEAD;
		now = clock_now(m->clock);
		if (deadline > cycle_cap) {
			cpu_add_cycles(m->cpu, cycle_cap - now);
			return until->kind == UNTIL_VTIME ? MACHINE_STOP_UNTIL : MACHINE_STOP_VTIME_CAP;
		}
		if (deadline > now)
			cpu_add_cycles(m->cpu, deadline - now);
		clock_run_due(m->clock);
	}
}

int machine_idle_until(struct machine *m, uint64_t cycles, char *err, size_t errlen)
{
	struct machine_until u = { UNTIL_VTIME, cycles };
	uint64_t ic = cpu_icount(m->cpu), cap = m->opt.icount_cap;
	int req = m->stop_requested, sig = m->stop_signal;
	enum machine_stop r = MACHINE_STOP_UNTIL;

	if (!cpu_halted(m->cpu)) {
		snprintf(err, errlen, "the CPU is not halted");
		return -1;
	}
	if (cycles < clock_now(m->clock)) {
		snprintf(err, errlen, "virtual time is at cycle %" PRIu64 ", past %" PRIu64,
			 clock_now(m->clock), cycles);
		return -1;
	}
	if (cycles == clock_now(m->clock))
		return 0;
	if (!(cpu_get_reg(m->cpu, CPU_EFLAGS) & 0x200)) {
		snprintf(err, errlen, "the CPU is halted with interrupts disabled: virtual time "
			 "cannot advance");
		return -1;
	}
	/* machine_run's HLT loop to the virtual-time target, allowed to retire
	 * one instruction only to notice a wake-up. Stop requests wait. */
	m->stop_requested = 0;
	m->stop_signal = 0;
	m->opt.icount_cap = ic + 1;
	while (clock_now(m->clock) < cycles && cpu_icount(m->cpu) == ic) {
		r = machine_run(m, &u);
		if (r == MACHINE_STOP_REQUEST || r == MACHINE_STOP_SIGNAL) {
			req = 1;
			sig = sig ? sig : r == MACHINE_STOP_SIGNAL;
			continue;
		}
		break;
	}
	m->opt.icount_cap = cap;
	m->stop_requested = req;
	m->stop_signal = sig;
	if (req)
		cpu_request_stop(m->cpu);
	if (cpu_icount(m->cpu) != ic) {
		snprintf(err, errlen, "an interrupt woke the CPU before cycle %" PRIu64, cycles);
		return -1;
	}
	if (clock_now(m->clock) != cycles) {
		snprintf(err, errlen, "idling stopped at cycle %" PRIu64 " before cycle %" PRIu64
			 " (%s)", clock_now(m->clock), cycles, machine_stop_name(r));
		return -1;
	}
	return 0;
}

uint64_t machine_vtime_cap(const struct machine *m)
{
	return m->opt.vtime_cap;
}

void machine_set_vtime_cap(struct machine *m, uint64_t cap)
{
	m->opt.vtime_cap = cap;
}

void machine_format_summary(struct machine *m, enum machine_stop why, char *buf, size_t len)
{
	struct cpu_segment cs;
	uint64_t vt = clock_now(m->clock);
	int n;

	cpu_get_seg(m->cpu, CPU_CS, &cs);
	n = snprintf(buf, len, "stopped: reason=%s", machine_stop_name(why));
	if (why == MACHINE_STOP_EXIT && (size_t)n < len)
		n += snprintf(buf + n, len - n, " code=%d", m->exit_value);
	if ((size_t)n < len)
		snprintf(buf + n, len - n, " icount=%" PRIu64 " vtime=%" PRIu64 ".%09" PRIu64
			 "s cs:eip=%04x:%08x post=0x%02x boot=%u",
			 cpu_icount(m->cpu), vt / 1000000000, vt % 1000000000, cs.selector,
			 cpu_get_reg(m->cpu, CPU_EIP), machine_post_code(m), m->boot);
}
