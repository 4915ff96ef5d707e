/*
 * replay/recorder.h: `lockstep run --record FILE` (DESIGN.md §3,
 * docs/replay.md). Attach a recorder to a freshly built machine, run it
 * through recorder_run instead of machine_run, then recorder_finish. The
 * recorder writes every event the machine reports, a CHECKPOINT (CPU, RAM
 * and device hashes) every N instructions and at the end, INPUT events for
 * scripted input, and optionally keyframe snapshots beside the trace.
 *
 * The lead's wiring in lockstep.c (run):
 *     rec = recorder_attach(m, &cfg, path, &ro, err, sizeof(err));   (exit 2 on NULL)
 *     why = rec ? recorder_run(rec, &until) : machine_run(m, &until);
 *     if (rec && recorder_finish(rec, why, err, sizeof(err))) ... (exit 2)
 * SIGINT/SIGTERM: machine_run returns MACHINE_STOP_SIGNAL through
 * recorder_run; recorder_finish then writes the last frame, index and footer.
 */
#ifndef LS_REPLAY_RECORDER_H
#define LS_REPLAY_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "machine/config.h"
#include "machine/machine.h"

struct recorder;

/* About 235 checkpoints in a SeaBIOS boot to the MBR (7.07M instructions):
 * a divergence is pinned by re-running at most 30000 instructions, and the
 * checkpoints cost about 2% of the boot (docs/replay.md §8). */
#define RECORDER_DEFAULT_CHECKPOINT_EVERY 30000

struct recorder_options {
	uint64_t checkpoint_every;   /* --checkpoint-every N; 0: the default */
	uint64_t snapshot_every;     /* --snapshot-every N; 0: no keyframes */
	const char *trace_io;        /* --trace-io all|none|LIST; NULL: all */
	const char *input_path;      /* --input FILE; NULL: none */
	int disk_rw;                 /* --disk-mode rw was given: refused */
	const char *version;         /* lockstep version string for the header */
	int writer_thread;           /* enum trace_pipe_mode: 0 (AUTO) writes on a
				      * thread when the host has two CPUs; the file
				      * is the same either way */
};

/* Defaults for every option. */
void recorder_options_init(struct recorder_options *o);

/* Parse --trace-io: "all", "none", or a comma-separated list of ports and
 * LO-HI ranges (hex with 0x, or decimal). Returns 0 or -1 with a message. */
int recorder_parse_trace_io(const char *s, char *err, size_t errlen);

/*
 * Start recording machine m, just built by machine_new from cfg and not yet
 * run, into path (and path + ".keys" with snapshot_every). Writes the header
 * (configuration, RTC start, every blob's size and XXH3-128) and the
 * power-on events. Returns NULL with a one-line message on a bad option, an
 * unreadable input script, a disk in rw mode, or an I/O error.
 */
struct recorder *recorder_attach(struct machine *m, const struct machine_config *cfg,
				 const char *path, const struct recorder_options *o, char *err,
				 size_t errlen);

/* machine_run with recording: stops where machine_run would, with the same
 * reason. Call again to go on. A write error stops the run
 * (MACHINE_STOP_REQUEST) once it comes back from the writer, up to a few
 * batches of events later (replay/trace_pipe.h: when the failed batch's
 * slot is used again, or at a keyframe), and
 * every later call returns that at once; recorder_error says what
 * happened, recorder_finish reports it (it may be the first to know). */
enum machine_stop recorder_run(struct recorder *r, const struct machine_until *until);

/* The first write error (one line), or NULL while the recording is fine. */
const char *recorder_error(const struct recorder *r);

/* Bytes typed at the terminal for COM1, delivered now and recorded as an
 * INPUT event at the current icount (call between recorder_run calls).
 * Returns what observer_inject_input returns. */
int recorder_inject_serial(struct recorder *r, const uint8_t *buf, size_t len);

/* A monitor or gdb write into guest state (debugger/core.h
 * dbg_set_write_observer): recorded as an INPUT event (kind
 * TRACE_INPUT_MONITOR_MEM or _REG, the encoding of replay/replayer.h
 * replay_apply_monitor_input) at the current icount, just before the caller
 * applies it; replay applies it at the same icount. Call between
 * recorder_run calls. Returns 0, or -1 after a write error (reported by
 * recorder_finish). */
int recorder_monitor_input(struct recorder *r, int kind, uint64_t addr, const uint8_t *data,
			   uint32_t len);

/* Write the final CHECKPOINT, the last frame, the index and the footer, close
 * the files, detach and free r. Returns 0, or -1 with a one-line message. */
int recorder_finish(struct recorder *r, enum machine_stop why, char *err, size_t errlen);

#endif
