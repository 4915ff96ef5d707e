/*
 * machine/isa_dev.h: conventions shared by the ISA/chipset device models
 * (PIC, PIT, RTC, i8042, UART, debug ports, DMA): reset kinds and the
 * unimplemented-register log. Device state is saved and hashed through
 * each device's foo_state_visit (machine/state_io.h).
 */
#ifndef LS_MACHINE_ISA_DEV_H
#define LS_MACHINE_ISA_DEV_H

#include <stddef.h>
#include <stdint.h>

/* Kinds passed to a device's reset_request callback (DESIGN.md §5):
 * ISA_RESET_INIT resets the CPU only (8042 0xFE, port 0x92 bit 0);
 * ISA_RESET_SYSTEM resets the whole machine. */
#define ISA_RESET_INIT   1
#define ISA_RESET_SYSTEM 2

/* Where a device reports guest use of something it does not model. A NULL
 * fn means silent (the machine sets it for `--log unimp`). Each device logs a
 * given kind of access once; the logged-once flags are host state and are
 * not part of the device's hashed state. */
struct isa_log {
	void (*fn)(void *opaque, const char *msg);
	void *opaque;
};

/* Log msg through l once: *logged holds one bit per kind (bit 0..31). */
static inline void isa_log_once(const struct isa_log *l, uint32_t *logged, int bit,
				const char *msg)
{
	if (*logged & (1u << bit))
		return;
	*logged |= 1u << bit;
	if (l->fn)
		l->fn(l->opaque, msg);
}

#endif
