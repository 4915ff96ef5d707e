/*
 * replay/trace_synth.h: deterministic synthetic traces for tests, fuzz seeds
 * and format experiments, independent of the machine. Event i is a pure
 * function of i and every kind occurs in each run of 16 events.
 */
#ifndef LS_REPLAY_TRACE_SYNTH_H
#define LS_REPLAY_TRACE_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "replay/event.h"
#include "replay/trace_format.h"

/* Room needed for the byte data of one synthetic event. */
#define TRACE_SYNTH_DATA_MAX 32

struct trace_synth_options {
	uint64_t nevents;          /* events to write */
	size_t frame_bytes;        /* writer thresholds; 0: defaults */
	uint32_t frame_events;
	int skip_io;               /* store no IO events (they still feed the chains) */
	int no_finish;             /* leave the file without index and footer */
};

/* Fills ev with synthetic event i; its byte data is written to data
 * (TRACE_SYNTH_DATA_MAX bytes) and ev points there. CHECKPOINT chains are 0
 * (the writer fills them in). */
void trace_synth_event(uint64_t i, struct trace_event *ev, uint8_t *data);

/* The fixed header of synthetic traces (static storage, read-only). */
const struct trace_header *trace_synth_header(void);

/* The final icount trace_synth_write passes to finish for n events. */
uint64_t trace_synth_final_icount(uint64_t nevents);

/* Writes a synthetic trace to path. Returns 0, or a negative errno with a
 * one-line message in err. */
int trace_synth_write(const char *path, const struct trace_synth_options *o,
		      char *err, size_t errlen);

#endif
