/*
 * machine/isa_misc.h: the small fixed-function ports of the PC:
 *   - debug console (QEMU isa-debugcon; ports 0x402 and 0xE9),
 *   - POST code port 0x80,
 *   - isa-debug-exit (port 0xF4),
 *   - port 0x92, PS/2 system control port A (A20 and fast reset).
 * Each is its own small device with new/reset/free, io callbacks and hash.
 */
#ifndef LS_MACHINE_ISA_MISC_H
#define LS_MACHINE_ISA_MISC_H

#include <stddef.h>
#include <stdint.h>

#include "machine/isa_dev.h"

/* ---- debug console: reads return 0xE9, written bytes go to out ---- */

struct debugcon;

/* out(opaque, buf, len) receives every byte written (the low byte of each
 * write). out may be NULL (bytes dropped). Returns NULL on allocation failure. */
struct debugcon *debugcon_new(void (*out)(void *opaque, const uint8_t *buf, size_t len),
			      void *opaque);
void debugcon_reset(struct debugcon *d);
void debugcon_free(struct debugcon *d);
/* One port each (offset 0) at 0x402 and 0xE9; both may share one device. */
uint32_t debugcon_io_read(void *opaque, uint32_t offset, int size);
void debugcon_io_write(void *opaque, uint32_t offset, uint32_t value, int size);

/* ---- POST code port 0x80: remembers the last value written ---- */

struct post_port;

struct post_port *post_port_new(void);
/* The last code survives a reset (as a POST card shows it). */
void post_port_reset(struct post_port *pp);
void post_port_free(struct post_port *pp);
uint32_t post_port_io_read(void *opaque, uint32_t offset, int size);
void post_port_io_write(void *opaque, uint32_t offset, uint32_t value, int size);
/* Last byte written (0 before any write). */
uint8_t post_port_get(const struct post_port *pp);

/* ---- isa-debug-exit at 0xF4: a write of v calls exit_request(opaque, v) ---- */

struct debug_exit;

struct debug_exit *debug_exit_new(void (*exit_request)(void *opaque, int value),
				  void *opaque);
void debug_exit_reset(struct debug_exit *e);
void debug_exit_free(struct debug_exit *e);
/* Reads answer open bus (0xFF per byte). Writes of any size pass the value
 * as written (DESIGN.md §4: exit status v). */
uint32_t debug_exit_io_read(void *opaque, uint32_t offset, int size);
void debug_exit_io_write(void *opaque, uint32_t offset, uint32_t value, int size);

/* ---- port 0x92: bit 1 A20 gate, bit 0 fast reset (INIT) ---- */

struct port92;

/* a20_set(opaque, on) is called on every change of bit 1; reset_request(
 * opaque, ISA_RESET_INIT) on a 0-to-1 transition of bit 0. Either may be NULL. */
struct port92 *port92_new(void (*a20_set)(void *opaque, int on),
			  void (*reset_request)(void *opaque, int kind), void *opaque);
/* System reset: the register returns to 0x02 (A20 on, as the machine's
 * reset table says); a20_set is not called (the machine sets A20 itself). */
void port92_reset(struct port92 *p);
void port92_free(struct port92 *p);
/* Reads return the last value written (bits 2-7 are stored and otherwise
 * ignored, as in QEMU). */
uint32_t port92_io_read(void *opaque, uint32_t offset, int size);
void port92_io_write(void *opaque, uint32_t offset, uint32_t value, int size);

struct state_io;
/* Snapshot state (machine/state_io.h): hash, save and load alike. The
 * debug console and the exit port have none. Loading port 0x92 does not call
 * a20_set: the machine restores A20 itself. */
void post_port_state_visit(struct post_port *pp, struct state_io *s);
void port92_state_visit(struct port92 *p, struct state_io *s);

#endif
