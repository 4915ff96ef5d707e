/*
 * debugger/gdbstub.h: the GDB remote serial protocol for the i386 target
 * ("Remote Protocol" appendix of the GDB manual), a second front end on the
 * debug core. Registers use the i386 'g' layout (eax ecx edx ebx esp ebp
 * esi edi eip eflags cs ss ds es fs gs, 32-bit little-endian each); memory
 * addresses are linear; Z0/Z1 are linear execution breakpoints, Z2 write
 * watchpoints (translated to physical when inserted). On a replay (lockstep
 * replay --monitor) it also serves reverse execution: bs, bc, and
 * ReverseStep+/ReverseContinue+ in qSupported. The packet layer is
 * pure and bounded so a fuzzer can drive it; malformed input never changes
 * guest state.
 */
#ifndef LS_DEBUGGER_GDBSTUB_H
#define LS_DEBUGGER_GDBSTUB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct dbg;

#define GDB_PACKET_MAX 4096

/* Incoming byte stream -> packets. */
struct gdb_rx {
	int state;
	size_t len;
	uint8_t sum, want;
	int overflow;
	char buf[GDB_PACKET_MAX + 1];   /* payload, NUL-terminated, escapes undone */
};
enum gdb_rx_event {
	GDB_RX_NONE,        /* need more bytes */
	GDB_RX_PACKET,      /* rx->buf holds a packet of rx->len bytes: ack with '+' */
	GDB_RX_BAD,         /* checksum error or overflow: answer '-' */
	GDB_RX_INTERRUPT,   /* 0x03 outside a packet */
};
void gdb_rx_init(struct gdb_rx *rx);
enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t c);

/* What the server must do after a packet. */
enum gdb_action {
	GDB_REPLY,      /* send reply */
	GDB_CONTINUE,   /* resume, then send the stop reply */
	GDB_STEP,       /* one instruction, then the stop reply */
	GDB_DETACH,     /* send reply ("OK"), close, leave the machine stopped */
	GDB_KILL,       /* close, end the session */
	GDB_REVERSE_STEP,      /* bs: one instruction back (replay only) */
	GDB_REVERSE_CONTINUE,  /* bc: back to the previous hit (replay only) */
};

struct gdb_session {
	struct dbg *d;
	char last_stop[64];     /* the reply to '?' */
	int reverse;            /* a replay: bs and bc work, qSupported says so */
};
/* Handle one packet payload (len bytes, NUL-terminated). Writes the reply
 * payload (possibly empty: "unsupported") to reply, at most cap - 1 bytes,
 * NUL-terminated. */
enum gdb_action gdb_handle_packet(struct gdb_session *s, const char *pkt, size_t len, char *reply,
				  size_t cap);
/* "$payload#xx" for payload into out (cap >= strlen(payload) + 5). Returns
 * the length. */
size_t gdb_frame(const char *payload, char *out, size_t cap);

/* Parse "tcp:HOST:PORT", "tcp::PORT", "HOST:PORT" or "PORT" (host default
 * 127.0.0.1). Returns 0, or -1 with a message in err. */
int gdb_parse_address(const char *spec, char *host, size_t hostlen, uint16_t *port, char *err,
		      size_t errlen);

/* Listen on spec, print "gdb: listening on HOST:PORT" to out, serve one
 * connection. Returns 0 when gdb detached or disconnected, 1 when it sent
 * kill, -1 on a setup error (reported on stderr). */
int gdbstub_serve(struct dbg *d, const char *spec, FILE *out);

#endif
