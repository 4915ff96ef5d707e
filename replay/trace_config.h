/*
 * replay/trace_config.h: what a trace header says about the machine
 * (docs/replay.md §2): the configuration as `key=value` lines, and the blobs
 * (ROM images, option ROMs, kernel, disk images) identified by size and
 * XXH3-128. The recorder writes them; replay rebuilds the machine from them
 * and refuses a blob that is missing or differs.
 */
#ifndef LS_REPLAY_TRACE_CONFIG_H
#define LS_REPLAY_TRACE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "machine/config.h"
#include "machine/machine.h"
#include "replay/trace_format.h"

/* Recording parameters stored in the header next to the machine's. */
struct trace_rec_params {
	uint64_t checkpoint_every;
	uint64_t snapshot_every;
	char trace_io[256];       /* "all", "none" or a port list */
};

/* The configuration text (malloc'd) for cfg and p. */
char *trace_config_format(const struct machine_config *cfg, const struct trace_rec_params *p);

/* A configuration parsed back: cfg's strings point into `strings`. */
struct trace_config {
	struct machine_config cfg;
	struct trace_rec_params rec;
	char *strings;
	char *located[1 + CONFIG_MAX_DISKS];   /* owned by trace_config_locate */
};
/* Parse the header's text (and RTC start). Unknown keys are an error: a
 * newer recorder's machine cannot be rebuilt faithfully. Returns 0, or -1
 * with a message. */
int trace_config_parse(struct trace_config *tc, const char *text, int64_t rtc_start,
		       char *err, size_t errlen);
void trace_config_free(struct trace_config *tc);

/* Recorded files that are gone from their recorded path (the BIOS, each
 * disk image) are looked up by file name in the firmware search path
 * (mem/firmware.h) instead; cfg then points at what was found. The blobs'
 * hashes still decide (trace_blobs_check). Files found nowhere are left as
 * recorded, so the error names the recorded path. */
void trace_config_locate(struct trace_config *tc);

/* The blobs of a machine built from cfg: every ROM blob the memory map
 * registered (in registry order, so ROM_LOAD's index points here; path: the
 * BIOS file for the BIOS images), then option ROMs, the kernel, and each
 * disk image. Returns the count and a malloc'd array in *out (strings owned
 * by it: free with trace_blobs_free), or -1 with a message. */
int trace_blobs_collect(struct machine *m, const struct machine_config *cfg,
			struct trace_blob **out, char *err, size_t errlen);
/* The same in two steps: every blob, the ones read from files (option
 * ROMs, the kernel, disks: from *first_file on) without their size and
 * hash yet; then trace_blobs_hash_files reads those (0, or -1 with a
 * message). Recording hashes a disk image on the writer's thread. */
int trace_blobs_list(struct machine *m, const struct machine_config *cfg,
		     struct trace_blob **out, int *first_file, char *err, size_t errlen);
int trace_blobs_hash_files(struct trace_blob *b, int n, char *err, size_t errlen);
void trace_blobs_free(struct trace_blob *b, int n);

/* XXH3-128 (canonical) and size of a file's contents, streamed. Returns 0 or
 * -1 with a message naming the file. */
int trace_hash_file(const char *path, uint8_t out[16], uint64_t *size, char *err, size_t errlen);

/* Compare the recorded blobs with those of the rebuilt machine: returns 0,
 * or -1 with a one-line message naming the first blob that is missing or
 * differs. */
int trace_blobs_check(const struct trace_blob *want, uint32_t nwant, const struct trace_blob *have,
		      int nhave, char *err, size_t errlen);

#endif
