/* replay/trace_synth.c: deterministic synthetic event streams and traces. */
#include "replay/trace_synth.h"

#include <stdio.h>
#include <string.h>

#include "replay/trace_writer.h"

static const struct trace_blob synth_blobs[] = {
	{ TRACE_BLOB_ROM, "bios.bin", "/usr/share/seabios/bios.bin", 131072,
	  { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54,
	    0x32, 0x10 } },
	{ TRACE_BLOB_DISK, "disk0", "pc-bios/demo/demo.img", 1474560,
	  { 0xa5, 0x5a, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 } },
};

static const struct trace_header synth_header = {
	TRACE_FORMAT_VERSION, "synthetic",
	"machine=pc\nram=128M\nbios=bios.bin\ndisk0=pc-bios/demo/demo.img\nserial=stdio\n",
	946684800, 2, synth_blobs,
};

const struct trace_header *trace_synth_header(void)
{
	return &synth_header;
}

/* Pairs of events share an icount; the stream never goes backwards. */
static uint64_t synth_icount(uint64_t i)
{
	return (i - i % 2) * 5 + 3;
}

uint64_t trace_synth_final_icount(uint64_t nevents)
{
	return synth_icount(nevents) + 100;
}

void trace_synth_event(uint64_t i, struct trace_event *ev, uint8_t *data)
{
	uint32_t x = (uint32_t)(i * 2654435761u);
	static const char text[] = "lockstep synthetic \"debug\"\n\x01";

	memset(ev, 0, sizeof(*ev));
	ev->icount = synth_icount(i);
	switch (i % 16) {
	case 0:
		ev->kind = TRACE_EV_ROM_LOAD;
		ev->u.rom_load.blob = 0;
		ev->u.rom_load.addr = 0xfffe0000u;
		ev->u.rom_load.size = 131072;
		break;
	case 1:
		ev->kind = TRACE_EV_ROM_RESET;
		ev->u.rom_reset.boot = (uint32_t)(i / 16);
		ev->u.rom_reset.nblobs = 2;
		break;
	case 2:
		ev->kind = TRACE_EV_PAM;
		ev->u.pam.reg = (uint8_t)(0x59 + i / 16 % 7);
		ev->u.pam.old_val = (uint8_t)x;
		ev->u.pam.new_val = 0x33;
		break;
	case 3:
		ev->kind = TRACE_EV_SMRAM;
		ev->u.smram.old_val = 0x02;
		ev->u.smram.new_val = 0x0a;
		break;
	case 4:
		ev->kind = TRACE_EV_SYSTEM_RESET;
		ev->u.system_reset.cause = (enum trace_reset_cause)(i / 16 % TRACE_RESET_CAUSE_END);
		break;
	case 5:
		ev->kind = TRACE_EV_CPU_MODE;
		ev->u.cpu_mode.old_cr0 = 0x60000010;
		ev->u.cpu_mode.new_cr0 = 0x60000011 | (i & 32 ? 0x80000000u : 0);
		break;
	case 6:
		ev->kind = TRACE_EV_INTERRUPT;
		ev->u.interrupt.vector = (uint8_t)x;
		ev->u.interrupt.kind = (enum trace_int_kind)(i / 16 % TRACE_INT_KIND_END);
		ev->u.interrupt.cs = 0xf000;
		ev->u.interrupt.eip = x & 0xffff;
		ev->u.interrupt.has_error = (i / 16) % 2;
		ev->u.interrupt.error = ev->u.interrupt.has_error ? (x & 0xfff8) : 0;
		break;
	case 15:
		/* From event 63 on, every fourth round: SMM (format 2). The
		 * first 48 events are those of the checked-in format-1 trace. */
		if (i / 16 % 4 == 3) {
			ev->kind = TRACE_EV_SMM;
			ev->u.smm.enter = (i / 64) % 2 == 0;
			ev->u.smm.smbase = 0x30000u + (x & 0x70000u);
			ev->u.smm.cs = (uint16_t)(x >> 16);
			ev->u.smm.eip = x;
			break;
		}
		/* fall through */
	case 7: case 14:
		ev->kind = TRACE_EV_IO;
		ev->u.io.write = i % 16 != 14;
		ev->u.io.size = (uint8_t)(1u << (i / 16 % 3));
		ev->u.io.addr = i % 16 == 7 ? 0x80 : 0x3f8 + (i / 16 % 8);
		ev->u.io.value = x & (ev->u.io.size == 4 ? 0xffffffffu : (1u << (8 * ev->u.io.size)) - 1);
		break;
	case 8:
		ev->kind = TRACE_EV_IO;
		ev->u.io.write = 1;
		ev->u.io.mmio = 1;
		ev->u.io.size = 8;
		ev->u.io.addr = 0xfee000b0;
		ev->u.io.value = (uint64_t)x << 32 | x;
		break;
	case 9: case 10:
		ev->kind = i % 16 == 9 ? TRACE_EV_DEBUG_OUT : TRACE_EV_SERIAL_OUT;
		ev->u.out.port = i % 16 == 9 ? 0x402 : 0x3f8;
		ev->u.out.len = (uint32_t)(i / 16 % (sizeof(text) - 1) + 1);
		memcpy(data, text, ev->u.out.len);
		ev->u.out.data = data;
		break;
	case 11:
		ev->kind = TRACE_EV_INPUT;
		ev->u.input.kind = (enum trace_input_kind)(i / 16 % TRACE_INPUT_KIND_END);
		ev->u.input.addr = ev->u.input.kind == TRACE_INPUT_SERIAL ? 0x3f8 : x;
		/* Idle input (format 2) carries no bytes; it first comes at
		 * event 75, after those of the format-1 trace. */
		ev->u.input.len = ev->u.input.kind == TRACE_INPUT_IDLE ? 0 : (uint32_t)(i / 16 % 4);
		for (uint32_t k = 0; k < ev->u.input.len; k++)
			data[k] = (uint8_t)('a' + k + i % 7);
		ev->u.input.data = ev->u.input.len ? data : NULL;
		break;
	case 12:
		ev->kind = TRACE_EV_MILESTONE;
		ev->u.milestone.id = (enum trace_milestone)(i / 16 % TRACE_MS_END);
		ev->u.milestone.boot = (uint32_t)(i / (16 * TRACE_MS_END));
		break;
	default:
		ev->kind = TRACE_EV_CHECKPOINT;
		ev->u.checkpoint.cpu_hash = (uint64_t)x * 0x9e3779b97f4a7c15ull;
		ev->u.checkpoint.ram_hash = ~(uint64_t)x;
		ev->u.checkpoint.dev_hash = i;
		break;
	}
}

static int store_no_io(void *opaque, const struct trace_event *ev)
{
	return ev->kind != TRACE_EV_IO;
}

int trace_synth_write(const char *path, const struct trace_synth_options *o,
		      char *err, size_t errlen)
{
	struct trace_writer_options wo;
	struct trace_writer *w;
	uint8_t data[TRACE_SYNTH_DATA_MAX];
	struct trace_event ev;
	int r;

	trace_writer_options_init(&wo);
	if (o->frame_bytes)
		wo.frame_bytes = o->frame_bytes;
	if (o->frame_events)
		wo.frame_events = o->frame_events;
	if (o->skip_io)
		wo.store = store_no_io;
	r = trace_writer_open(&w, path, &synth_header, &wo, err, errlen);
	if (r)
		return r;
	for (uint64_t i = 0; i < o->nevents && !r; i++) {
		trace_synth_event(i, &ev, data);
		r = trace_write_event(w, &ev);
	}
	if (!r)
		r = o->no_finish ? trace_writer_flush(w)
				 : trace_writer_finish(w, trace_synth_final_icount(o->nevents));
	if (r)
		snprintf(err, errlen, "%s: %s", path, trace_writer_error(w));
	trace_writer_free(w);
	return r;
}
