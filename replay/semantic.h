/*
 * replay/semantic.h: the firmware-independent view of a run that cross-
 * firmware diff, regress and bisect compare (docs/compare.md §3). Events are
 * reduced to what devices and the user see, without icounts or code
 * addresses: I/O writes (port, size, value), PAM/SMRAM changes and resets,
 * interrupts by vector and kind and CR0 mode changes, debug-console and
 * serial lines, milestones. They are cut into segments keyed by
 * (boot, milestone) (DESIGN.md §3) and hashed per stream and segment.
 *
 * Each semantic event has a stable one-line text form; the hashes are
 * XXH3-64 chains over those lines, so what is printed is what is compared.
 */
#ifndef LS_REPLAY_SEMANTIC_H
#define LS_REPLAY_SEMANTIC_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "replay/event.h"

/* The semantic streams, in table order. */
enum sem_stream {
	SEM_IO,         /* I/O and MMIO writes */
	SEM_PAM,        /* PAM, SMRAM, ROM_RESET, SYSTEM_RESET */
	SEM_INT,        /* INTERRUPT (vector, kind), CPU_MODE (PE/PG) */
	SEM_DEBUG,      /* complete lines on 0x402, 0xE9 and COM1 */
	SEM_MILESTONE,  /* MILESTONE */
	SEM_NSTREAMS
};

/* "io", "pam", "int", "debug", "milestone". */
const char *sem_stream_name(enum sem_stream s);
/* The stream for a name, or -1. */
int sem_stream_parse(const char *name);

/* What to leave out or normalise (the volatile parts of a boot). */
struct sem_filter {
	uint8_t ignore_port[65536 / 8];  /* I/O writes to these ports are dropped */
	uint8_t ignore_vector[256 / 8];  /* interrupts with these vectors are dropped */
	int have_regex;
	regex_t regex;                   /* every match in a debug line becomes "*" */
	uint32_t format;                 /* nonzero: only events trace format `format` has */
};

/* No filtering. */
void sem_filter_init(struct sem_filter *f);
void sem_filter_free(struct sem_filter *f);
/* Parse "0x80,0x3f8-0x3ff" (hex with 0x, or decimal) into the port set.
 * Returns 0 or -1 with a message. */
int sem_filter_add_ports(struct sem_filter *f, const char *list, char *err, size_t errlen);
/* Likewise for vectors (0..255). */
int sem_filter_add_vectors(struct sem_filter *f, const char *list, char *err, size_t errlen);
/* --ignore-irq0: the timer's vectors at the usual PIC bases (0x08, 0x20) and
 * the BIOS user tick 0x1C, and the EOI writes to the master PIC (port 0x20). */
void sem_filter_ignore_irq0(struct sem_filter *f);
/* POSIX extended regex. Returns 0 or -1 with a message. */
int sem_filter_set_regex(struct sem_filter *f, const char *re, char *err, size_t errlen);

/* One segment: the events from one milestone to the next. */
struct sem_segment {
	uint32_t boot;
	int milestone;              /* enum trace_milestone */
	uint32_t occurrence;        /* 1, or n for the n-th segment with this key */
	uint64_t icount;            /* where it starts */
	uint64_t hash[SEM_NSTREAMS];
	uint64_t count[SEM_NSTREAMS];
};

/* "0:pam-unlock", or "0:reset-vector#2" for a repeated key. */
void sem_segment_name(const struct sem_segment *s, char *buf, size_t len);

/* A captured semantic event (see sem_table_capture). */
struct sem_item {
	uint64_t icount;
	char *text;
};

#define SEM_LINE_MAX 4096   /* longer debug lines are cut into pieces */

struct sem_table {
	const struct sem_filter *flt;   /* may be NULL */
	struct sem_segment *seg;
	size_t nseg, capseg;
	int implicit;                   /* seg[0] was opened before any milestone */
	uint64_t total[SEM_NSTREAMS];   /* each stream's hash over the whole run */
	uint64_t total_count[SEM_NSTREAMS];
	struct {
		char buf[SEM_LINE_MAX];
		size_t len;
		uint64_t icount;            /* of the line's first byte */
	} line[3];                      /* 0x402, 0xE9, COM1 */
	/* capture: every event of one stream in one segment */
	int capturing;
	uint32_t cap_boot, cap_occurrence;
	int cap_milestone;
	enum sem_stream cap_stream;
	struct sem_item *items;
	size_t nitems, capitems;
	int oom;
};

/* An empty table; flt (may be NULL) must outlive it. */
void sem_table_init(struct sem_table *t, const struct sem_filter *flt);
void sem_table_free(struct sem_table *t);

/* Also keep the text of every event of stream in the segment with that key. */
void sem_table_capture(struct sem_table *t, uint32_t boot, int milestone, uint32_t occurrence,
		       enum sem_stream stream);

/* Feed one trace event (CHECKPOINT, ROM_LOAD, INPUT and I/O reads carry no
 * semantic event and are ignored). */
void sem_table_feed(struct sem_table *t, const struct trace_event *ev);

/* End of run: unfinished debug lines become events. Returns 0, or -1 when
 * memory ran out at some point (the table is then incomplete). */
int sem_table_finish(struct sem_table *t);

/* The segment with that key, or NULL. */
const struct sem_segment *sem_table_find(const struct sem_table *t, uint32_t boot, int milestone,
					 uint32_t occurrence);

/* Hash of one stream over the whole run (every event in order, whatever the
 * segments), or, with milestone >= 0, of the first segment with that
 * milestone (0 when there is none). */
uint64_t sem_table_stream_hash(const struct sem_table *t, enum sem_stream s, int milestone);

/* Fill a table from a trace file (strict mode). Returns 0, or -1 with a
 * one-line message. */
int sem_table_read_trace(struct sem_table *t, const char *path, char *err, size_t errlen);

#endif
