/*
 * tests/fuzz/fuzz_trace_reader.c: libFuzzer target for the trace reader
 * (replay/trace_reader.c). Opens the input in both modes, reads every event,
 * seeks by icount and by frame, and prints what it read; any crash,
 * sanitizer report or leak is a bug. Seeds: tests/fuzz/corpus/trace_reader/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "replay/trace_print.h"
#include "replay/trace_reader.h"

/* Events read per pass at most, so huge synthetic inputs stay fast. */
#define FUZZ_MAX_EVENTS 100000

static void read_events(struct trace_reader *r, FILE *sink)
{
	struct trace_event ev;

	for (int n = 0; n < FUZZ_MAX_EVENTS && trace_reader_next(r, &ev) > 0; n++)
		trace_event_print(sink, &ev, trace_reader_header(r));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[400];
	char *text = NULL;
	size_t len = 0;
	FILE *sink = open_memstream(&text, &len);

	if (!sink)
		return 0;
	for (int mode = TRACE_READ_STRICT; mode <= TRACE_READ_SALVAGE; mode++) {
		struct trace_reader *r;
		size_t nframes;

		if (trace_reader_open_mem(&r, data, size, (enum trace_read_mode)mode, err, sizeof(err)))
			continue;
		read_events(r, sink);
		nframes = trace_reader_nframes(r);
		if (nframes) {
			const struct trace_frame_info *f = trace_reader_frame(r, nframes / 2);
			trace_reader_seek_icount(r, f->first_icount + 1);
			read_events(r, sink);
			trace_reader_seek_frame(r, nframes - 1);
			read_events(r, sink);
		}
		trace_reader_close(r);
	}
	fclose(sink);
	free(text);
	return 0;
}
