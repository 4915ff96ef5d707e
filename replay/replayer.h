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
};

void replay_options_init(struct replay_options *o);

struct replay_result {
	int status;                 /* exit status (DESIGN.md §4 table) */
	uint64_t checkpoints;       /* verified */
	uint64_t start_icount;      /* 0, or the keyframe replay started from */
	enum machine_stop stop;     /* why the machine last stopped */
	int stopped;                /* stop is meaningful */
	uint64_t final_icount;
	/* divergence */
	int diverged;
	uint64_t div_checkpoint;    /* index among the checkpoints read (0-based) */
	uint64_t div_icount;        /* its icount */
	uint64_t good_icount;       /* the last checkpoint that matched (or the start) */
	unsigned div_mask;          /* 1 cpu, 2 ram, 4 dev, 8 chains, 16 stopped early */
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
int replay_cmd_run(int argc, char **argv, FILE *out, FILE *errf);

#endif
