/*
 * replay/: trace format, recorder, replayer, checkpoints and hashes,
 * snapshots, diff, bisect and regression. Observes the machine through hooks;
 * the emulation path never calls the trace writer directly (DESIGN.md §1, §3).
 *
 * The trace format (docs/trace-format.md):
 *   replay/event.h         typed, versioned events and their encodings
 *   replay/chain.h         per-stream XXH3 chain hashes
 *   replay/trace_format.h  file layout: header, frames, index, footer
 *   replay/trace_writer.h  streaming writer (bounded memory, finish on exit)
 *   replay/trace_reader.h  validating reader: strict and salvage modes, seeking
 *   replay/trace_print.h   the stable one-line text form of events
 *   replay/trace_cli.h     `lockstep trace show|stats` (trace_cmd_main)
 *   replay/trace_synth.h   synthetic traces for tests and fuzz seeds
 *
 * Comparing runs (docs/compare.md):
 *   replay/semantic.h      firmware-independent streams, per-milestone segments
 *   replay/diff.h          `lockstep diff`: chain search, pinning, semantic diff
 *   replay/regress.h       `lockstep regress`: in-process boots, golden files
 *   replay/bisect.h        `lockstep bisect`: first bad image, explained search
 */
#ifndef LS_REPLAY_H
#define LS_REPLAY_H

#include "replay/event.h"
#include "replay/chain.h"
#include "replay/trace_format.h"
#include "replay/trace_writer.h"
#include "replay/trace_reader.h"
#include "replay/trace_print.h"
#include "replay/trace_cli.h"

#endif
