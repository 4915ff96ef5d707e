/*
 * replay/observer.c: machine hooks to trace events (replay/observer.h). The
 * mapping follows docs/trace-format.md §5: PAM registers as config
 * addresses 0x59-0x5F, CPU_MODE only when CR0.PE or CR0.PG changes, the
 * interrupt kinds renumbered, SMM entries (vector -1) reported as SMM
 * events rather than INTERRUPTs. Older formats are produced on request
 * (observer_set_format).
 */
#include "replay/observer.h"

#include "replay/trace_format.h"

#include <string.h>

#include "cpu/cpu.h"
#include "machine/isa_dev.h"
#include "machine/state.h"
#include "mem/mem.h"

static uint64_t now(const struct observer *o)
{
	return cpu_icount(o->cpu);
}

void observer_emit(struct observer *o, struct trace_event *ev)
{
	if (o->format != TRACE_FORMAT_VERSION && !trace_event_in_format(ev, o->format))
		return;   /* an older trace is re-run: what its format lacks */
	o->events++;
	o->emit(o->opaque, ev);
}

static void emit_now(struct observer *o, struct trace_event *ev)
{
	ev->icount = now(o);
	observer_emit(o, ev);
}

static const enum trace_milestone milestone_ids[MILESTONE_COUNT] = {
	[MILESTONE_RESET] = TRACE_MS_RESET,
	[MILESTONE_RESET_VECTOR] = TRACE_MS_RESET_VECTOR,
	[MILESTONE_PAM_UNLOCK] = TRACE_MS_PAM_UNLOCK,
	[MILESTONE_SHADOW_DONE] = TRACE_MS_SHADOW_DONE,
	[MILESTONE_PAM_LOCK] = TRACE_MS_PAM_LOCK,
	[MILESTONE_INT19] = TRACE_MS_INT19,
	[MILESTONE_BOOT_READ] = TRACE_MS_BOOT_READ,
	[MILESTONE_MBR] = TRACE_MS_MBR,
	[MILESTONE_EXIT] = TRACE_MS_EXIT,
};

static void on_milestone(void *opaque, enum milestone id, uint32_t boot, uint64_t icount)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_MILESTONE, .icount = icount };

	if ((unsigned)id >= MILESTONE_COUNT)
		return;
	ev.u.milestone.id = milestone_ids[id];
	ev.u.milestone.boot = boot;
	observer_emit(o, &ev);
}

static void on_system_reset(void *opaque, int cause)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_SYSTEM_RESET };

	/* Only 0xCF9 asks for a system reset among the devices. */
	ev.u.system_reset.cause = cause == 0 ? TRACE_RESET_POWER_ON :
				  cause == MACHINE_RESET_MONITOR ? TRACE_RESET_MONITOR :
				  TRACE_RESET_CF9_HARD;
	emit_now(o, &ev);
}

static void on_cpu_reset(void *opaque)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_SYSTEM_RESET };

	/* The hook gives no cause; the last port write tells which device
	 * asked (a triple fault writes nothing). */
	if (o->last_out_port == 0x64 && (o->last_out_value & 0xF0) == 0xF0)
		ev.u.system_reset.cause = TRACE_RESET_KBC;
	else if (o->last_out_port == 0x92)
		ev.u.system_reset.cause = TRACE_RESET_PORT92;
	else if (o->last_out_port == 0xCF9)
		ev.u.system_reset.cause = TRACE_RESET_CF9_SOFT;
	else
		ev.u.system_reset.cause = TRACE_RESET_TRIPLE_FAULT;
	o->last_out_port = 0;
	emit_now(o, &ev);
}

static void on_io(void *opaque, uint16_t port, int size, int is_write, uint32_t value)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_IO };

	ev.u.io.write = is_write != 0;
	ev.u.io.size = (uint8_t)size;
	ev.u.io.addr = port;
	ev.u.io.value = size >= 4 ? value : value & ((1u << (8 * size)) - 1);
	if (is_write) {
		o->last_out_port = port;
		o->last_out_value = value;
	}
	emit_now(o, &ev);
}

static void on_interrupt(void *opaque, int vector, int kind, int error, uint16_t cs,
			 uint32_t eip, uint16_t new_cs, uint32_t new_eip)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_INTERRUPT };

	switch (kind) {
	case CPU_INT_EXCEPTION: ev.u.interrupt.kind = TRACE_INT_EXCEPTION; break;
	case CPU_INT_SOFT: ev.u.interrupt.kind = TRACE_INT_SOFT; break;
	case CPU_INT_HARD: ev.u.interrupt.kind = TRACE_INT_HARD; break;
	case CPU_INT_NMI: ev.u.interrupt.kind = TRACE_INT_NMI; break;
	default: return;   /* SMM entry: on_smm */
	}
	if (vector < 0 || vector > 255)
		return;
	ev.u.interrupt.vector = (uint8_t)vector;
	ev.u.interrupt.cs = cs;
	ev.u.interrupt.eip = eip;
	ev.u.interrupt.has_error = error >= 0;
	ev.u.interrupt.error = error >= 0 ? (uint32_t)error : 0;
	emit_now(o, &ev);
}

static void on_cr_write(void *opaque, int cr, uint32_t old, uint32_t value)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_CPU_MODE };

	if (cr != 0 || !((old ^ value) & 0x80000001u))
		return;
	ev.u.cpu_mode.old_cr0 = old;
	ev.u.cpu_mode.new_cr0 = value;
	emit_now(o, &ev);
}

static void on_pam(void *opaque, int reg, uint8_t old_value, uint8_t new_value)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_PAM };

	if (reg < 0 || reg > 6)
		return;
	ev.u.pam.reg = (uint8_t)(0x59 + reg);
	ev.u.pam.old_val = old_value;
	ev.u.pam.new_val = new_value;
	emit_now(o, &ev);
}

static void on_smram(void *opaque, uint8_t old_value, uint8_t new_value)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_SMRAM };

	ev.u.smram.old_val = old_value;
	ev.u.smram.new_val = new_value;
	emit_now(o, &ev);
}

/* Blobs that rom_reset copies into guest memory. */
static uint32_t copied_blobs(struct mem *mem)
{
	uint32_t n = 0;
	for (int i = 0; i < rom_count(mem); i++) {
		struct rom_info ri;
		if (!rom_get_info(mem, i, &ri) && (ri.region >= 0 || ri.addr != ROM_ADDR_NONE))
			n++;
	}
	return n;
}

static void on_rom_reset(void *opaque)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_ROM_RESET };

	ev.u.rom_reset.boot = machine_boot_count(o->m);
	ev.u.rom_reset.nblobs = copied_blobs(machine_mem(o->m));
	emit_now(o, &ev);
}
/* MMIO writes join the io stream from format 2 on (DESIGN.md §3). */
static void on_mmio_write(void *opaque, uint64_t pa, int size, uint32_t value)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_IO };

	ev.u.io.write = 1;
	ev.u.io.mmio = 1;
	ev.u.io.size = (uint8_t)size;
	ev.u.io.addr = pa;
	ev.u.io.value = size >= 4 ? value : value & ((1u << (8 * size)) - 1);
	emit_now(o, &ev);
}

static void on_smm(void *opaque, int enter, uint32_t smbase, uint16_t cs, uint32_t eip)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_SMM };

	ev.u.smm.enter = enter != 0;
	ev.u.smm.smbase = smbase;
	ev.u.smm.cs = cs;
	ev.u.smm.eip = eip;
	emit_now(o, &ev);
}

static void on_debug_out(void *opaque, uint16_t port, const uint8_t *buf, size_t len)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_DEBUG_OUT };

	while (len) {
		size_t n = len > TRACE_EVENT_MAX_DATA ? TRACE_EVENT_MAX_DATA : len;
		ev.u.out.port = port;
		ev.u.out.len = (uint32_t)n;
		ev.u.out.data = buf;
		emit_now(o, &ev);
		buf += n;
		len -= n;
	}
}

static void on_serial_out(void *opaque, const uint8_t *buf, size_t len)
{
	struct observer *o = opaque;
	struct trace_event ev = { .kind = TRACE_EV_SERIAL_OUT };

	while (len) {
		size_t n = len > TRACE_EVENT_MAX_DATA ? TRACE_EVENT_MAX_DATA : len;
		ev.u.out.port = 0x3F8;
		ev.u.out.len = (uint32_t)n;
		ev.u.out.data = buf;
		emit_now(o, &ev);
		buf += n;
		len -= n;
	}
}

int observer_attach(struct observer *o, struct machine *m,
		    void (*emit)(void *opaque, const struct trace_event *ev), void *opaque)
{
	struct machine_hooks h = {
		.opaque = o,
		.milestone = on_milestone,
		.system_reset = on_system_reset,
		.cpu_reset = on_cpu_reset,
		.io = on_io,
		.interrupt = on_interrupt,
		.cr_write = on_cr_write,
		.pam = on_pam,
		.smram = on_smram,
		.rom_reset = on_rom_reset,
		.debug_out = on_debug_out,
		.serial_out = on_serial_out,
		.mmio_write = on_mmio_write,
		.smm = on_smm,
	};

	memset(o, 0, sizeof(*o));
	o->format = TRACE_FORMAT_VERSION;
	o->m = m;
	o->cpu = machine_cpu(m);
	o->emit = emit;
	o->opaque = opaque;
	o->handle = machine_add_hooks(m, &h);
	return o->handle < 0 ? -1 : 0;
}

void observer_set_format(struct observer *o, uint32_t version)
{
	o->format = version;
	machine_set_compat(o->m, (int)version);
}

void observer_detach(struct observer *o)
{
	if (o->m && o->handle >= 0)
		machine_set_hooks(o->m, o->handle, NULL);
	o->handle = -1;
}

void observer_emit_power_on(struct observer *o)
{
	struct mem *mem = machine_mem(o->m);
	struct trace_event ev;

	for (int i = 0; i < rom_count(mem); i++) {
		struct rom_info ri;
		if (rom_get_info(mem, i, &ri))
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.kind = TRACE_EV_ROM_LOAD;
		ev.u.rom_load.blob = (uint32_t)i;
		ev.u.rom_load.addr = ri.addr == ROM_ADDR_NONE ? 0 : ri.addr;
		ev.u.rom_load.size = ri.size;
		emit_now(o, &ev);
	}
	/* The order machine_system_reset reports them in. */
	on_rom_reset(o);
	on_milestone(o, MILESTONE_RESET, machine_boot_count(o->m), now(o));
	on_milestone(o, MILESTONE_RESET_VECTOR, machine_boot_count(o->m), now(o));
	on_system_reset(o, 0);
}

int observer_inject_input(struct observer *o, enum trace_input_kind kind, const uint8_t *data,
			  uint32_t len)
{
	struct trace_event ev = { .kind = TRACE_EV_INPUT };

	if ((kind != TRACE_INPUT_SERIAL && kind != TRACE_INPUT_KEY) || len > TRACE_EVENT_MAX_DATA)
		return -1;
	ev.u.input.kind = kind;
	ev.u.input.addr = kind == TRACE_INPUT_SERIAL ? 0x3F8 : 0;
	ev.u.input.len = len;
	ev.u.input.data = data;
	emit_now(o, &ev);
	if (kind == TRACE_INPUT_SERIAL)
		machine_inject_serial(o->m, data, len);
	else
		machine_inject_key(o->m, data, len);
	return 0;
}
