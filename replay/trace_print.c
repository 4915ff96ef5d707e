/* replay/trace_print.c: one-line text form of trace events. */
#include "replay/trace_print.h"

#include <inttypes.h>

void trace_print_bytes(FILE *f, const uint8_t *p, size_t n)
{
	putc('"', f);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		switch (c) {
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		default:
			if (c >= 0x20 && c < 0x7f)
				putc(c, f);
			else
				fprintf(f, "\\x%02x", c);
		}
	}
	putc('"', f);
}

static void print_io(FILE *f, const struct trace_event *ev)
{
	const char *dir = ev->u.io.mmio ? (ev->u.io.write ? "write" : "read")
					: (ev->u.io.write ? "out" : "in");
	int w = 2 * ev->u.io.size;

	if (ev->u.io.mmio)
		fprintf(f, " %s mmio=0x%08" PRIx64, dir, ev->u.io.addr);
	else
		fprintf(f, " %s port=0x%04" PRIx64, dir, ev->u.io.addr);
	fprintf(f, " size=%u value=0x%0*" PRIx64, ev->u.io.size, w, ev->u.io.value);
}

void trace_event_print(FILE *f, const struct trace_event *ev, const struct trace_header *hdr)
{
	const char *name = trace_event_kind_name(ev->kind);

	fprintf(f, "%" PRIu64 " %s", ev->icount, name ? name : "?");
	switch (ev->kind) {
	case TRACE_EV_ROM_LOAD:
		fprintf(f, " blob=%u", ev->u.rom_load.blob);
		if (hdr && ev->u.rom_load.blob < hdr->nblobs)
			fprintf(f, " name=%s", hdr->blobs[ev->u.rom_load.blob].name);
		fprintf(f, " addr=0x%08" PRIx64 " size=0x%" PRIx64, ev->u.rom_load.addr,
			ev->u.rom_load.size);
		break;
	case TRACE_EV_ROM_RESET:
		fprintf(f, " boot=%u blobs=%u", ev->u.rom_reset.boot, ev->u.rom_reset.nblobs);
		break;
	case TRACE_EV_PAM:
		fprintf(f, " reg=0x%02x old=0x%02x new=0x%02x", ev->u.pam.reg, ev->u.pam.old_val,
			ev->u.pam.new_val);
		break;
	case TRACE_EV_SMRAM:
		fprintf(f, " old=0x%02x new=0x%02x", ev->u.smram.old_val, ev->u.smram.new_val);
		break;
	case TRACE_EV_SYSTEM_RESET:
		fprintf(f, " cause=%s", trace_reset_cause_name(ev->u.system_reset.cause));
		break;
	case TRACE_EV_CPU_MODE: {
		uint32_t o = ev->u.cpu_mode.old_cr0, n = ev->u.cpu_mode.new_cr0;
		fprintf(f, " cr0=0x%08x->0x%08x pe=%u->%u pg=%u->%u", o, n, o & 1, n & 1, o >> 31,
			n >> 31);
		break;
	}
	case TRACE_EV_INTERRUPT:
		fprintf(f, " vector=0x%02x kind=%s at=%04x:%08x", ev->u.interrupt.vector,
			trace_int_kind_name(ev->u.interrupt.kind), ev->u.interrupt.cs,
			ev->u.interrupt.eip);
		if (ev->u.interrupt.has_error)
			fprintf(f, " error=0x%08x", ev->u.interrupt.error);
		else
			fputs(" error=none", f);
		break;
	case TRACE_EV_IO:
		print_io(f, ev);
		break;
	case TRACE_EV_DEBUG_OUT: case TRACE_EV_SERIAL_OUT:
		fprintf(f, " port=0x%04x len=%u data=", ev->u.out.port, ev->u.out.len);
		trace_print_bytes(f, ev->u.out.data, ev->u.out.len);
		break;
	case TRACE_EV_INPUT:
		if (ev->u.input.kind == TRACE_INPUT_IDLE) {
			fprintf(f, " kind=idle cycles=%" PRIu64, ev->u.input.addr);
			break;
		}
		fprintf(f, " kind=%s addr=0x%" PRIx64 " len=%u data=",
			trace_input_kind_name(ev->u.input.kind), ev->u.input.addr, ev->u.input.len);
		trace_print_bytes(f, ev->u.input.data, ev->u.input.len);
		break;
	case TRACE_EV_MILESTONE:
		fprintf(f, " boot=%u name=%s", ev->u.milestone.boot,
			trace_milestone_name(ev->u.milestone.id));
		break;
	case TRACE_EV_SMM:
		fprintf(f, " %s smbase=0x%08x at=%04x:%08x", ev->u.smm.enter ? "enter" : "exit",
			ev->u.smm.smbase, ev->u.smm.cs, ev->u.smm.eip);
		break;
	case TRACE_EV_CHECKPOINT:
		fprintf(f, " cpu=%016" PRIx64 " ram=%016" PRIx64 " dev=%016" PRIx64,
			ev->u.checkpoint.cpu_hash, ev->u.checkpoint.ram_hash,
			ev->u.checkpoint.dev_hash);
		for (int s = 0; s < TRACE_NSTREAMS; s++)
			fprintf(f, " %s=%016" PRIx64, trace_stream_name((enum trace_stream)s),
				ev->u.checkpoint.chains[s]);
		break;
	default:
		break;
	}
	putc('\n', f);
}
