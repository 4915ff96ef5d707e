/*
 * machine/debug_merge.h: one debug console fed by two ports (0x402, QEMU's
 * debugcon, and 0xE9, Bochs' port_e9_hack). Guests that support both
 * emulators often write every character to both ports; shown raw, each
 * character would appear twice. Output is therefore collected per port and
 * written line by line, and a line that repeats the line the other port just
 * completed is shown once. The trace still records both ports byte for byte.
 */
#ifndef LS_MACHINE_DEBUG_MERGE_H
#define LS_MACHINE_DEBUG_MERGE_H

#include <stddef.h>
#include <stdint.h>

#define DEBUG_MERGE_LINE 256

struct chardev;

struct debug_merge {
	struct chardev *out;
	uint8_t buf[2][DEBUG_MERGE_LINE];
	size_t len[2];
	uint8_t last[DEBUG_MERGE_LINE];  /* the last line written and its port */
	size_t last_len;
	int last_port;                   /* -1: none to compare with */
};

void debug_merge_init(struct debug_merge *d, struct chardev *out);
/* Bytes written by the guest to port index 0 (0x402) or 1 (0xE9). */
void debug_merge_write(struct debug_merge *d, int port, const uint8_t *buf, size_t len);
/* Write out unfinished lines (end of run). */
void debug_merge_flush(struct debug_merge *d);

#endif
