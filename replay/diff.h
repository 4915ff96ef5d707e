/*
 * replay/diff.h: `lockstep diff` and `lockstep bisect --trace`
 * (docs/compare.md). Two traces of the same firmware are compared through
 * their chain hashes: a binary search over the frame index (the chains at
 * every frame start) finds the last frame where both histories agree, then
 * only the frames from there are decoded to find each stream's first
 * divergent event. When both traces come from the same ROM images and
 * machine configuration (disks may differ) and neither has input, both are
 * re-executed from the last common checkpoint, one instruction at a time,
 * to pin the first instruction after which their states differ.
 *
 * Traces of different firmware never align on icount: they are compared on
 * the semantic streams, segment by segment (replay/semantic.h, diff_cli.c).
 */
#ifndef LS_REPLAY_DIFF_H
#define LS_REPLAY_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "replay/event.h"
#include "replay/trace_format.h"

struct diff_options {
	unsigned streams;          /* bit per enum trace_stream to report; 0: all */
	int context;               /* events shown before a divergence (default 3) */
	int pin;                   /* re-execute to pin the instruction (default 1) */
	int explain;               /* print every search step (bisect --trace) */
};

void diff_options_init(struct diff_options *o);

#define DIFF_TEXT 320

struct diff_stream_result {
	int differs;               /* the chains differ */
	int found;                 /* a divergent stored event was found */
	uint64_t a_icount, b_icount;    /* of the divergent events (UINT64_MAX: trace ended) */
	char a_text[DIFF_TEXT], b_text[DIFF_TEXT];  /* trace show form, or "(end of trace)" */
};

struct diff_result {
	int status;                /* 0 identical, 1 different, 2 error */
	int same_machine;          /* same ROMs and configuration: pinning possible */
	uint64_t frames_read[2];   /* frames decoded in A and B */
	struct diff_stream_result s[TRACE_NSTREAMS];
	int pinned;
	uint64_t pin_from;         /* the common checkpoint re-execution started at */
	uint64_t pin_icount;       /* first icount after which the states differ */
	uint16_t pin_cs;           /* the instruction that made them differ */
	uint32_t pin_eip;
	char message[1024];        /* the error for status 2 */
};

/*
 * Compare traces a and b (strict mode) and print the report to out (may be
 * NULL). Always fills *res; returns res->status. Both traces should come from
 * the same firmware; diff_cli.c decides when to compare semantically instead.
 */
int diff_traces(const char *a, const char *b, const struct diff_options *o, FILE *out,
		struct diff_result *res);

/* Whether the two headers name the same ROM blobs (name, size, hash). */
int diff_same_roms(const struct trace_header *a, const struct trace_header *b);

/*
 * Re-execute both traces' machines from icount `from` to at most `to` + 1,
 * comparing CPU, RAM and device hashes after every instruction; print both
 * register states and the instruction at the first difference to out.
 * Returns 1 when pinned (res->pin_*), 0 when the states never differed, -1
 * on an error (message in res->message). Defined in replay/diff_pin.c.
 */
int diff_pin(const char *a, const char *b, uint64_t from, uint64_t to, FILE *out,
	     struct diff_result *res);

/*
 * lockstep diff A.trace B.trace [--streams LIST] [--semantic] [--context N]
 *     [--no-pin] [--ignore-port LIST] [--ignore-vector LIST] [--ignore-irq0]
 *     [--debug-filter REGEX]
 * argv[0] is "diff". Returns 0 identical, 1 different, 2 usage or input
 * error (one line on stderr). Defined in replay/diff_cli.c.
 */
int diff_cmd_main(int argc, char **argv);
int diff_cmd_run(int argc, char **argv, FILE *out, FILE *errf);

/* The chain search explained step by step (`lockstep bisect --trace A B`). */
int diff_bisect_traces(const char *a, const char *b, FILE *out, FILE *errf);

#endif
