/*
 * machine/i8042.h: the Intel 8042 keyboard controller of the PC/AT (ports
 * 0x60 data, 0x64 status/command) with a PS/2 keyboard (IRQ 1) and a minimal
 * PS/2 mouse (IRQ 12) attached. Modelled on what QEMU's pckbd/ps2 answer, so
 * firmware sees the same bytes as on the reference machine.
 *
 * Keyboard input is a recorded event: the machine pushes the bytes the
 * keyboard sends, in the keyboard's current scancode set (default set 2);
 * the controller translates set 2 to set 1 when command byte bit 6 is set.
 */
#ifndef LS_MACHINE_I8042_H
#define LS_MACHINE_I8042_H

#include <stdint.h>

#include "machine/irq.h"
#include "machine/isa_dev.h"

struct i8042;

struct i8042_callbacks {
	/* Output port bit 1 changed (A20 gate); may be NULL. */
	void (*a20_set)(void *opaque, int on);
	/* The CPU reset line was pulsed (output port bit 0 low, command 0xFE
	 * or another pulse command with bit 0 clear): kind ISA_RESET_INIT. */
	void (*reset_request)(void *opaque, int kind);
	void *opaque;
};

/* Returns NULL on allocation failure. cb and log may be NULL. Starts in the
 * reset state: command byte 0x03, status 0x18, output port 0xCF (A20 on,
 * reset line high), keyboard scanning in set 2. */
struct i8042 *i8042_new(struct irq_line irq1, struct irq_line irq12,
			const struct i8042_callbacks *cb, const struct isa_log *log);
/* System reset: controller, keyboard and mouse back to the power-on state;
 * neither callback is called (the machine resets A20 itself). */
void i8042_reset(struct i8042 *k);
void i8042_free(struct i8042 *k);

/* Port 0x60 (offset 0): output buffer / data to the keyboard or a command
 * parameter. */
uint32_t i8042_data_io_read(void *opaque, uint32_t offset, int size);
void i8042_data_io_write(void *opaque, uint32_t offset, uint32_t value, int size);
/* Port 0x64 (offset 0): status register / controller command. */
uint32_t i8042_cmd_io_read(void *opaque, uint32_t offset, int size);
void i8042_cmd_io_write(void *opaque, uint32_t offset, uint32_t value, int size);

/* The keyboard sends byte (a scancode byte, as the keyboard produces it).
 * Dropped when scanning is disabled or the keyboard's 16-byte buffer is full.
 * Returns 0 if queued, -1 if dropped. */
int i8042_key(struct i8042 *k, uint8_t byte);
/* The keyboard's scancode set (1-3) and LED state (bit 0 scroll, 1 num,
 * 2 caps), for the front end. */
int i8042_kbd_scancode_set(const struct i8042 *k);
uint8_t i8042_kbd_leds(const struct i8042 *k);

struct state_io;
/* Snapshot state (machine/state_io.h): hash, save and load alike. */
void i8042_state_visit(struct i8042 *k, struct state_io *s);

#endif
