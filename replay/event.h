/*
 * replay/event.h: typed, versioned trace events and their byte encoding
 * (docs/trace-format.md §4). An event is a kind, the icount at which it
 * happened, and the kind's fields. The payload encoding is shared by the file
 * records and by the canonical encoding that feeds the chain hashes.
 */
#ifndef LS_REPLAY_EVENT_H
#define LS_REPLAY_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "replay/bytebuf.h"

/* Kind numbers are part of the file format: never renumber, only append. */
enum trace_event_kind {
	TRACE_EV_ROM_LOAD = 1,      /* a ROM blob registered at an address */
	TRACE_EV_ROM_RESET = 2,     /* rom_reset copied every blob into place */
	TRACE_EV_PAM = 3,           /* an i440FX PAM register (0x59-0x5F) changed */
	TRACE_EV_SMRAM = 4,         /* the SMRAM register (0x72) changed */
	TRACE_EV_SYSTEM_RESET = 5,  /* a reset, with its cause */
	TRACE_EV_CPU_MODE = 6,      /* CR0.PE or CR0.PG changed */
	TRACE_EV_INTERRUPT = 7,     /* an interrupt or exception was delivered */
	TRACE_EV_IO = 8,            /* port I/O, or an MMIO write */
	TRACE_EV_DEBUG_OUT = 9,     /* bytes written to the debug ports 0x402/0xE9 */
	TRACE_EV_SERIAL_OUT = 10,   /* bytes transmitted by a UART */
	TRACE_EV_INPUT = 11,        /* recorded nondeterminism from outside */
	TRACE_EV_MILESTONE = 12,    /* a fixed boot milestone */
	TRACE_EV_CHECKPOINT = 13,   /* state hashes and chain hashes */
	TRACE_EV_SMM = 14,          /* SMM entry (SMI) or exit (RSM); format 2 on */
	TRACE_EV_KIND_END           /* one past the last kind */
};

/* The encoding version of every kind that this lockstep writes. */
#define TRACE_EVENT_KVER 1

/* Chain streams, in the order they are stored everywhere in the file. */
enum trace_stream {
	TRACE_STREAM_IO,         /* IO */
	TRACE_STREAM_PAM,        /* PAM, SMRAM, ROM_RESET, SYSTEM_RESET */
	TRACE_STREAM_INT,        /* INTERRUPT, CPU_MODE, SMM */
	TRACE_STREAM_DEBUG,      /* DEBUG_OUT, SERIAL_OUT */
	TRACE_STREAM_MILESTONE,  /* MILESTONE */
	TRACE_STREAM_INPUT,      /* INPUT */
	TRACE_STREAM_ALL,        /* every event except CHECKPOINT */
	TRACE_NSTREAMS
};

/* SYSTEM_RESET causes (DESIGN.md §5). The first three are system resets
 * (they start a new boot); the rest are CPU INIT only. */
enum trace_reset_cause {
	TRACE_RESET_POWER_ON = 0,
	TRACE_RESET_CF9_HARD = 1,
	TRACE_RESET_MONITOR = 2,
	TRACE_RESET_CF9_SOFT = 3,
	TRACE_RESET_PORT92 = 4,
	TRACE_RESET_KBC = 5,
	TRACE_RESET_TRIPLE_FAULT = 6,
	TRACE_RESET_CAUSE_END
};

/* INTERRUPT kinds. */
enum trace_int_kind {
	TRACE_INT_HARD = 0,        /* external, through the interrupt controller */
	TRACE_INT_SOFT = 1,        /* INT n, INT3, INTO */
	TRACE_INT_EXCEPTION = 2,   /* a CPU exception */
	TRACE_INT_NMI = 3,
	TRACE_INT_KIND_END
};

/* INPUT kinds: where the outside world touched the machine. */
enum trace_input_kind {
	TRACE_INPUT_SERIAL = 0,       /* bytes received by the UART at port addr */
	TRACE_INPUT_KEY = 1,          /* keyboard scancode bytes */
	TRACE_INPUT_MONITOR_MEM = 2,  /* monitor wrote bytes at physical address addr */
	TRACE_INPUT_MONITOR_REG = 3,  /* monitor wrote register number addr (bytes LE) */
	TRACE_INPUT_IDLE = 4,         /* the halted CPU idled until cycle addr (no bytes;
				       * format 2 on) */
	TRACE_INPUT_KIND_END
};

/* Milestone ids (DESIGN.md §3): fixed, used by golden files. */
enum trace_milestone {
	TRACE_MS_RESET = 0,
	TRACE_MS_RESET_VECTOR = 1,
	TRACE_MS_PAM_UNLOCK = 2,
	TRACE_MS_SHADOW_DONE = 3,
	TRACE_MS_PAM_LOCK = 4,
	TRACE_MS_INT19 = 5,
	TRACE_MS_BOOT_READ = 6,
	TRACE_MS_MBR = 7,
	TRACE_MS_EXIT = 8,
	TRACE_MS_END
};

/* Largest byte payload of DEBUG_OUT, SERIAL_OUT and INPUT events. */
#define TRACE_EVENT_MAX_DATA 65536

struct trace_event {
	enum trace_event_kind kind;
	uint64_t icount;
	union {
		struct { uint32_t blob; uint64_t addr; uint64_t size; } rom_load;
		struct { uint32_t boot; uint32_t nblobs; } rom_reset;
		struct { uint8_t reg; uint8_t old_val; uint8_t new_val; } pam;
		struct { uint8_t old_val; uint8_t new_val; } smram;
		struct { enum trace_reset_cause cause; } system_reset;
		struct { uint32_t old_cr0; uint32_t new_cr0; } cpu_mode;
		struct {
			uint8_t vector;
			enum trace_int_kind kind;
			uint16_t cs;
			uint32_t eip;
			int has_error;
			uint32_t error;
		} interrupt;
		struct {
			int write;      /* 1 = out/write, 0 = in/read */
			int mmio;       /* 1 = memory-mapped, addr is physical */
			uint8_t size;   /* 1, 2, 4 or 8 */
			uint64_t addr;  /* port number, or physical address */
			uint64_t value;
		} io;
		/* DEBUG_OUT and SERIAL_OUT. data is borrowed (see below). */
		struct { uint16_t port; uint32_t len; const uint8_t *data; } out;
		struct {
			enum trace_input_kind kind;
			uint64_t addr;
			uint32_t len;
			const uint8_t *data;
		} input;
		struct { enum trace_milestone id; uint32_t boot; } milestone;
		/* enter: cs:eip is where RSM will resume; exit: where execution
		 * resumes, smbase the one in effect from then on. */
		struct { int enter; uint32_t smbase; uint16_t cs; uint32_t eip; } smm;
		struct {
			uint64_t cpu_hash;
			uint64_t ram_hash;
			uint64_t dev_hash;
			uint64_t chains[TRACE_NSTREAMS];  /* filled in by the writer */
		} checkpoint;
	} u;
};

/* Whether a machine of trace format `version` produces ev at all: format 1
 * had no SMM events, no MMIO writes among the IO events, no shadow-done
 * milestone and no idle input. Comparing traces of two versions drops what
 * the older one cannot have. (What a format-1 file may hold is wider: see
 * trace_event_decode_payload.) */
int trace_event_in_format(const struct trace_event *ev, uint32_t version);

/* Uppercase name of a kind ("IO"), or NULL when out of range. */
const char *trace_event_kind_name(enum trace_event_kind kind);
/* Kind from its name, case-insensitive, '-' or '_' alike ("rom-load").
 * Returns 0 when unknown. */
enum trace_event_kind trace_event_kind_parse(const char *name);
/* Lowercase stream name ("io"), milestone name ("reset-vector"), reset cause
 * ("cf9-hard"), interrupt kind ("soft"), input kind ("serial"); NULL when out
 * of range. */
const char *trace_stream_name(enum trace_stream s);
const char *trace_milestone_name(enum trace_milestone id);
const char *trace_reset_cause_name(enum trace_reset_cause c);
const char *trace_int_kind_name(enum trace_int_kind k);
const char *trace_input_kind_name(enum trace_input_kind k);
/* Milestone id from its name; returns -1 when unknown. */
int trace_milestone_parse(const char *name);

/* The chain stream a kind belongs to besides ALL; TRACE_STREAM_ALL when it
 * belongs to no other stream (ROM_LOAD); -1 for CHECKPOINT (no chain) and
 * for a kind that does not exist. */
extern const signed char trace_event_streams[TRACE_EV_KIND_END];
static inline int trace_event_stream(enum trace_event_kind kind)
{
	return (unsigned)kind < TRACE_EV_KIND_END ? trace_event_streams[kind] : -1;
}

/* Checks that every field is in range for its kind. Returns 0, or -1 with a
 * one-line reason in err. */
int trace_event_check(const struct trace_event *ev, char *err, size_t errlen);

/* Record tag: kind << 3 | kind encoding version. */
static inline uint64_t trace_event_tag(enum trace_event_kind kind)
{
	return (uint64_t)kind << 3 | TRACE_EVENT_KVER;
}

/* The most bytes a payload takes besides its data bytes: a checkpoint's
 * ten 64-bit hashes; every other kind has at most five varints, and the
 * data's length. */
#define TRACE_PAYLOAD_FIXED_MAX 80

/* The data bytes of DEBUG_OUT, SERIAL_OUT and INPUT events; 0 for others. */
static inline size_t trace_event_data_len(const struct trace_event *ev)
{
	return ev->kind == TRACE_EV_DEBUG_OUT || ev->kind == TRACE_EV_SERIAL_OUT ? ev->u.out.len :
	       ev->kind == TRACE_EV_INPUT ? ev->u.input.len : 0;
}

/* Appends the payload encoding of ev (its fields, not kind or icount) to out.
 * ev must pass trace_event_check. */
void trace_event_encode_payload(const struct trace_event *ev, struct bytebuf *out);
/* The same at p, which has room for TRACE_PAYLOAD_FIXED_MAX bytes plus the
 * data bytes; returns the end. Recording encodes every event here, into
 * room made once by the caller. */
uint8_t *trace_event_encode_payload_at(const struct trace_event *ev, uint8_t *p);

/* Appends the canonical encoding of ev to out: tag, absolute icount, payload
 * (docs/trace-format.md §5). It depends only on the event, never on storage
 * options, and is what the chain hashes consume. */
void trace_event_encode_canonical(const struct trace_event *ev, struct bytebuf *out);

/*
 * Decodes a payload of the given tag from p[0..len) into ev (kind and fields;
 * icount is left alone), as trace format version `format` defines it. Byte
 * data (out, input) points into p. Returns 0; -2 when the tag itself is bad
 * (unknown kind, a kind the format does not have, or a kind encoding version
 * newer than this lockstep's); or -1 for a bad payload, with *errpos set to
 * the offset within p of the offending byte. Errors put a one-line reason in
 * err. The whole payload must be consumed.
 *
 * Format 1 has no SMM events and no idle input: a format-1 reader refused
 * both. MMIO writes (IO flags bit 1) and the shadow-done milestone id were
 * part of format 1's encoding, so they decode in any version, although only a
 * format-2 machine produces them (trace_event_in_format).
 */
int trace_event_decode_payload(uint64_t tag, const uint8_t *p, size_t len, uint32_t format,
			       struct trace_event *ev, size_t *errpos, char *err, size_t errlen);

#endif
