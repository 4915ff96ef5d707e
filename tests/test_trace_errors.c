/* tests/test_trace_errors.c: bad input to the trace reader: truncation, bit
 * flips, foreign and newer files, crafted frames. Every case must give one
 * line naming an offset, and nothing may crash (CI runs this under ASan). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "replay/trace_reader.h"
#include "replay/trace_synth.h"
#include "tests/testutil.h"

static uint8_t *synth_bytes(uint64_t n, uint32_t frame_events, size_t *size)
{
	struct trace_synth_options o = { n, 0, frame_events, 0, 0 };
	char t[] = "/tmp/ls-trace-err-XXXXXX", err[256];
	int fd = mkstemp(t);
	uint8_t *d;

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(trace_synth_write(t, &o, err, sizeof(err)), 0, "%s", err);
	d = tu_read_file(t, size);
	cr_assert_not_null(d);
	unlink(t);
	return d;
}

/* Opens and reads every event. Returns 0 with the event count, or -1 with the
 * error (from open or from reading) in err. */
static int read_all(const uint8_t *d, size_t n, enum trace_read_mode mode, char *err,
		    size_t errlen, uint64_t *events, int *warned)
{
	struct trace_reader *r;
	struct trace_event ev;
	int rc;

	*events = 0;
	*warned = 0;
	if (trace_reader_open_mem(&r, d, n, mode, err, errlen))
		return -1;
	*warned = trace_reader_warning(r) != NULL;
	while ((rc = trace_reader_next(r, &ev)) > 0)
		(*events)++;
	if (rc < 0)
		snprintf(err, errlen, "%s", trace_reader_error(r));
	trace_reader_close(r);
	return rc;
}

static void expect_offset_line(const char *err)
{
	cr_expect_eq(strncmp(err, "offset ", 7), 0, "names an offset: '%s'", err);
	cr_expect_null(strchr(err, '\n'), "one line: '%s'", err);
	cr_expect_gt(strlen(err), 12, "says what is wrong: '%s'", err);
}

static void expect_error(const uint8_t *d, size_t n, const char *want)
{
	char err[400];
	uint64_t events;
	int warned;

	for (int mode = TRACE_READ_STRICT; mode <= TRACE_READ_SALVAGE; mode++) {
		err[0] = 0;
		cr_assert_eq(read_all(d, n, mode, err, sizeof(err), &events, &warned), -1,
			     "expected '%s' (mode %d)", want, mode);
		expect_offset_line(err);
		cr_expect(strstr(err, want) != NULL, "expected '%s', got '%s'", want, err);
	}
}

Test(trace_errors, empty_file)
{
	char t[] = "/tmp/ls-trace-empty-XXXXXX", err[256];
	int fd = mkstemp(t);
	struct trace_reader *r;

	cr_assert_geq(fd, 0);
	close(fd);
	cr_expect_eq(trace_reader_open(&r, t, TRACE_READ_SALVAGE, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "offset 0: empty file");
	cr_expect_null(r);
	unlink(t);
	cr_expect_eq(trace_reader_open(&r, t, TRACE_READ_SALVAGE, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "No such file or directory");
}

Test(trace_errors, wrong_magic)
{
	static const uint8_t elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

	expect_error(elf, sizeof(elf), "offset 0: not a lockstep trace (bad magic)");
	expect_error((const uint8_t *)"hello", 5, "offset 0: not a lockstep trace (bad magic)");
}

Test(trace_errors, newer_format_version)
{
	size_t n;
	uint8_t *d = synth_bytes(40, 0, &n);

	char want[128];

	d[8] = TRACE_FORMAT_VERSION + 1;
	snprintf(want, sizeof(want), "offset 8: format version %d is newer than this lockstep "
		 "supports (%d)", TRACE_FORMAT_VERSION + 1, TRACE_FORMAT_VERSION);
	expect_error(d, n, want);
	d[8] = 0;
	expect_error(d, n, "offset 8: invalid format version 0");
	free(d);
}

/* Every cut of a trace: strict mode names the cut; salvage mode reads the
 * frames that are complete before it. */
Test(trace_errors, truncation_at_every_point)
{
	size_t n, nframes;
	uint8_t *d = synth_bytes(300, 20, &n);
	struct trace_reader *full;
	struct trace_event ev;
	uint64_t hlen, ends[64], firsts[64];
	char err[400];

	cr_assert_eq(trace_reader_open_mem(&full, d, n, TRACE_READ_STRICT, err, sizeof(err)), 0);
	while (trace_reader_next(full, &ev) > 0)
		;
	nframes = trace_reader_nframes(full);
	cr_assert_eq(nframes, 15);
	hlen = trace_reader_frame(full, 0)->offset;
	for (size_t i = 0; i < nframes; i++) {
		const struct trace_frame_info *f = trace_reader_frame(full, i);
		ends[i] = f->offset + TRACE_FRAME_HEADER_SIZE + f->csize;
		firsts[i] = f->first_event;
	}
	trace_reader_close(full);

	for (size_t cut = 0; cut < n; cut++) {
		uint64_t events, want = 0;
		char prefix[64];
		int warned, rc;

		rc = read_all(d, cut, TRACE_READ_STRICT, err, sizeof(err), &events, &warned);
		cr_assert_eq(rc, -1, "cut %zu accepted in strict mode", cut);
		snprintf(prefix, sizeof(prefix), "offset %zu: ", cut);
		cr_expect_eq(strncmp(err, prefix, strlen(prefix)), 0, "cut %zu: '%s'", cut, err);
		cr_expect(strstr(err, cut ? "truncated" : "empty file") != NULL, "cut %zu: '%s'", cut,
			  err);
		cr_expect_null(strchr(err, '\n'));

		rc = read_all(d, cut, TRACE_READ_SALVAGE, err, sizeof(err), &events, &warned);
		if (cut < hlen) {
			cr_expect_eq(rc, -1, "cut %zu inside the header", cut);
			continue;
		}
		cr_assert_eq(rc, 0, "cut %zu: '%s'", cut, err);
		cr_expect(warned, "cut %zu: a warning", cut);
		for (size_t i = 0; i < nframes; i++)
			if (ends[i] <= cut)
				want = i + 1 < nframes ? firsts[i + 1] : 300;
		cr_expect_eq(events, want, "cut %zu: %llu events", cut, (unsigned long long)events);
	}
	free(d);
}

/* A flipped bit anywhere is an error (in both modes) naming an offset. */
Test(trace_errors, bit_flip_anywhere_is_detected)
{
	size_t n;
	uint8_t *d = synth_bytes(60, 16, &n);
	char err[400];
	uint64_t events;
	int warned;

	cr_assert_eq(read_all(d, n, TRACE_READ_STRICT, err, sizeof(err), &events, &warned), 0);
	cr_assert_eq(events, 60);
	for (size_t pos = 0; pos < n; pos++) {
		d[pos] ^= (uint8_t)(1u << (pos % 8));
		for (int mode = TRACE_READ_STRICT; mode <= TRACE_READ_SALVAGE; mode++) {
			err[0] = 0;
			cr_assert_eq(read_all(d, n, mode, err, sizeof(err), &events, &warned), -1,
				     "flip at %zu not detected (mode %d)", pos, mode);
			expect_offset_line(err);
		}
		d[pos] ^= (uint8_t)(1u << (pos % 8));
	}
	free(d);
}

/* The message says which part is damaged. */
Test(trace_errors, bit_flip_messages)
{
	size_t n;
	uint8_t *d = synth_bytes(60, 16, &n);
	uint64_t hlen = le_get32(d + 12), foot = n - TRACE_FOOTER_SIZE, idx = le_get64(d + foot);
	char want[128];
	struct { uint64_t pos; const char *msg; } cases[] = {
		{ 20, "header checksum mismatch" },
		{ hlen + 9, "frame 0: frame header checksum mismatch" },
		{ hlen, "frame 0: bad frame magic" },
		{ hlen + TRACE_FRAME_HEADER_SIZE + 5, "frame 0: payload checksum mismatch" },
		{ idx + 30, "index checksum mismatch" },
		{ idx, "bad index magic" },
		{ foot + 2, "footer checksum mismatch" },
		{ n - 2, "bad footer magic" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d[cases[i].pos] ^= 0x10;
		expect_error(d, n, cases[i].msg);
		d[cases[i].pos] ^= 0x10;
	}
	snprintf(want, sizeof(want), "offset %llu: frame 0: payload checksum mismatch",
		 (unsigned long long)(hlen + TRACE_FRAME_HEADER_SIZE));
	d[hlen + TRACE_FRAME_HEADER_SIZE + 5] ^= 1;
	expect_error(d, n, want);
	free(d);
}

Test(trace_errors, trailing_garbage)
{
	size_t n;
	uint8_t *d = synth_bytes(30, 0, &n), *e = calloc(1, n + 5);

	memcpy(e, d, n);
	expect_error(e, n + 5, "5 unexpected bytes after the footer");
	free(d);
	free(e);
}

/* A complete, correctly checksummed trace around hand-made records, to reach
 * the event decoder's checks. */
struct crafted {
	uint8_t *data;
	size_t size;
};

static struct crafted craft_version(uint32_t version, const uint8_t *rec, size_t len,
				    uint32_t nevents, const uint64_t *frame_chains,
				    const uint64_t *final_chains, uint64_t seen)
{
	struct trace_frame_info f;
	struct trace_footer ft;
	struct bytebuf b;
	size_t bound = ZSTD_compressBound(len), cs, idx;
	uint8_t fh[TRACE_FRAME_HEADER_SIZE], *z = malloc(bound), ie[TRACE_INDEX_ENTRY];
	uint8_t fb[TRACE_FOOTER_SIZE];
	struct crafted c;

	bytebuf_init(&b);
	trace_header_encode(trace_synth_header(), &b);
	cr_assert(!b.oom);
	le_put32(b.data + 8, version);
	le_put64(b.data + b.len - 8, XXH3_64bits(b.data, b.len - 8));
	cs = ZSTD_compress(z, bound, rec, len, 1);
	cr_assert(!ZSTD_isError(cs));
	memset(&f, 0, sizeof(f));
	f.offset = b.len;
	f.nevents = nevents;
	f.first_icount = 100;
	f.csize = (uint32_t)cs;
	f.usize = (uint32_t)len;
	if (frame_chains)
		memcpy(f.chains, frame_chains, sizeof(f.chains));
	f.payload_hash = XXH3_64bits(z, cs);
	trace_frame_header_encode(&f, fh);
	bytebuf_put(&b, fh, sizeof(fh));
	bytebuf_put(&b, z, cs);
	idx = b.len;
	bytebuf_put(&b, TRACE_INDEX_MAGIC, 4);
	bytebuf_put_le32(&b, 0);
	bytebuf_put_le64(&b, 1);
	trace_index_entry_encode(&f, ie);
	bytebuf_put(&b, ie, sizeof(ie));
	bytebuf_put_le64(&b, XXH3_64bits(b.data + idx, b.len - idx));
	memset(&ft, 0, sizeof(ft));
	ft.index_offset = idx;
	ft.nframes = 1;
	ft.events_stored = nevents;
	ft.events_seen = seen;
	ft.final_icount = 1000;
	if (final_chains)
		memcpy(ft.chains, final_chains, sizeof(ft.chains));
	trace_footer_encode(&ft, fb);
	bytebuf_put(&b, fb, sizeof(fb));
	cr_assert(!b.oom);
	free(z);
	c.data = b.data;
	c.size = b.len;
	return c;
}

static struct crafted craft(const uint8_t *rec, size_t len, uint32_t nevents,
			    const uint64_t *frame_chains, const uint64_t *final_chains,
			    uint64_t seen)
{
	return craft_version(TRACE_FORMAT_VERSION, rec, len, nevents, frame_chains, final_chains,
			     seen);
}

static void expect_crafted_error(const uint8_t *rec, size_t len, uint32_t nevents, const char *want)
{
	struct crafted c = craft(rec, len, nevents, NULL, NULL, 1000);

	expect_error(c.data, c.size, want);
	free(c.data);
}

Test(trace_errors, crafted_records)
{
	/* tag, icount delta, payload length, payload */
	static const uint8_t unknown_kind[] = { 0xf9, 0x01, 0x00, 0x00 };
	static const uint8_t newer_kind[] = { 0x42, 0x00, 0x03, 0x01, 0x80, 0x01 };
	static const uint8_t pam_trailing[] = { 0x19, 0x00, 0x04, 0x59, 0x00, 0x30, 0x07 };
	static const uint8_t pam_bad_reg[] = { 0x19, 0x00, 0x03, 0x20, 0x00, 0x30 };
	static const uint8_t port_too_big[] = { 0x41, 0x00, 0x05, 0x01, 0x80, 0x80, 0x04, 0x01 };
	static const uint8_t overrun[] = { 0x19, 0x00, 0x32, 0x59, 0x00, 0x30 };
	static const uint8_t cut_varint[] = { 0x19, 0x00, 0x03, 0x59, 0x00, 0x30, 0x19, 0x80 };
	static const uint8_t first_delta[] = { 0x19, 0x05, 0x03, 0x59, 0x00, 0x30 };
	static const uint8_t extra[] = { 0x19, 0x00, 0x03, 0x59, 0x00, 0x30, 0x19, 0x00, 0x03, 0x59,
					 0x00, 0x30 };
	static const uint8_t bad_data_len[] = { 0x49, 0x00, 0x04, 0x82, 0x08, 0x05, 0x41 };
	static const uint8_t pam[] = { 0x19, 0x00, 0x03, 0x59, 0x00, 0x30 };
	struct crafted ok = craft(pam, sizeof(pam), 1, NULL, NULL, 1000);
	uint64_t events;
	char err[400];
	int warned;

	/* Control: one well-formed PAM record reads fine. */
	cr_assert_eq(read_all(ok.data, ok.size, TRACE_READ_STRICT, err, sizeof(err), &events,
			      &warned), 0, "%s", err);
	cr_expect_eq(events, 1);
	free(ok.data);
	expect_crafted_error(unknown_kind, sizeof(unknown_kind), 1,
			     "event 0, uncompressed byte 0: unknown event kind 31");
	expect_crafted_error(newer_kind, sizeof(newer_kind), 1,
			     "event IO encoding version 2 is newer than this lockstep supports (1)");
	expect_crafted_error(pam_trailing, sizeof(pam_trailing), 1, "PAM payload has 1 trailing bytes");
	expect_crafted_error(pam_bad_reg, sizeof(pam_bad_reg), 1, "PAM register 32 out of range");
	expect_crafted_error(port_too_big, sizeof(port_too_big), 1, "IO address 65536 out of range");
	expect_crafted_error(overrun, sizeof(overrun), 1, "payload overruns the frame");
	expect_crafted_error(cut_varint, sizeof(cut_varint), 2,
			     "event 1, uncompressed byte 8: truncated varint");
	expect_crafted_error(first_delta, sizeof(first_delta), 1, "bad icount delta");
	expect_crafted_error(extra, sizeof(extra), 1, "6 bytes after its last event");
	expect_crafted_error(bad_data_len, sizeof(bad_data_len), 1, "overrun the payload");
}

/* Reads one crafted record of the given format version: 0 with the event, or
 * -1 with the error in err. */
static int read_crafted(uint32_t version, const uint8_t *rec, size_t len, uint32_t nevents,
			struct trace_event *ev, char *err, size_t errlen)
{
	struct crafted c = craft_version(version, rec, len, nevents, NULL, NULL, 1000);
	struct trace_reader *r;
	int rc;

	cr_assert_eq(trace_reader_open_mem(&r, c.data, c.size, TRACE_READ_STRICT, err, errlen), 0,
		     "%s", err);
	cr_assert_eq(trace_reader_header(r)->format_version, version);
	while ((rc = trace_reader_next(r, ev)) > 0)
		;
	if (rc < 0)
		snprintf(err, errlen, "%s", trace_reader_error(r));
	trace_reader_close(r);
	free(c.data);
	return rc;
}

/* What format 2 added to the event kinds (§11) is corrupt in a format-1
 * file, in both modes, with the offset of the offending record or field.
 * MMIO writes and milestone id 3 were in format 1's encoding already: a
 * format-1 file may hold them. */
Test(trace_errors, format_2_events_in_a_format_1_trace)
{
	/* tag, icount delta, payload length, payload */
	static const uint8_t pam_smm[] = { 0x19, 0x00, 0x03, 0x59, 0x00, 0x30,
					   0x71, 0x00, 0x06, 0x01, 0x80, 0x80, 0x0c, 0x00, 0x00 };
	static const uint8_t idle[] = { 0x59, 0x00, 0x03, 0x04, 0x05, 0x00 };
	static const uint8_t mmio[] = { 0x41, 0x00, 0x07, 0x0f, 0xb0, 0x81, 0x80, 0xf7, 0x0f, 0x01 };
	static const uint8_t shadow_done[] = { 0x61, 0x00, 0x02, 0x03, 0x00 };
	static const uint8_t serial[] = { 0x59, 0x00, 0x04, 0x00, 0xf8, 0x07, 0x00 };
	struct trace_event ev;
	struct crafted c;
	char err[400];

	/* Format 2 has them all. */
	cr_expect_eq(read_crafted(2, pam_smm, sizeof(pam_smm), 2, &ev, err, sizeof(err)), 0, "%s",
		     err);
	cr_expect_eq(ev.kind, TRACE_EV_SMM);
	cr_expect_eq(ev.u.smm.smbase, 0x30000);
	cr_expect_eq(read_crafted(2, idle, sizeof(idle), 1, &ev, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(ev.u.input.kind, TRACE_INPUT_IDLE);

	/* Format 1 has none of these two. */
	c = craft_version(1, pam_smm, sizeof(pam_smm), 2, NULL, NULL, 1000);
	expect_error(c.data, c.size, "frame 0, event 1, uncompressed byte 6: event SMM (kind 14) "
		     "is not in format version 1");
	free(c.data);
	c = craft_version(1, idle, sizeof(idle), 1, NULL, NULL, 1000);
	expect_error(c.data, c.size, "frame 0, event 0, uncompressed byte 3: input kind 4 (idle) "
		     "is not in format version 1");
	free(c.data);

	/* But it has the rest: the other input kinds, MMIO writes, milestone 3. */
	cr_expect_eq(read_crafted(1, serial, sizeof(serial), 1, &ev, err, sizeof(err)), 0, "%s",
		     err);
	cr_expect_eq(ev.u.input.kind, TRACE_INPUT_SERIAL);
	cr_expect_eq(read_crafted(1, mmio, sizeof(mmio), 1, &ev, err, sizeof(err)), 0, "%s", err);
	cr_expect(ev.kind == TRACE_EV_IO && ev.u.io.mmio && ev.u.io.size == 8);
	cr_expect_eq(ev.u.io.addr, 0xfee000b0);
	cr_expect_eq(read_crafted(1, shadow_done, sizeof(shadow_done), 1, &ev, err, sizeof(err)), 0,
		     "%s", err);
	cr_expect_eq(ev.u.milestone.id, TRACE_MS_SHADOW_DONE);
}

/* With every event stored, the reader recomputes the chains and catches a
 * checkpoint, frame or footer that disagrees. */
Test(trace_errors, chain_mismatch)
{
	static const uint8_t ckpt[] = {
		0x69, 0x00, 80,
		1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 9,
	};
	static const uint8_t ms[] = { 0x61, 0x00, 0x02, 0x00, 0x00 };
	uint64_t zero[TRACE_NSTREAMS] = { 0 }, one[TRACE_NSTREAMS] = { 1 };
	struct crafted c;
	uint64_t events;
	char err[400];
	int warned;

	/* The last chain (ALL) claims 9 << 56 where the events give 0. */
	c = craft(ckpt, sizeof(ckpt), 1, zero, zero, 1);
	expect_error(c.data, c.size, "checkpoint chain hashes do not match the events");
	free(c.data);
	/* The footer's chains disagree with the frame's events. */
	c = craft(ms, sizeof(ms), 1, zero, one, 1);
	expect_error(c.data, c.size, "frame 0: chain hashes do not match the footer");
	free(c.data);
	/* The same trace with one event not stored: nothing to verify. */
	c = craft(ms, sizeof(ms), 1, zero, one, 2);
	cr_expect_eq(read_all(c.data, c.size, TRACE_READ_STRICT, err, sizeof(err), &events,
			      &warned), 0, "%s", err);
	free(c.data);
}
