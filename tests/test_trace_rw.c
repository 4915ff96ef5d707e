/* tests/test_trace_rw.c: writing and reading traces back (replay/trace_writer.c,
 * trace_reader.c, chain.c): fields, determinism, chains, seeking, salvage. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <xxhash.h>

#include "replay/chain.h"
#include "replay/trace_pipe.h"
#include "replay/trace_print.h"
#include "replay/trace_reader.h"
#include "replay/trace_synth.h"
#include "replay/trace_writer.h"
#include "tests/testutil.h"

static char *tmp_path(void)
{
	char t[] = "/tmp/ls-trace-rw-XXXXXX";
	int fd = mkstemp(t);

	cr_assert_geq(fd, 0);
	close(fd);
	return strdup(t);
}

/* Files a and b (malloc'd paths) hold the same bytes; both are removed
 * and their paths freed. */
static void expect_same_files(char *a, char *b, const char *what)
{
	size_t na, nb;
	uint8_t *da = tu_read_file(a, &na), *db = tu_read_file(b, &nb);

	cr_assert(da && db, "%s: unreadable", what);
	cr_expect(na == nb && !memcmp(da, db, na), "%s: the files differ", what);
	free(da);
	free(db);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
}

static char *synth(uint64_t n, uint32_t frame_events, int skip_io)
{
	struct trace_synth_options o = { n, 0, frame_events, skip_io, 0 };
	char *p = tmp_path(), err[256];

	cr_assert_eq(trace_synth_write(p, &o, err, sizeof(err)), 0, "%s", err);
	return p;
}

static struct trace_reader *open_ok(const char *path, enum trace_read_mode mode)
{
	struct trace_reader *r;
	char err[400];

	cr_assert_eq(trace_reader_open(&r, path, mode, err, sizeof(err)), 0, "%s", err);
	return r;
}

/* Field-by-field comparison; chains of checkpoints are compared separately. */
static void expect_event_eq(const struct trace_event *a, const struct trace_event *b, uint64_t i)
{
	cr_assert_eq(a->kind, b->kind, "event %llu kind", (unsigned long long)i);
	cr_expect_eq(a->icount, b->icount, "event %llu icount", (unsigned long long)i);
	switch (a->kind) {
	case TRACE_EV_ROM_LOAD:
		cr_expect_eq(a->u.rom_load.blob, b->u.rom_load.blob);
		cr_expect_eq(a->u.rom_load.addr, b->u.rom_load.addr);
		cr_expect_eq(a->u.rom_load.size, b->u.rom_load.size);
		break;
	case TRACE_EV_ROM_RESET:
		cr_expect_eq(a->u.rom_reset.boot, b->u.rom_reset.boot);
		cr_expect_eq(a->u.rom_reset.nblobs, b->u.rom_reset.nblobs);
		break;
	case TRACE_EV_PAM:
		cr_expect_eq(a->u.pam.reg, b->u.pam.reg);
		cr_expect_eq(a->u.pam.old_val, b->u.pam.old_val);
		cr_expect_eq(a->u.pam.new_val, b->u.pam.new_val);
		break;
	case TRACE_EV_SMRAM:
		cr_expect_eq(a->u.smram.old_val, b->u.smram.old_val);
		cr_expect_eq(a->u.smram.new_val, b->u.smram.new_val);
		break;
	case TRACE_EV_SYSTEM_RESET:
		cr_expect_eq(a->u.system_reset.cause, b->u.system_reset.cause);
		break;
	case TRACE_EV_CPU_MODE:
		cr_expect_eq(a->u.cpu_mode.old_cr0, b->u.cpu_mode.old_cr0);
		cr_expect_eq(a->u.cpu_mode.new_cr0, b->u.cpu_mode.new_cr0);
		break;
	case TRACE_EV_INTERRUPT:
		cr_expect_eq(a->u.interrupt.vector, b->u.interrupt.vector);
		cr_expect_eq(a->u.interrupt.kind, b->u.interrupt.kind);
		cr_expect_eq(a->u.interrupt.cs, b->u.interrupt.cs);
		cr_expect_eq(a->u.interrupt.eip, b->u.interrupt.eip);
		cr_expect_eq(a->u.interrupt.has_error, b->u.interrupt.has_error);
		cr_expect_eq(a->u.interrupt.error, b->u.interrupt.error);
		break;
	case TRACE_EV_IO:
		cr_expect_eq(a->u.io.write, b->u.io.write);
		cr_expect_eq(a->u.io.mmio, b->u.io.mmio);
		cr_expect_eq(a->u.io.size, b->u.io.size);
		cr_expect_eq(a->u.io.addr, b->u.io.addr);
		cr_expect_eq(a->u.io.value, b->u.io.value);
		break;
	case TRACE_EV_DEBUG_OUT: case TRACE_EV_SERIAL_OUT:
		cr_expect_eq(a->u.out.port, b->u.out.port);
		cr_assert_eq(a->u.out.len, b->u.out.len);
		cr_expect_eq(memcmp(a->u.out.data, b->u.out.data, a->u.out.len), 0);
		break;
	case TRACE_EV_INPUT:
		cr_expect_eq(a->u.input.kind, b->u.input.kind);
		cr_expect_eq(a->u.input.addr, b->u.input.addr);
		cr_assert_eq(a->u.input.len, b->u.input.len);
		if (a->u.input.len)
			cr_expect_eq(memcmp(a->u.input.data, b->u.input.data, a->u.input.len), 0);
		break;
	case TRACE_EV_MILESTONE:
		cr_expect_eq(a->u.milestone.id, b->u.milestone.id);
		cr_expect_eq(a->u.milestone.boot, b->u.milestone.boot);
		break;
	case TRACE_EV_SMM:
		cr_expect_eq(a->u.smm.enter, b->u.smm.enter);
		cr_expect_eq(a->u.smm.smbase, b->u.smm.smbase);
		cr_expect_eq(a->u.smm.cs, b->u.smm.cs);
		cr_expect_eq(a->u.smm.eip, b->u.smm.eip);
		break;
	case TRACE_EV_CHECKPOINT:
		cr_expect_eq(a->u.checkpoint.cpu_hash, b->u.checkpoint.cpu_hash);
		cr_expect_eq(a->u.checkpoint.ram_hash, b->u.checkpoint.ram_hash);
		cr_expect_eq(a->u.checkpoint.dev_hash, b->u.checkpoint.dev_hash);
		break;
	default:
		cr_assert_fail("unexpected kind %d", a->kind);
	}
}

Test(trace_rw, every_kind_round_trips)
{
	const uint64_t n = 500;
	char *p = synth(n, 37, 0);
	struct trace_reader *r = open_ok(p, TRACE_READ_STRICT);
	const struct trace_header *h = trace_reader_header(r), *want = trace_synth_header();
	struct trace_chains chains;
	struct bytebuf scratch;
	unsigned seen_kinds = 0, seen_inputs = 0;
	uint64_t i = 0;
	struct trace_event ev;
	int rc;

	cr_expect_eq(h->format_version, TRACE_FORMAT_VERSION);
	cr_expect_str_eq(h->version, want->version);
	cr_expect_str_eq(h->config, want->config);
	cr_expect_eq(h->rtc_start, want->rtc_start);
	cr_assert_eq(h->nblobs, 2);
	for (uint32_t b = 0; b < 2; b++) {
		cr_expect_eq(h->blobs[b].kind, want->blobs[b].kind);
		cr_expect_str_eq(h->blobs[b].name, want->blobs[b].name);
		cr_expect_str_eq(h->blobs[b].path, want->blobs[b].path);
		cr_expect_eq(h->blobs[b].size, want->blobs[b].size);
		cr_expect_eq(memcmp(h->blobs[b].hash, want->blobs[b].hash, 16), 0);
	}
	cr_expect(trace_reader_verifies_chains(r));
	cr_expect_eq(trace_reader_nframes(r), (n + 36) / 37);
	trace_chains_init(&chains);
	bytebuf_init(&scratch);
	while ((rc = trace_reader_next(r, &ev)) > 0) {
		struct trace_event want_ev;
		uint8_t data[TRACE_SYNTH_DATA_MAX];

		trace_synth_event(i, &want_ev, data);
		expect_event_eq(&ev, &want_ev, i);
		cr_expect_eq(trace_reader_event_number(r), i);
		if (ev.kind == TRACE_EV_CHECKPOINT)
			cr_expect_eq(memcmp(ev.u.checkpoint.chains, chains.h, sizeof(chains.h)), 0,
				     "checkpoint %llu carries the chains so far", (unsigned long long)i);
		else
			trace_chains_feed_event(&chains, &ev, &scratch);
		seen_kinds |= 1u << ev.kind;
		if (ev.kind == TRACE_EV_INPUT)
			seen_inputs |= 1u << ev.u.input.kind;
		i++;
	}
	cr_assert_eq(rc, 0, "%s", trace_reader_error(r));
	cr_expect_eq(i, n);
	cr_expect_eq(seen_kinds, ((1u << TRACE_EV_KIND_END) - 1) & ~1u, "every kind occurs");
	cr_expect_eq(seen_inputs, (1u << TRACE_INPUT_KIND_END) - 1, "every input kind occurs");
	cr_assert_not_null(trace_reader_footer(r));
	cr_expect_eq(trace_reader_footer(r)->events_stored, n);
	cr_expect_eq(trace_reader_footer(r)->events_seen, n);
	cr_expect_eq(trace_reader_footer(r)->final_icount, trace_synth_final_icount(n));
	cr_expect_eq(memcmp(trace_reader_footer(r)->chains, chains.h, sizeof(chains.h)), 0);
	cr_expect_null(trace_reader_warning(r));
	bytebuf_free(&scratch);
	trace_reader_close(r);
	unlink(p);
	free(p);
}

/* INPUT kind idle (format 2): the virtual time in addr, never bytes; not
 * in format 1; printed with its cycles. */
Test(trace_rw, idle_input_rules)
{
	struct trace_event ev = { .kind = TRACE_EV_INPUT, .icount = 7 };
	static const uint8_t byte = 1;
	char err[200], *text = NULL;
	size_t len = 0;
	FILE *f;

	ev.u.input.kind = TRACE_INPUT_IDLE;
	ev.u.input.addr = 3600000000000ull;
	cr_expect_str_eq(trace_input_kind_name(TRACE_INPUT_IDLE), "idle");
	cr_expect_eq(trace_event_check(&ev, err, sizeof(err)), 0, "%s", err);
	cr_expect(trace_event_in_format(&ev, 2));
	cr_expect(!trace_event_in_format(&ev, 1));
	f = open_memstream(&text, &len);
	cr_assert(f);
	trace_event_print(f, &ev, NULL);
	fclose(f);
	cr_expect(strstr(text, "7 INPUT kind=idle cycles=3600000000000"), "%s", text);
	free(text);
	ev.u.input.len = 1;
	ev.u.input.data = &byte;
	cr_expect_neq(trace_event_check(&ev, err, sizeof(err)), 0);
}

/* The chain definition, checked against hand-made canonical bytes. */
Test(trace_rw, chain_hash_definition)
{
	static const uint8_t ms[] = { 0x61, 0x00, 0x00, 0x00 };      /* MILESTONE reset boot 0 @0 */
	static const uint8_t io[] = { 0x41, 0x05, 0x01, 0x80, 0x01, 0x12 }; /* out 0x80,0x12 @5 */
	struct trace_header h = *trace_synth_header();
	struct trace_event ev;
	struct trace_writer *w;
	struct trace_reader *r;
	char *p = tmp_path(), err[256];
	uint64_t all = XXH3_64bits_withSeed(io, sizeof(io), XXH3_64bits_withSeed(ms, sizeof(ms), 0));
	struct bytebuf b;

	memset(&ev, 0, sizeof(ev));
	ev.kind = TRACE_EV_IO;
	ev.icount = 5;
	ev.u.io.write = 1;
	ev.u.io.size = 1;
	ev.u.io.addr = 0x80;
	ev.u.io.value = 0x12;
	bytebuf_init(&b);
	trace_event_encode_canonical(&ev, &b);
	cr_assert_eq(b.len, sizeof(io));
	cr_expect_eq(memcmp(b.data, io, sizeof(io)), 0);
	bytebuf_free(&b);

	cr_assert_eq(trace_writer_open(&w, p, &h, NULL, err, sizeof(err)), 0, "%s", err);
	memset(&ev, 0, sizeof(ev));
	ev.kind = TRACE_EV_MILESTONE;
	cr_assert_eq(trace_write_event(w, &ev), 0);
	memset(&ev, 0, sizeof(ev));
	ev.kind = TRACE_EV_IO;
	ev.icount = 5;
	ev.u.io.write = 1;
	ev.u.io.size = 1;
	ev.u.io.addr = 0x80;
	ev.u.io.value = 0x12;
	cr_assert_eq(trace_write_event(w, &ev), 0);
	memset(&ev, 0, sizeof(ev));
	ev.kind = TRACE_EV_CHECKPOINT;
	ev.icount = 9;
	ev.u.checkpoint.chains[0] = 12345;   /* ignored: the writer fills them in */
	cr_assert_eq(trace_write_event(w, &ev), 0);
	cr_assert_eq(trace_writer_finish(w, 10), 0, "%s", trace_writer_error(w));
	trace_writer_free(w);

	r = open_ok(p, TRACE_READ_STRICT);
	cr_assert_eq(trace_reader_next(r, &ev), 1);
	cr_assert_eq(trace_reader_next(r, &ev), 1);
	cr_assert_eq(trace_reader_next(r, &ev), 1);
	cr_assert_eq(ev.kind, TRACE_EV_CHECKPOINT);
	cr_expect_eq(ev.u.checkpoint.chains[TRACE_STREAM_IO], XXH3_64bits_withSeed(io, sizeof(io), 0));
	cr_expect_eq(ev.u.checkpoint.chains[TRACE_STREAM_MILESTONE],
		     XXH3_64bits_withSeed(ms, sizeof(ms), 0));
	cr_expect_eq(ev.u.checkpoint.chains[TRACE_STREAM_ALL], all);
	cr_expect_eq(ev.u.checkpoint.chains[TRACE_STREAM_PAM], 0);
	cr_expect_eq(ev.u.checkpoint.chains[TRACE_STREAM_INT], 0);
	cr_expect_eq(ev.u.checkpoint.chains[TRACE_STREAM_DEBUG], 0);
	cr_expect_eq(ev.u.checkpoint.chains[TRACE_STREAM_INPUT], 0);
	cr_expect_eq(trace_reader_footer(r)->chains[TRACE_STREAM_ALL], all,
		     "checkpoints do not extend the chains");
	cr_expect_eq(trace_reader_next(r, &ev), 0);
	trace_reader_close(r);
	unlink(p);
	free(p);
}

Test(trace_rw, same_events_give_identical_files)
{
	char *a = synth(3000, 0, 0), *b = synth(3000, 0, 0);

	expect_same_files(a, b, "the same events");
}

/* Reads every checkpoint's chains and the footer's. */
static size_t collect_chains(const char *path, uint64_t (*out)[TRACE_NSTREAMS], size_t max,
			     uint64_t *nio)
{
	struct trace_reader *r = open_ok(path, TRACE_READ_STRICT);
	struct trace_event ev;
	size_t n = 0;
	int rc;

	*nio = 0;
	while ((rc = trace_reader_next(r, &ev)) > 0) {
		if (ev.kind == TRACE_EV_IO)
			(*nio)++;
		if (ev.kind == TRACE_EV_CHECKPOINT && n < max)
			memcpy(out[n++], ev.u.checkpoint.chains, sizeof(out[0]));
	}
	cr_assert_eq(rc, 0, "%s", trace_reader_error(r));
	cr_assert_lt(n, max);
	memcpy(out[n++], trace_reader_footer(r)->chains, sizeof(out[0]));
	trace_reader_close(r);
	return n;
}

Test(trace_rw, chains_do_not_depend_on_what_is_stored)
{
	static uint64_t full[64][TRACE_NSTREAMS], lean[64][TRACE_NSTREAMS];
	char *a = synth(800, 50, 0), *b = synth(800, 50, 1);
	uint64_t io_a, io_b;
	size_t na = collect_chains(a, full, 64, &io_a), nb = collect_chains(b, lean, 64, &io_b);
	struct trace_reader *r;

	cr_expect_gt(io_a, 100);
	cr_expect_eq(io_b, 0, "IO events were not stored");
	cr_assert_eq(na, nb);
	cr_assert_gt(na, 10);
	cr_expect_eq(memcmp(full, lean, na * sizeof(full[0])), 0);
	r = open_ok(b, TRACE_READ_STRICT);
	cr_expect_not(trace_reader_verifies_chains(r), "a lean trace cannot recompute its chains");
	cr_expect_eq(trace_reader_footer(r)->events_seen, 800);
	cr_expect_eq(trace_reader_footer(r)->events_stored, 800 - io_a);
	trace_reader_close(r);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
}

Test(trace_rw, seek_by_icount_uses_the_index)
{
	const uint64_t n = 2000;
	char *p = synth(n, 64, 0);
	struct trace_reader *r = open_ok(p, TRACE_READ_STRICT);
	static const uint64_t targets[] = { 0, 1, 3, 4, 13, 640, 641, 643, 5000, 9993, 9995,
					    9998, 10000, 20000 };
	struct trace_event ev;

	cr_assert_gt(trace_reader_nframes(r), 20);
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		uint64_t want = 0;
		uint8_t data[TRACE_SYNTH_DATA_MAX];
		struct trace_event w;

		/* The first synthetic event at or after the target, by brute force. */
		while (want < n) {
			trace_synth_event(want, &w, data);
			if (w.icount >= targets[t])
				break;
			want++;
		}
		cr_assert_eq(trace_reader_seek_icount(r, targets[t]), 0);
		if (want == n) {
			cr_expect_eq(trace_reader_next(r, &ev), 0, "target %llu is past the end",
				     (unsigned long long)targets[t]);
			continue;
		}
		cr_assert_eq(trace_reader_next(r, &ev), 1, "%s", trace_reader_error(r));
		cr_expect_eq(trace_reader_event_number(r), want, "target %llu",
			     (unsigned long long)targets[t]);
		expect_event_eq(&ev, &w, want);
	}
	/* Frame seeks land on each frame's first event. */
	for (size_t f = 0; f < trace_reader_nframes(r); f += 7) {
		cr_assert_eq(trace_reader_seek_frame(r, f), 0);
		cr_assert_eq(trace_reader_next(r, &ev), 1);
		cr_expect_eq(trace_reader_event_number(r), trace_reader_frame(r, f)->first_event);
		cr_expect_eq(ev.icount, trace_reader_frame(r, f)->first_icount);
	}
	cr_expect_eq(trace_reader_seek_frame(r, trace_reader_nframes(r) + 1), -1);
	trace_reader_close(r);
	unlink(p);
	free(p);
}

Test(trace_rw, memory_and_file_readers_agree)
{
	char *p = synth(300, 20, 0);
	size_t size;
	uint8_t *d = tu_read_file(p, &size);
	struct trace_reader *a = open_ok(p, TRACE_READ_STRICT), *b;
	struct trace_event ea, eb;
	char err[400];
	int ra, rb, n = 0;

	cr_assert_eq(trace_reader_open_mem(&b, d, size, TRACE_READ_STRICT, err, sizeof(err)), 0,
		     "%s", err);
	do {
		ra = trace_reader_next(a, &ea);
		rb = trace_reader_next(b, &eb);
		cr_assert_eq(ra, rb);
		if (ra > 0)
			expect_event_eq(&ea, &eb, (uint64_t)n++);
	} while (ra > 0);
	cr_expect_eq(n, 300);
	trace_reader_close(a);
	trace_reader_close(b);
	free(d);
	unlink(p);
	free(p);
}

Test(trace_rw, empty_trace_and_big_event)
{
	static uint8_t big[TRACE_EVENT_MAX_DATA];
	struct trace_event ev;
	struct trace_writer *w;
	struct trace_reader *r;
	char *p = tmp_path(), err[256];

	cr_assert_eq(trace_writer_open(&w, p, trace_synth_header(), NULL, err, sizeof(err)), 0);
	cr_assert_eq(trace_writer_finish(w, 0), 0);
	trace_writer_free(w);
	r = open_ok(p, TRACE_READ_STRICT);
	cr_expect_eq(trace_reader_nframes(r), 0);
	cr_expect_eq(trace_reader_next(r, &ev), 0);
	trace_reader_close(r);

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	cr_assert_eq(trace_writer_open(&w, p, trace_synth_header(), NULL, err, sizeof(err)), 0);
	memset(&ev, 0, sizeof(ev));
	ev.kind = TRACE_EV_DEBUG_OUT;
	ev.icount = 1ull << 40;
	ev.u.out.port = 0xe9;
	ev.u.out.len = sizeof(big);
	ev.u.out.data = big;
	cr_assert_eq(trace_write_event(w, &ev), 0);
	cr_assert_eq(trace_writer_flush(w), 0);
	ev.u.out.len = sizeof(big) + 1;
	cr_expect_eq(trace_write_event(w, &ev), -EINVAL, "too much data is refused");
	cr_expect_neq(trace_writer_error(w)[0], 0);
	cr_expect_eq(trace_writer_finish(w, 0), -EINVAL, "errors are sticky");
	trace_writer_free(w);
	r = open_ok(p, TRACE_READ_SALVAGE);
	cr_expect_not_null(trace_reader_warning(r), "never finished: no footer");
	cr_assert_eq(trace_reader_next(r, &ev), 1, "%s", trace_reader_error(r));
	cr_expect_eq(ev.icount, 1ull << 40);
	cr_assert_eq(ev.u.out.len, sizeof(big));
	cr_expect_eq(memcmp(ev.u.out.data, big, sizeof(big)), 0);
	trace_reader_close(r);
	unlink(p);
	free(p);
}

Test(trace_rw, writer_refuses_bad_events)
{
	struct trace_event ev;
	struct trace_writer *w;
	char *p = tmp_path(), err[256];

	cr_assert_eq(trace_writer_open(&w, p, trace_synth_header(), NULL, err, sizeof(err)), 0);
	memset(&ev, 0, sizeof(ev));
	ev.kind = TRACE_EV_IO;
	ev.icount = 10;
	ev.u.io.size = 3;
	cr_expect_eq(trace_write_event(w, &ev), -EINVAL);
	cr_expect(strstr(trace_writer_error(w), "IO size") != NULL, "%s", trace_writer_error(w));
	trace_writer_free(w);

	cr_assert_eq(trace_writer_open(&w, p, trace_synth_header(), NULL, err, sizeof(err)), 0);
	ev.u.io.size = 1;
	cr_expect_eq(trace_write_event(w, &ev), 0);
	ev.icount = 9;
	cr_expect_eq(trace_write_event(w, &ev), -EINVAL);
	cr_expect(strstr(trace_writer_error(w), "backwards") != NULL, "%s", trace_writer_error(w));
	trace_writer_free(w);

	cr_expect_neq(trace_writer_open(&w, "/nonexistent-dir/x.trace", trace_synth_header(), NULL,
					err, sizeof(err)), 0);
	cr_expect(strstr(err, "/nonexistent-dir/x.trace") != NULL, "%s", err);
	unlink(p);
	free(p);
}

Test(trace_rw, salvage_reads_flushed_frames_of_an_unfinished_trace)
{
	struct trace_synth_options o = { 1000, 0, 100, 0, 1 };
	char *p = tmp_path(), err[400];
	struct trace_reader *r;
	struct trace_event ev;
	uint64_t n = 0;
	int rc;

	cr_assert_eq(trace_synth_write(p, &o, err, sizeof(err)), 0, "%s", err);
	cr_expect_neq(trace_reader_open(&r, p, TRACE_READ_STRICT, err, sizeof(err)), 0);
	cr_expect(strstr(err, "truncated trace: no index or footer after frame 10") != NULL, "%s", err);
	r = open_ok(p, TRACE_READ_SALVAGE);
	cr_expect_null(trace_reader_footer(r));
	cr_expect_not(trace_reader_verifies_chains(r));
	cr_assert_not_null(trace_reader_warning(r));
	cr_expect(strstr(trace_reader_warning(r), "read the 10 complete frames") != NULL, "%s",
		  trace_reader_warning(r));
	while ((rc = trace_reader_next(r, &ev)) > 0)
		n++;
	cr_expect_eq(rc, 0, "%s", trace_reader_error(r));
	cr_expect_eq(n, 1000);
	trace_reader_close(r);
	unlink(p);
	free(p);
}

/* tests/data/traces/synth-v1.trace was written by the first format version
 * (trace_synth_write, 48 events, 12 per frame). Every later lockstep must
 * still read it: the format's compatibility promise. */
Test(trace_rw, reads_checked_in_version_1_trace)
{
	char *p = tu_src_path("tests/data/traces/synth-v1.trace");
	struct trace_reader *r = open_ok(p, TRACE_READ_STRICT);
	struct trace_event ev;
	uint64_t i = 0;
	int rc;

	cr_expect_eq(trace_reader_header(r)->format_version, 1);
	cr_expect_str_eq(trace_reader_header(r)->config, trace_synth_header()->config);
	cr_expect_eq(trace_reader_nframes(r), 4);
	cr_expect(trace_reader_verifies_chains(r));
	while ((rc = trace_reader_next(r, &ev)) > 0) {
		struct trace_event want;
		uint8_t data[TRACE_SYNTH_DATA_MAX];

		trace_synth_event(i, &want, data);
		expect_event_eq(&ev, &want, i);
		i++;
	}
	cr_expect_eq(rc, 0, "%s", trace_reader_error(r));
	cr_expect_eq(i, 48);
	trace_reader_close(r);
	free(p);
}

/* Event i of the pipe tests: the synthetic events, with now and then one
 * whose bytes fill most of a batch's room, or more than all of it. The
 * bytes are written into buf, which the caller reuses at once. */
static void pipe_event(uint64_t i, struct trace_event *ev, uint8_t *buf, size_t cap)
{
	size_t len = i % 997 == 5 ? 20000 : i % 301 == 7 ? 6000 : 0;

	trace_synth_event(i, ev, buf);
	if (!len)
		return;
	cr_assert_leq(len, cap);
	for (size_t k = 0; k < len; k++)
		buf[k] = (uint8_t)(i * 31 + k);
	ev->kind = TRACE_EV_SERIAL_OUT;
	ev->u.out.port = 0x3F8;
	ev->u.out.len = (uint32_t)len;
	ev->u.out.data = buf;
}

/* n pipe events into path, straight to the writer (mode < 0) or through a
 * pipe in that mode. Returns the file's bytes. */
static uint8_t *write_via_pipe(const char *path, uint64_t n, int mode, size_t *len)
{
	static uint8_t buf[20000];
	struct trace_writer *w;
	struct trace_pipe *p = NULL;
	struct trace_event ev;
	char err[256];

	cr_assert_eq(trace_writer_open(&w, path, trace_synth_header(), NULL, err, sizeof(err)), 0,
		     "%s", err);
	if (mode >= 0) {
		p = trace_pipe_new(w, (enum trace_pipe_mode)mode, NULL, NULL);
		cr_assert_not_null(p);
		if (mode == TRACE_PIPE_INLINE)
			cr_expect(!trace_pipe_threaded(p));
	}
	for (uint64_t i = 0; i < n; i++) {
		pipe_event(i, &ev, buf, sizeof(buf));
		cr_assert_eq(p ? trace_pipe_put(p, &ev) : trace_write_event(w, &ev), 0, "event %llu",
			     (unsigned long long)i);
		memset(buf, 0xEE, sizeof(buf));   /* the pipe kept its own copy */
		if (p && i == n / 2) {
			cr_assert_eq(trace_pipe_sync(p), 0);
			cr_expect_eq(trace_writer_events_seen(w), i + 1, "sync writes everything");
		}
	}
	trace_pipe_free(p);
	cr_assert_eq(trace_writer_finish(w, trace_synth_final_icount(n)), 0, "%s",
		     trace_writer_error(w));
	trace_writer_free(w);
	return tu_read_file(path, len);
}

/* Batches, inline or on the worker thread, give the writer the same events
 * in the same order: the same file as writing each event directly. */
Test(trace_rw, pipe_writes_the_same_file_inline_and_threaded)
{
	char *path = tmp_path();
	size_t n0, n1, n2;
	uint8_t *direct = write_via_pipe(path, 6000, -1, &n0);
	uint8_t *in = write_via_pipe(path, 6000, TRACE_PIPE_INLINE, &n1);
	uint8_t *th = write_via_pipe(path, 6000, TRACE_PIPE_THREAD, &n2);

	cr_assert(direct && in && th);
	cr_expect(n1 == n0 && !memcmp(direct, in, n0), "inline batches change the file");
	cr_expect(n2 == n0 && !memcmp(direct, th, n0), "the writer thread changes the file");
	free(direct);
	free(in);
	free(th);
	unlink(path);
	free(path);
}

/* Events a pipe takes before a write error comes back (RLIMIT_FSIZE, as on
 * a full disk), and the error. */
static uint64_t puts_before_error(const char *path, enum trace_pipe_mode mode, int *err_out)
{
	static uint8_t buf[20000];
	struct trace_writer_options wo;
	struct trace_writer *w;
	struct trace_pipe *p;
	struct trace_event ev;
	char err[256];
	uint64_t i;
	int e = 0;

	trace_writer_options_init(&wo);
	wo.frame_bytes = 4096;   /* a frame, and a chance to fail, every few events */
	cr_assert_eq(trace_writer_open(&w, path, trace_synth_header(), &wo, err, sizeof(err)), 0,
		     "%s", err);
	p = trace_pipe_new(w, mode, NULL, NULL);
	cr_assert_not_null(p);
	for (i = 0; i < 200000 && !e; i++) {
		pipe_event(i, &ev, buf, sizeof(buf));
		e = trace_pipe_put(p, &ev);
	}
	*err_out = e ? e : trace_pipe_sync(p);
	trace_pipe_free(p);
	cr_expect(strstr(trace_writer_error(w), "write failed"), "%s", trace_writer_error(w));
	trace_writer_free(w);
	return i;
}

/* A write error comes back from put or sync, and where it does depends on
 * the events only: the same count every time, threaded or not. */
Test(trace_rw, pipe_reports_write_errors_at_fixed_points)
{
	struct rlimit lim = { 65536, 65536 };
	char *path = tmp_path();
	uint64_t in, th[3];
	int e;

	signal(SIGXFSZ, SIG_IGN);
	cr_assert(!setrlimit(RLIMIT_FSIZE, &lim));
	in = puts_before_error(path, TRACE_PIPE_INLINE, &e);
	cr_expect_eq(e, -EFBIG);
	cr_expect_lt(in, 200000, "the error stopped the puts");
	for (int k = 0; k < 3; k++) {
		th[k] = puts_before_error(path, TRACE_PIPE_THREAD, &e);
		cr_expect_eq(e, -EFBIG);
		cr_expect_eq(th[k], th[0], "run %d: %llu puts, run 0: %llu", k,
			     (unsigned long long)th[k], (unsigned long long)th[0]);
	}
	cr_expect_geq(th[0], in, "the thread reports no earlier than inline");
	unlink(path);
	free(path);
}

/* An event the writer would refuse is refused through the pipe too, after
 * what was queued before it, in both modes. */
Test(trace_rw, pipe_refuses_what_the_writer_refuses)
{
	for (int mode = TRACE_PIPE_INLINE; mode <= TRACE_PIPE_THREAD; mode++) {
		char *path = tmp_path(), err[256];
		struct trace_writer *w;
		struct trace_pipe *p;
		struct trace_event ev;
		uint8_t buf[TRACE_SYNTH_DATA_MAX];

		cr_assert_eq(trace_writer_open(&w, path, trace_synth_header(), NULL, err,
					       sizeof(err)), 0, "%s", err);
		p = trace_pipe_new(w, (enum trace_pipe_mode)mode, NULL, NULL);
		cr_assert_not_null(p);
		for (uint64_t i = 0; i < 100; i++) {
			trace_synth_event(i, &ev, buf);
			cr_assert_eq(trace_pipe_put(p, &ev), 0);
		}
		memset(&ev, 0, sizeof(ev));
		ev.kind = TRACE_EV_KIND_END;
		ev.icount = trace_synth_final_icount(100);
		cr_expect_eq(trace_pipe_put(p, &ev), -EINVAL);
		cr_expect(strstr(trace_writer_error(w), "event kind"), "%s", trace_writer_error(w));
		cr_expect_eq(trace_writer_events_seen(w), 100, "the queued events went first");
		cr_expect_eq(trace_pipe_free(p), -EINVAL);
		trace_writer_free(w);
		unlink(path);
		free(path);
	}
}

/* A writer made in two steps takes no event, and no finish, before its
 * header, and its header once; trace_writer_open's file is the same as
 * create then begin. */
Test(trace_rw, header_comes_first_and_once)
{
	char *a = tmp_path(), *b = tmp_path(), err[256];
	uint8_t buf[TRACE_SYNTH_DATA_MAX];
	struct trace_writer *w;
	struct trace_event ev;

	trace_synth_event(0, &ev, buf);
	cr_assert_eq(trace_writer_create(&w, a, NULL, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(trace_write_event(w, &ev), -EINVAL);
	cr_expect(strstr(trace_writer_error(w), "before the header"), "%s", trace_writer_error(w));
	trace_writer_free(w);

	cr_assert_eq(trace_writer_create(&w, a, NULL, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(trace_writer_finish(w, 0), -EINVAL);
	cr_expect(strstr(trace_writer_error(w), "no header"), "%s", trace_writer_error(w));
	trace_writer_free(w);

	cr_assert_eq(trace_writer_create(&w, a, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(trace_writer_begin(w, trace_synth_header()), 0, "%s", trace_writer_error(w));
	cr_expect_eq(trace_writer_begin(w, trace_synth_header()), -EINVAL, "a second header");
	trace_writer_free(w);

	cr_assert_eq(trace_writer_create(&w, a, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(trace_writer_begin(w, trace_synth_header()), 0);
	cr_assert_eq(trace_write_event(w, &ev), 0);
	cr_assert_eq(trace_writer_finish(w, trace_synth_final_icount(1)), 0);
	trace_writer_free(w);
	cr_assert_eq(trace_writer_open(&w, b, trace_synth_header(), NULL, err, sizeof(err)), 0);
	cr_assert_eq(trace_write_event(w, &ev), 0);
	cr_assert_eq(trace_writer_finish(w, trace_synth_final_icount(1)), 0);
	trace_writer_free(w);
	expect_same_files(a, b, "open = create + begin");
}
