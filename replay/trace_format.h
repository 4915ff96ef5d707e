/*
 * replay/trace_format.h: the on-disk layout of a .trace file: file header,
 * frame headers, index and footer (docs/trace-format.md §3). Shared by the
 * writer and the reader; all fixed-width integers are little-endian.
 */
#ifndef LS_REPLAY_TRACE_FORMAT_H
#define LS_REPLAY_TRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "replay/bytebuf.h"
#include "replay/event.h"

/* The format version this lockstep writes; readers accept 1..this. */
#define TRACE_FORMAT_VERSION 2

#define TRACE_MAGIC "LSTRACE\x1a"      /* 8 bytes at offset 0 */
#define TRACE_FRAME_MAGIC "LSFR"       /* 4 bytes at the start of each frame */
#define TRACE_INDEX_MAGIC "LSIX"       /* 4 bytes at the start of the index */
#define TRACE_FOOTER_MAGIC "LSTREND\x1a" /* the last 8 bytes of the file */

#define TRACE_HEADER_FIXED 16          /* magic, version, header length */
#define TRACE_HEADER_MAX (16u << 20)   /* sanity limit on the header length */
#define TRACE_FRAME_HEADER_SIZE 104
#define TRACE_FRAME_MAX (64u << 20)    /* limit on compressed/uncompressed frame sizes */
#define TRACE_INDEX_HEAD 16            /* magic, reserved, frame count */
#define TRACE_INDEX_ENTRY 80
#define TRACE_FOOTER_SIZE 112

/* Smallest stored event record: tag, icount delta, payload length. */
#define TRACE_RECORD_MIN 3

enum trace_blob_kind {
	TRACE_BLOB_ROM = 1,
	TRACE_BLOB_DISK = 2,
};

/* A ROM blob or disk image the run used, identified by size and hash. */
struct trace_blob {
	enum trace_blob_kind kind;
	const char *name;       /* the name the machine knows it by ("bios.bin") */
	const char *path;       /* the host path it came from */
	uint64_t size;
	uint8_t hash[16];       /* XXH3-128, canonical (big-endian) form */
};

/* The file header's contents. */
struct trace_header {
	uint32_t format_version;       /* set by the reader; the writer writes the current one */
	const char *version;           /* lockstep version string */
	const char *config;            /* machine configuration: "key=value\n" lines, in order */
	int64_t rtc_start;             /* seconds since 1970-01-01 UTC */
	uint32_t nblobs;
	const struct trace_blob *blobs;
};

/* One frame, as its header and the index describe it. */
struct trace_frame_info {
	uint64_t offset;               /* file offset of the frame header */
	uint32_t nevents;
	uint64_t first_icount;
	uint64_t first_event;          /* number of the first event (0-based, stored events) */
	uint32_t csize;                /* compressed payload size */
	uint32_t usize;                /* uncompressed payload size */
	uint64_t chains[TRACE_NSTREAMS]; /* chain state before the frame's first event */
	uint64_t payload_hash;         /* XXH3_64bits of the compressed payload */
};

/* The footer's contents. */
struct trace_footer {
	uint64_t index_offset;
	uint64_t nframes;
	uint64_t events_stored;
	uint64_t events_seen;          /* every event written, stored or not */
	uint64_t final_icount;
	uint64_t chains[TRACE_NSTREAMS]; /* chain state at the end */
};

/* Compares a stored checksum with the computed one. Fuzzing builds (the
 * libFuzzer convention FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION) accept every
 * checksum so the fuzzer reaches the decoders behind them. */
static inline int trace_checksum_ok(uint64_t stored, uint64_t computed)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	(void)stored;
	(void)computed;
	return 1;
#else
	return stored == computed;
#endif
}

/* XXH3-128 of data in the canonical form stored in struct trace_blob. */
void trace_blob_hash(const void *data, size_t size, uint8_t out[16]);

/* Appends the complete file header (with its checksum) to out. */
void trace_header_encode(const struct trace_header *h, struct bytebuf *out);

/*
 * Decodes a complete header from p[0..len) (len = the header length field).
 * Strings and blobs are allocated in one block returned in *storage (free it
 * when done with h). Returns 0, or -1 with "offset N: reason" in err.
 * Magic, version and length are expected to be checked already.
 */
int trace_header_decode(const uint8_t *p, size_t len, struct trace_header *h,
			void **storage, char *err, size_t errlen);

/* Serialises a frame header into out[TRACE_FRAME_HEADER_SIZE]. */
void trace_frame_header_encode(const struct trace_frame_info *f, uint8_t *out);
/* Parses a frame header; returns 0, or -1 with a reason (no offset) in err:
 * bad magic, checksum mismatch, or impossible sizes. */
int trace_frame_header_decode(const uint8_t *p, struct trace_frame_info *f,
			      char *err, size_t errlen);

/* Index entries: offset, first icount, first event, chains. */
void trace_index_entry_encode(const struct trace_frame_info *f, uint8_t *out);
void trace_index_entry_decode(const uint8_t *p, struct trace_frame_info *f);

void trace_footer_encode(const struct trace_footer *ft, uint8_t *out);
/* Returns 0, or -1 with a reason in err (bad magic, checksum mismatch). */
int trace_footer_decode(const uint8_t *p, struct trace_footer *ft, char *err, size_t errlen);

#endif
