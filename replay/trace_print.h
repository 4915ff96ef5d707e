/*
 * replay/trace_print.h: the stable one-line text form of trace events used by
 * `trace show` and diff output (docs/trace-format.md §8): the icount, the
 * kind name, then key=value fields. Scripts and golden files may parse it.
 */
#ifndef LS_REPLAY_TRACE_PRINT_H
#define LS_REPLAY_TRACE_PRINT_H

#include <stdio.h>

#include "replay/event.h"
#include "replay/trace_format.h"

/* Prints ev as one line ending in '\n'. hdr (may be NULL) supplies blob
 * names for ROM_LOAD. */
void trace_event_print(FILE *f, const struct trace_event *ev, const struct trace_header *hdr);

/* Prints bytes as a double-quoted C-style string (\n, \t, \", \\, \xHH). */
void trace_print_bytes(FILE *f, const uint8_t *p, size_t n);

#endif
