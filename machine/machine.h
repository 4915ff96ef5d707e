/*
 * machine/machine.h: the PC. struct machine owns the cpu, mem, every device,
 * the virtual clock and its event queue; machine/pc.c wires them together
 * (i440FX + PIIX3/PIIX4 for `pc`, ISA only for `isapc`), machine/run.c runs
 * the CPU between clock deadlines and turns what happens into stop reasons.
 * No global state: two machines in one process are independent.
 */
#ifndef LS_MACHINE_H
#define LS_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "machine/config.h"

struct machine;
struct cpu;
struct mem;

/* Milestones (DESIGN.md §3), counted per boot. */
enum milestone {
	MILESTONE_RESET,         /* power-on or system reset */
	MILESTONE_RESET_VECTOR,  /* first instruction after it */
	MILESTONE_PAM_UNLOCK,    /* first PAM write making 0xF0000 writable */
	MILESTONE_SHADOW_DONE,   /* first instruction run from shadow RAM after it */
	MILESTONE_PAM_LOCK,      /* first later PAM write making it read-only */
	MILESTONE_INT19,         /* vector 0x19 delivered */
	MILESTONE_BOOT_READ,     /* first read of the boot disk's sector 0 after int19 */
	MILESTONE_MBR,           /* first instruction at linear 0x7C00 after int19 */
	MILESTONE_EXIT,          /* guest exit port, power-off, or end of run */
	MILESTONE_COUNT
};
const char *milestone_name(enum milestone id);
/* Returns the id for a name, or -1. */
int milestone_parse(const char *name);

/* What `--until` asks for. */
enum until_kind { UNTIL_NONE, UNTIL_MBR, UNTIL_INT19, UNTIL_HALT, UNTIL_EXIT,
		  UNTIL_ICOUNT, UNTIL_VTIME };
struct machine_until {
	enum until_kind kind;
	uint64_t value;          /* icount, or vtime in ns */
};
/* "mbr", "int19", "halt", "exit", "icount=N", "vtime=T" (T in ns, or with a
 * suffix ns, us, ms, s). Returns 0 or -1 with a one-line message. */
int machine_parse_until(const char *s, struct machine_until *u, char *err, size_t errlen);

/* Why machine_run returned. */
enum machine_stop {
	MACHINE_STOP_UNTIL,      /* the --until target was reached */
	MACHINE_STOP_EXIT,       /* guest wrote to port 0xF4 (exit_value) */
	MACHINE_STOP_POWEROFF,   /* ACPI S5 */
	MACHINE_STOP_DEAD,       /* HLT with interrupts off, or nothing can wake it */
	MACHINE_STOP_CAP,        /* the default icount cap */
	MACHINE_STOP_VTIME_CAP,  /* the default virtual-time cap (asleep for an hour) */
	MACHINE_STOP_RESET_LOOP, /* resets with almost no progress in between */
	MACHINE_STOP_SIGNAL,     /* SIGINT/SIGTERM (machine_request_stop from a handler) */
	MACHINE_STOP_REQUEST,    /* a hook or the monitor asked */
};
const char *machine_stop_name(enum machine_stop s);

/* The caps when --until gives none, counted from power-on: far beyond any
 * firmware boot. The virtual-time cap ends guests that sleep in HLT forever
 * (idle time costs no host time, so only a cap stops them). */
#define MACHINE_DEFAULT_ICOUNT_CAP 20000000000ull
#define MACHINE_DEFAULT_VTIME_CAP (3600ull * 1000000000ull)

/* Observation hooks for replay and the monitor. Several sets can be attached
 * at once (recorder and debugger together); events reach every set in
 * attachment order. Every member is optional and costs one branch when no
 * set has it. Hooks observe: they must not change guest state, except through
 * machine_request_stop(). */
struct machine_hooks {
	void *opaque;
	/* A milestone was reached (DESIGN.md §3). */
	void (*milestone)(void *opaque, enum milestone id, uint32_t boot, uint64_t icount);
	/* A system reset completed (cause: 0 power-on, ISA_RESET_SYSTEM for
	 * 0xCF9, MACHINE_RESET_MONITOR). Fired before the first instruction of
	 * the new boot. */
	void (*system_reset)(void *opaque, int cause);
	/* A CPU-only (INIT) reset: 8042 pulse, port 0x92, 0xCF9 soft, triple fault. */
	void (*cpu_reset)(void *opaque);
	/* Port I/O by the CPU: reads after the value is known, writes before they
	 * reach the device. */
	void (*io)(void *opaque, uint16_t port, int size, int is_write, uint32_t value);
	/* An interrupt or exception is being delivered (see struct cpu_hooks). */
	void (*interrupt)(void *opaque, int vector, int kind, int error, uint16_t cs,
			  uint32_t eip, uint16_t new_cs, uint32_t new_eip);
	/* CR0/CR3/CR4 written (mode changes: PE, PG). */
	void (*cr_write)(void *opaque, int cr, uint32_t old, uint32_t value);
	/* PAM register write (reg 0..6), SMRAM write, rom_reset, a dropped ROM write. */
	void (*pam)(void *opaque, int reg, uint8_t old_value, uint8_t new_value);
	void (*smram)(void *opaque, uint8_t old_value, uint8_t new_value);
	void (*rom_reset)(void *opaque);
	/* Bytes the guest wrote to the debug console (port 0x402 or 0xE9) and to COM1. */
	void (*debug_out)(void *opaque, uint16_t port, const uint8_t *buf, size_t len);
	void (*serial_out)(void *opaque, const uint8_t *buf, size_t len);
	/* After every retired instruction: costly, attach only when needed
	 * (breakpoints, stepping). eip is the retired instruction's address. */
	void (*retire)(void *opaque, uint16_t cs, uint32_t eip);
	/* A CPU write to memory-mapped I/O (the local APIC), before the device
	 * sees it. */
	void (*mmio_write)(void *opaque, uint64_t pa, int size, uint32_t value);
	/* SMM entry (enter = 1, cs:eip where RSM resumes) or RSM (enter = 0,
	 * cs:eip where execution resumes, smbase after relocation). */
	void (*smm)(void *opaque, int enter, uint32_t smbase, uint16_t cs, uint32_t eip);
	/* A CPU read overlapping a read watch set with mem_watch_add
	 * (machine_mem()), after the value is known. */
	void (*watch_read)(void *opaque, uint64_t pa, int size, uint32_t value);
};

#define MACHINE_MAX_HOOKS 4
/* Attach a hook set (copied). Returns its handle (>= 0) or -1 when all
 * MACHINE_MAX_HOOKS slots are taken. */
int machine_add_hooks(struct machine *m, const struct machine_hooks *h);
/* Replace or detach (h == NULL) the set with that handle. */
void machine_set_hooks(struct machine *m, int handle, const struct machine_hooks *h);

/* Options that are not part of the guest-visible configuration. */
struct machine_options {
	int serial_raw;          /* keep escape sequences on non-TTY output */
	int log_unimp;           /* log unimplemented accesses once per site */
	int disk_rw;             /* write disk images in place */
	uint64_t icount_cap;     /* 0: MACHINE_DEFAULT_ICOUNT_CAP */
	uint64_t vtime_cap;      /* ns; 0: MACHINE_DEFAULT_VTIME_CAP */
};

/* Behave as trace format version `version` (replay/event.h) describes:
 * format 1 had no shadow-done milestone, so with version 1 the machine never
 * reports it and leaves its bookkeeping out of the state (hashes and
 * snapshots), which keeps the checkpoints of format-1 traces verifiable; and
 * it looked for the jump to 0:7C00 (mbr) only after an instruction retired,
 * never at an interrupt delivery into a handler at 0x7C00.
 * Default: the current format. Call before running. */
void machine_set_compat(struct machine *m, int version);

/* Build a machine, load firmware (or the multiboot kernel) and power it on.
 * Returns NULL with a one-line message in err (missing or invalid files). */
struct machine *machine_new(const struct machine_config *cfg, const struct machine_options *opt,
			    char *err, size_t errlen);
void machine_free(struct machine *m);

/* Run until the target, an exit, or a stop reason. May be called again to go on. */
enum machine_stop machine_run(struct machine *m, const struct machine_until *until);
/* Make machine_run return (async-signal-safe: only sets flags). */
void machine_request_stop(struct machine *m, int from_signal);

/* A system reset, as the monitor's `reset` or 0xCF9 hard reset does; cause
 * as the system_reset hook reports it (ISA_RESET_SYSTEM for 0xCF9, or
 * MACHINE_RESET_MONITOR). Any cause but 0 (power-on) starts a new boot:
 * machine_boot_count() goes up by one. */
#define MACHINE_RESET_MONITOR 3
void machine_system_reset(struct machine *m, int cause);

struct cpu *machine_cpu(struct machine *m);
struct mem *machine_mem(struct machine *m);
uint64_t machine_vtime(const struct machine *m);
int machine_exit_value(const struct machine *m);
uint8_t machine_post_code(const struct machine *m);
uint32_t machine_boot_count(const struct machine *m);
/* icount at which milestone id was first reached in the current boot, or UINT64_MAX. */
uint64_t machine_milestone_icount(const struct machine *m, enum milestone id);

/* The virtual-time cap (ns since power-on) a run without --until vtime stops
 * at, with MACHINE_STOP_VTIME_CAP. A front end pacing virtual time against a
 * human (the interactive console) lowers it for a slice and restores it. */
uint64_t machine_vtime_cap(const struct machine *m);
void machine_set_vtime_cap(struct machine *m, uint64_t cap);

/* Let the halted CPU idle until virtual time reaches `cycles`, as HLT does
 * in machine_run (the timers due on the way fire at their deadlines), with
 * no instruction retired: replay re-creates with it the idle time a
 * recording ended or took input in (trace INPUT kind idle). Fails with a
 * one-line message, leaving the machine wherever it got to, when the CPU
 * is not halted, cycles lies in the past, interrupts are disabled (nothing
 * could advance time), or an interrupt wakes the CPU first. A pending stop
 * request survives it. Returns 0 or -1. */
int machine_idle_until(struct machine *m, uint64_t cycles, char *err, size_t errlen);

/* Write out buffered guest output (unfinished debug-console lines). */
void machine_flush_output(struct machine *m);

/* One line: "stopped: reason=... icount=... vtime=... cs:eip=... post=0x..". */
void machine_format_summary(struct machine *m, enum machine_stop why, char *buf, size_t len);

#endif
