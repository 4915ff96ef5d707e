/*
 * replay/keyframes.h: snapshots stored beside a trace (TRACE.keys) by
 * `run --record --snapshot-every N`, so replay can start near any icount
 * (docs/replay.md §5). The file is a magic, then records: icount, events seen
 * and stored before the snapshot, the seven chains at that point, the
 * snapshot (machine/state.h), and an XXH3-64 of the record.
 */
#ifndef LS_REPLAY_KEYFRAMES_H
#define LS_REPLAY_KEYFRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "replay/chain.h"

#define KEYFRAMES_SUFFIX ".keys"

struct keyframe {
	uint64_t icount;
	uint64_t events_seen, events_stored;
	struct trace_chains chains;
	uint64_t offset;       /* of the snapshot bytes in the file */
	uint64_t len;
};

/* Create (truncate) the file and write its magic. NULL with a message. */
FILE *keyframes_create(const char *path, char *err, size_t errlen);
/* Append one keyframe. Returns 0 or -1 (write error). */
int keyframes_append(FILE *f, const struct keyframe *k, const uint8_t *snap, size_t len);
/* Read the list of keyframes (checksums verified). Returns 0 with a malloc'd
 * array, or -1 with "PATH: offset N: reason". A missing file is -1 with
 * errno-style text; *missing is set then. */
int keyframes_index(const char *path, struct keyframe **out, size_t *n, int *missing,
		    char *err, size_t errlen);
/* The last keyframe at or before icount, or NULL. */
const struct keyframe *keyframes_find(const struct keyframe *k, size_t n, uint64_t icount);
/* Read one keyframe's snapshot bytes (malloc'd). */
int keyframes_read(const char *path, const struct keyframe *k, uint8_t **buf, char *err,
		   size_t errlen);

#endif
