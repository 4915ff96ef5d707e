/*
 * replay/replayer.h: `lockstep replay FILE` (DESIGN.md §3, docs/replay.md).
 * Rebuilds the machine from the trace header (firmware and disks by recorded
 * path or the firmware search path, each checked by size and XXH3-128),
 * injects the recorded INPUT events at their icount and verifies every
 * CHECKPOINT (CPU, RAM and device hashes, and the chain hashes). On a
 * divergence it names the first divergent checkpoint, then re-executes the
 * interval from the last good checkpoint twice, once as replay did it and
 * once without the replay's perturbation, hashing the state after every
 * instruction, to pin the first divergent instruction.
 */
#ifndef LS_REPLAY_REPLAYER_H
#define LS_REPLAY_REPLAYER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "machine/machine.h"

struct replay_options {
	int verify;                       /* 1 (default): check every CHECKPOINT */
	struct machine_until until;       /* stop there (UNTIL_NONE: the end of the trace) */
	const char *serial;               /* guest serial output: "none" (default), "stdio", "file:P" */
	const char *debugcon;             /* likewise, default "none" */
	int use_keyframes;                /* 1 (default): start --until icount=N at a keyframe */
	/* Test-only: called once when the replay reaches icount perturb_icount,
	 * to change guest state (a divergence the pinning must find). */
	void (*perturb)(void *opaque, struct machine *m);
	void *perturb_opaque;
	uint64_t perturb_icount;
	/* Test-only: chain monitor INPUT events (TRACE_INPUT_MONITOR_*) but do
	 * not apply them, as if they had been lost (replay must diverge). */
	int skip_monitor_writes;
	/* replay --monitor: in-memory snapshots every N instructions (0: the
	 * default, REPLAY_SNAPSHOT_EVERY), at most budget bytes (0: default). */
	uint64_t snapshot_every;
	uint64_t snapshot_budget;
};

#define REPLAY_SNAPSHOT_EVERY 1000000ull
#define REPLAY_SNAPSHOT_BUDGET (256ull << 20)

void replay_options_init(struct replay_options *o);

struct replay_result {
	int status;                 /* exit status (DESIGN.md §4 table) */
	uint64_t checkpoints;       /* verified (from start_icount on) */
	uint64_t start_icount;      /* 0, or the keyframe replay started from */
	uint64_t skipped_checkpoints; /* those before that keyframe, not verified */
	enum machine_stop stop;     /* why the machine last stopped */
	int stopped;                /* stop is meaningful */
	uint64_t final_icount;
	/* divergence */
	int diverged;
	uint64_t div_checkpoint;    /* index among the checkpoints read (0-based) */
	uint64_t div_icount;        /* its icount */
	uint64_t good_icount;       /* the last checkpoint that matched (or the start) */
	unsigned div_mask;          /* 1 cpu, 2 ram, 4 dev, 8 chains, 16 stopped early,
				     * 32 recorded idle time not repeatable (at div_icount,
				     * before checkpoint div_checkpoint) */
	int pinned;                 /* 1: the instruction below is known */
	uint64_t pin_icount;        /* first icount at which the states differ */
	uint16_t pin_cs;            /* the instruction that follows it */
	uint32_t pin_eip;
	char message[1024];         /* one line for status 2, the report otherwise */
};

/* Replay path with o (NULL: defaults). Always fills *res; returns res->status. */
int replay_trace(const char *path, const struct replay_options *o, struct replay_result *res);

/*
 * lockstep replay FILE [--no-verify] [--until EVENT] [--serial stdio|none|file:PATH]
 *                      [--debugcon ...] [--no-keyframes]
 * argv[0] is "replay". Prints the outcome (and the machine summary) on
 * stderr; returns the exit status: 0 verified (or --until reached), 1
 * diverged, 2 usage or input error (missing/different blob, bad or truncated
 * trace), 3 the guest died, v the guest's exit code.
 */
int replay_cmd_main(int argc, char **argv);
/* replay_cmd_run's usage text (lockstep.c's `replay --monitor` prints it too). */
extern const char replay_usage[];
int replay_cmd_run(int argc, char **argv, FILE *out, FILE *errf);

/*
 * Monitor writes recorded as INPUT events (docs/replay.md §3):
 * TRACE_INPUT_MONITOR_MEM: addr = physical address, data = the bytes,
 * written as the guest would (machine_debug_write_phys: ROM drops them).
 * TRACE_INPUT_MONITOR_REG: addr = register number, data little-endian:
 *   0..19   eax ecx edx ebx esp ebp esi edi eip eflags cr0 cr2 cr3 cr4
 *           dr0 dr1 dr2 dr3 dr6 dr7 (4 bytes)
 *   0x100+n segment register n (es cs ss ds fs gs): selector (2 bytes),
 *           base loaded as the mode does (real: sel*16, else the descriptor)
 *   0x200   system reset (the monitor's `reset`), no bytes
 * Recording and replay both apply them with this function, so they cannot
 * differ. Returns 0, or -1 with a message (nothing changed: bad register,
 * selector outside the descriptor table, memory that is not RAM/ROM).
 */
#define REPLAY_MONREG_NGENERAL 20
#define REPLAY_MONREG_SEG 0x100
#define REPLAY_MONREG_RESET 0x200
int replay_apply_monitor_input(struct machine *m, int kind, uint64_t addr, const uint8_t *data,
			       uint32_t len, char *err, size_t errlen);

/*
 * An interactive replay (`lockstep replay FILE --monitor`; replay/session.c):
 * the machine rebuilt from the trace, advanced on request. replay_session_run runs like
 * machine_run while injecting the recorded INPUT events at their icount,
 * verifying every CHECKPOINT, and taking in-memory snapshots every
 * o->snapshot_every instructions (the oldest half is thinned out, and the
 * interval doubled, when they exceed the budget). A stop at icount N leaves
 * the events recorded at N for the next run, so stopping at N always gives
 * the same state. replay_session_seek moves to any icount of the trace by
 * restoring the nearest snapshot (or TRACE.keys keyframe) before it and
 * replaying forward.
 */
struct replay_session;

/* NULL with a one-line message (as replay's exit-2 errors). o may be NULL. */
struct replay_session *replay_session_open(const char *path, const struct replay_options *o,
					   char *err, size_t errlen);
void replay_session_free(struct replay_session *s);
struct machine *replay_session_machine(struct replay_session *s);
/* The icount the recording ended at (the last CHECKPOINT). */
uint64_t replay_session_end(const struct replay_session *s);
/* Run like machine_run (until: NULL or UNTIL_ICOUNT). When it stops for a
 * reason of the replay's own (the end of the trace, a divergence, a trace
 * read error), it returns MACHINE_STOP_REQUEST with a one-line note;
 * otherwise note is "". After a divergence, checkpoints are no longer
 * verified. */
enum machine_stop replay_session_run(struct replay_session *s, const struct machine_until *until,
				     char *note, size_t notelen);
/* Go to exactly icount (0..end). Returns 0 (note: "" or a divergence found
 * on the way), 1 when replay_session_interrupt stopped it on the way (the
 * machine stands at an instruction boundary short of icount, in the state
 * every stop there shows; note says where), or -1 with the reason in note. */
int replay_session_seek(struct replay_session *s, uint64_t icount, char *note, size_t notelen);
/* Async-signal-safe (Ctrl-C): stop the seek in progress, or the next one, at
 * the next instruction boundary. The request stays until cleared. */
void replay_session_interrupt(struct replay_session *s);
void replay_session_clear_interrupt(struct replay_session *s);
int replay_session_interrupted(const struct replay_session *s);
/* The latest restore point strictly before icount (0 when none). */
uint64_t replay_session_prev_point(const struct replay_session *s, uint64_t icount);
/* One line: checkpoints verified, and the divergence if any. Returns 1 when
 * the replay diverged, else 0. */
int replay_session_summary(const struct replay_session *s, char *buf, size_t len);

#endif
