/*
 * replay/trace_cli.h: the `lockstep trace show|stats` subcommand.
 */
#ifndef LS_REPLAY_TRACE_CLI_H
#define LS_REPLAY_TRACE_CLI_H

#include <stdio.h>

/*
 * lockstep trace show|stats FILE [--events KINDS] [--from N] [--to N]
 *                                [--port LO-HI]
 * argv[0] is "trace". show prints one line per event (trace_print.h); stats
 * prints counts and sizes by kind, the compression ratio, checkpoints,
 * milestones and bytes per million instructions. --help prints usage to
 * stdout. Returns the exit status: 0 ok; 2 for a usage or input error, with
 * one line on stderr. A truncated trace is read up to its last complete frame
 * with a warning on stderr, and still exits 0.
 */
int trace_cmd_main(int argc, char **argv);

/* The same, writing to out and errf instead of stdout and stderr (tests). */
int trace_cmd_run(int argc, char **argv, FILE *out, FILE *errf);

#endif
