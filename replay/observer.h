/*
 * replay/observer.h: turns what the machine reports through its hooks
 * (machine/machine.h struct machine_hooks) into trace events
 * (replay/event.h) and hands each to a sink: the trace writer when
 * recording, the chain hashes when replaying. Recorder and replayer share it,
 * so both see exactly the same events.
 */
#ifndef LS_REPLAY_OBSERVER_H
#define LS_REPLAY_OBSERVER_H

#include <stdint.h>

#include "machine/machine.h"
#include "replay/event.h"

struct observer {
	struct machine *m;
	struct cpu *cpu;                /* m's, for the icount of every event */
	int handle;                     /* machine_add_hooks handle, -1 when detached */
	void (*emit)(void *opaque, const struct trace_event *ev);
	void *opaque;
	uint16_t last_out_port;         /* for the cause of a CPU-only reset */
	uint32_t last_out_value;
	uint64_t events;                /* events emitted so far */
	uint32_t format;                /* trace format whose events are produced */
};

/* Attach to m; every event goes to emit(opaque, ev) (ev and its data are
 * only valid during the call). Returns 0, or -1 when m has no free hook slot. */
int observer_attach(struct observer *o, struct machine *m,
		    void (*emit)(void *opaque, const struct trace_event *ev), void *opaque);
void observer_detach(struct observer *o);

/* Produce the events of trace format `version` (default: the current one)
 * and make the machine behave as that format describes (machine_set_compat):
 * format 1 has no MMIO writes in IO events, no SMM events and no shadow-done
 * milestone. The replayer of an older trace calls this right after attaching. */
void observer_set_format(struct observer *o, uint32_t version);

/* The events of power-on, which machine_new performs before anyone can
 * attach: ROM_LOAD for every blob, ROM_RESET, MILESTONE reset and
 * reset-vector, SYSTEM_RESET power-on, all at the current icount. */
void observer_emit_power_on(struct observer *o);

/* Emit one event stamped with the current icount (INPUT, CHECKPOINT). */
void observer_emit(struct observer *o, struct trace_event *ev);

/* Deliver input from outside and record it: emits the INPUT event (kind
 * TRACE_INPUT_SERIAL: bytes on COM1, addr 0x3F8; TRACE_INPUT_KEY: scancode
 * bytes, addr 0), then hands the bytes to the device. Recorder and replayer
 * both call this, so the event and the injection are the same. Returns 0, or
 * -1 for a kind that cannot be injected. */
int observer_inject_input(struct observer *o, enum trace_input_kind kind, const uint8_t *data,
			  uint32_t len);

#endif
