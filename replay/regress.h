/*
 * replay/regress.h: `lockstep regress` and the in-process firmware boots that
 * regress and bisect share (docs/compare.md §4). Each firmware image boots
 * on the same machine and disks, with no trace file: an observer feeds the
 * events straight into a semantic table (replay/semantic.h), whose
 * per-segment stream hashes are compared with a plain-text golden file.
 */
#ifndef LS_REPLAY_REGRESS_H
#define LS_REPLAY_REGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "machine/config.h"
#include "machine/machine.h"
#include "replay/semantic.h"

/* Default instruction cap of a regress/bisect boot. */
#define REGRESS_DEFAULT_MAX_ICOUNT 200000000ull

/* The machine every image boots on. */
struct regress_machine {
	struct machine_config cfg;     /* bios is set per image */
	uint64_t max_icount;
};

void regress_machine_init(struct regress_machine *rm);

/*
 * Parse one machine option at argv[*i] (--machine, -m, --disk, --rtc,
 * --max-icount), advancing *i past its value. Returns 1 when consumed, 0
 * when argv[*i] is not a machine option, -1 with a message on a bad value.
 */
int regress_parse_machine_opt(struct regress_machine *rm, int argc, char **argv, int *i,
			      char *err, size_t errlen);

/*
 * Boot firmware on rm and fill t (initialised by the caller) with the run's
 * semantic segments. *why is the stop reason. Returns 0; or -1 with a
 * message when the machine cannot be built (missing or invalid firmware or
 * disk: `git bisect run` should skip, exit 125).
 */
int regress_boot(const struct regress_machine *rm, const char *firmware, struct sem_table *t,
		 enum machine_stop *why, char *err, size_t errlen);

/*
 * lockstep regress --golden FILE [--update] [machine options] FIRMWARE...
 * argv[0] is "regress". Returns 0 unchanged (or updated), 1 changed, 2 usage
 * or input error, 125 when a firmware image cannot be booted.
 */
int regress_cmd_main(int argc, char **argv);
int regress_cmd_run(int argc, char **argv, FILE *out, FILE *errf);

#endif
