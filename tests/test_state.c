/*
 * tests/test_state.c: machine state for checkpoints and snapshots: the
 * symmetric visitor, incremental RAM hashing with dirty pages (every write
 * path, the CPU's cached write pointers included), sliced runs that equal
 * unsliced ones, and snapshots that run on exactly like the original.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "cpu/cpu.h"
#include "machine/machine.h"
#include "machine/state.h"
#include "machine/state_io.h"
#include "mem/bulk_hash.h"
#include "mem/mem.h"
#include "replay/chain.h"
#include "replay/observer.h"
#include "tests/testutil.h"

#define BIOS "/usr/share/seabios/bios.bin"

/* ---- the visitor ---- */

struct sample { uint8_t a; uint16_t b; uint32_t c; uint64_t d; int64_t e; int f; uint8_t buf[5]; };

static void sample_visit(struct sample *x, struct state_io *s)
{
	state_io_tag(s, "sample");
	state_io_u8(s, &x->a);
	state_io_u16(s, &x->b);
	state_io_u32(s, &x->c);
	state_io_u64(s, &x->d);
	state_io_i64(s, &x->e);
	state_io_int(s, &x->f);
	state_io_bytes(s, x->buf, sizeof(x->buf));
	state_io_check(s, x->a < 200, "a");
}

Test(state_io, save_load_and_hash_agree)
{
	struct sample x = { 7, 0x1234, 0xdeadbeef, 0x0123456789abcdefull, -5, -77, "abcd" }, y;
	struct state_io s, h1, h2;
	uint8_t *buf;
	size_t len;

	state_io_init_save(&s);
	sample_visit(&x, &s);
	cr_assert(!s.error);
	buf = state_io_take(&s, &len);
	cr_assert_eq(len, 8 + 1 + 2 + 4 + 8 + 8 + 4 + 5);
	cr_expect_eq(buf[8], 7);
	cr_expect_eq(buf[9], 0x34, "little-endian");
	memset(&y, 0, sizeof(y));
	state_io_init_load(&s, buf, len);
	sample_visit(&y, &s);
	cr_assert(!s.error, "%s", s.errmsg);
	cr_expect_eq(s.pos, len);
	cr_expect(y.a == x.a && y.b == x.b && y.c == x.c && y.d == x.d && y.e == x.e && y.f == x.f);
	cr_expect(!memcmp(y.buf, x.buf, 5));
	cr_assert(!state_io_init_hash(&h1) && !state_io_init_hash(&h2));
	sample_visit(&x, &h1);
	y.f++;
	sample_visit(&y, &h2);
	cr_expect_neq(state_io_digest(&h1), state_io_digest(&h2), "a changed field changes the hash");
	state_io_release(&h1);
	state_io_release(&h2);
	free(buf);
}

Test(state_io, short_wrong_or_out_of_range_input_is_an_error)
{
	struct sample x = { 250 }, y;
	struct state_io s;
	uint8_t *buf;
	size_t len;

	state_io_init_save(&s);
	sample_visit(&x, &s);
	buf = state_io_take(&s, &len);
	state_io_init_load(&s, buf, len);
	sample_visit(&y, &s);
	cr_expect(s.error && strstr(s.errmsg, "bad a"), "%s", s.errmsg);
	state_io_init_load(&s, buf, len - 1);
	sample_visit(&y, &s);
	cr_expect(s.error && strstr(s.errmsg, "ends early"), "%s", s.errmsg);
	buf[0] = 'X';
	state_io_init_load(&s, buf, len);
	sample_visit(&y, &s);
	cr_expect(s.error && strstr(s.errmsg, "offset 0") && strstr(s.errmsg, "sample"), "%s",
		  s.errmsg);
	free(buf);
}

/* A caller's buffer too small for the state spills to the heap: the same
 * digest as hashing into a growing buffer; a tag keeps its first 8 bytes,
 * zero-padded; after an error no field is written. */
static void long_tag_visit(struct sample *x, struct state_io *s)
{
	state_io_tag(s, "abcdefghijk");
	state_io_u32(s, &x->c);
}

Test(state_io, small_buffers_spill_and_tags_are_eight_bytes)
{
	struct sample x = { 7, 0x1234, 0xdeadbeef, 0x0123456789abcdefull, -5, -77, "abcd" }, y;
	uint8_t small[10], *buf;
	struct state_io s, h;
	size_t len;

	cr_assert(!state_io_init_hash(&h));
	sample_visit(&x, &h);
	state_io_init_hash_buf(&s, small, sizeof(small));
	sample_visit(&x, &s);
	cr_assert(!s.error);
	cr_expect_eq(s.len, h.len);
	cr_expect_eq(state_io_digest(&s), state_io_digest(&h), "spilled to the heap");
	cr_expect(!memcmp(s.buf, "sample\0\0", 8), "the tag, zero-padded");
	state_io_release(&s);
	state_io_release(&h);

	state_io_init_save(&s);
	long_tag_visit(&x, &s);
	buf = state_io_take(&s, &len);
	cr_assert_eq(len, 12);
	cr_expect(!memcmp(buf, "abcdefgh", 8), "a long tag keeps 8 bytes");
	memset(&y, 0, sizeof(y));
	state_io_init_load(&s, buf, len);
	long_tag_visit(&y, &s);
	cr_expect(!s.error && y.c == x.c, "%s", s.errmsg);
	free(buf);

	state_io_init_save(&s);
	sample_visit(&x, &s);
	len = s.len;
	state_io_fail(&s, "stop");
	sample_visit(&x, &s);
	cr_expect_eq(s.len, len, "nothing written after an error");
	state_io_release(&s);
}

/* ---- RAM hashing ---- */

static uint64_t fresh_hash(struct mem *m)
{
	/* The same contents hashed from scratch in another address space. */
	struct mem *n = mem_new(mem_ram_size(m));
	uint64_t h;
	memcpy(mem_ram_ptr(n), mem_ram_ptr(m), mem_ram_size(m));
	mem_dirty_mark_all(n);    /* the contract for writes through mem_ram_ptr */
	h = mem_ram_hash(n);
	mem_free(n);
	return h;
}

Test(ram_hash, every_write_path_marks_pages)
{
	struct mem *m = mem_new(1 << 20);
	uint64_t h0, h1, h2, h3;
	uint8_t *p;

	cr_assert(m);
	h0 = mem_ram_hash(m);
	cr_expect_eq(mem_dirty_count(m), 0);
	cr_expect_eq(mem_ram_hash(m), h0, "nothing written, same hash");
	mem_write(m, 0x5000, 0x11223344, 4);
	cr_expect_eq(mem_dirty_count(m), 1);
	h1 = mem_ram_hash(m);
	cr_expect_neq(h1, h0);
	cr_expect_eq(h1, fresh_hash(m));
	mem_write_buf(m, 0x6FFE, "abcd", 4);           /* crosses a page */
	cr_expect_eq(mem_dirty_count(m), 2);
	h2 = mem_ram_hash(m);
	cr_expect_eq(h2, fresh_hash(m));
	/* The CPU's fast path: a write pointer counts as a write when handed out. */
	p = mem_page_write_ptr(m, 0x9000);
	cr_assert(p);
	cr_expect_eq(mem_dirty_count(m), 1);
	p[12] = 0x5A;
	h3 = mem_ram_hash(m);
	cr_expect_neq(h3, h2);
	cr_expect_eq(h3, fresh_hash(m));
	/* Writing the old value back gives the old hash: it depends on contents only. */
	mem_write(m, 0x9000 + 12, 0, 1);
	cr_expect_eq(mem_ram_hash(m), h2);
	mem_free(m);
}

/* The RAM hash as docs/replay.md defines it, from scratch: the sum over
 * pages of XXH3-64 (seed = page index) of the page's XXH3-64, 8 bytes LE. */
static uint64_t ram_hash_by_definition(struct mem *m)
{
	const uint8_t *ram = mem_ram_ptr(m);
	uint64_t sum = 0;

	for (uint64_t pg = 0; pg < mem_ram_size(m) / 4096; pg++) {
		uint64_t h = XXH3_64bits(ram + pg * 4096, 4096);
		uint8_t b[8];

		for (int i = 0; i < 8; i++)
			b[i] = (uint8_t)(h >> (8 * i));
		sum += XXH3_64bits_withSeed(b, 8, pg);
	}
	return sum;
}

Test(ram_hash, equals_its_definition_wherever_pages_are_written)
{
	/* 1280 pages: 20 words of dirty bits, two runs of 8 and a tail of 4. */
	struct mem *m = mem_new(1280 * 4096);
	const uint64_t pages[] = { 0, 3, 63, 64, 511, 512, 1023, 1024, 1279 };

	cr_assert(m);
	cr_expect_eq(mem_ram_hash(m), ram_hash_by_definition(m), "all zero");
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		mem_write(m, pages[i] * 4096 + 100 + i, 0xA5A50000u | (uint32_t)i, 4);
		cr_expect_eq(mem_ram_hash(m), ram_hash_by_definition(m), "after page %llu",
			     (unsigned long long)pages[i]);
	}
	/* Back to zero: the zero page's hash again. */
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		mem_write(m, pages[i] * 4096 + 100 + i, 0, 4);
	cr_expect_eq(mem_dirty_count(m), sizeof(pages) / sizeof(pages[0]));
	cr_expect_eq(mem_ram_hash(m), ram_hash_by_definition(m), "zero again");
	mem_free(m);
}

Test(ram_hash, bulk_hash_is_xxh3)
{
	/* mem/bulk_hash.h may take another vector path: the values must not move. */
	static uint8_t buf[70000];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 7));
	for (size_t n = 0; n <= sizeof(buf); n = n < 300 ? n + 1 : n * 3 + 17) {
		XXH128_hash_t a = bulk_hash128(buf, n), b = XXH3_128bits(buf, n);
		XXH3_state_t *st = XXH3_createState();

		cr_assert_eq(bulk_hash64(buf, n), XXH3_64bits(buf, n), "64 bits, %zu bytes", n);
		cr_assert(a.low64 == b.low64 && a.high64 == b.high64, "128 bits, %zu bytes", n);
		cr_assert(st);
		XXH3_128bits_reset(st);
		bulk_hash128_update(st, buf, n / 3);
		bulk_hash128_update(st, buf + n / 3, n - n / 3);
		a = XXH3_128bits_digest(st);
		cr_assert(a.low64 == b.low64 && a.high64 == b.high64, "streamed, %zu bytes", n);
		XXH3_freeState(st);
	}
}

/* ---- whole machines ---- */

struct events {
	struct trace_chains chains;
	struct bytebuf scratch;
	uint64_t n;
};

static void on_event(void *opaque, const struct trace_event *ev)
{
	struct events *e = opaque;
	if (ev->kind != TRACE_EV_CHECKPOINT)
		trace_chains_feed_event(&e->chains, ev, &e->scratch);
	e->n++;
}

static struct machine *new_machine(enum machine_kind kind)
{
	struct machine_config cfg;
	char err[512];
	struct machine *m;

	if (access(BIOS, R_OK))
		cr_skip_test("SeaBIOS is not installed (scripts/setup installs it)");
	config_init(&cfg);
	cfg.kind = kind;
	cfg.bios = BIOS;
	cfg.serial = "none";
	cfg.disks[cfg.ndisks++] = tu_build_path("pc-bios/demo.img");  /* kept by the config */
	m = machine_new(&cfg, NULL, err, sizeof(err));
	cr_assert(m, "%s", err);
	return m;
}

static void attach(struct observer *o, struct machine *m, struct events *e)
{
	memset(e, 0, sizeof(*e));
	trace_chains_init(&e->chains);
	bytebuf_init(&e->scratch);
	cr_assert(!observer_attach(o, m, on_event, e));
}

static void run_to(struct machine *m, uint64_t icount, uint64_t step)
{
	while (cpu_icount(machine_cpu(m)) < icount) {
		uint64_t b = cpu_icount(machine_cpu(m)) + step;
		int at;
		machine_run_slice(m, NULL, b < icount ? b : icount, &at);
		cr_assert(at, "the guest stopped before icount %llu", (unsigned long long)icount);
	}
}

Test(machine_state, sliced_runs_equal_unsliced, .timeout = 300)
{
	struct machine *a = new_machine(MACHINE_PC), *b = new_machine(MACHINE_PC);
	struct observer oa, ob;
	struct events ea, eb;
	struct machine_hashes ha, hb;
	struct machine_until u = { UNTIL_ICOUNT, 1500000 };

	attach(&oa, a, &ea);
	attach(&ob, b, &eb);
	cr_assert_eq(machine_run(a, &u), MACHINE_STOP_UNTIL);
	run_to(b, 1500000, 997);    /* odd slices: boundaries land everywhere */
	machine_hash_state(a, &ha);
	machine_hash_state(b, &hb);
	cr_expect_eq(ha.cpu, hb.cpu);
	cr_expect_eq(ha.ram, hb.ram);
	cr_expect_eq(ha.dev, hb.dev);
	cr_expect_eq(ea.n, eb.n);
	cr_expect(!memcmp(&ea.chains, &eb.chains, sizeof(ea.chains)), "same events");
	cr_expect_gt(ea.n, 1000);
	observer_detach(&oa);
	observer_detach(&ob);
	machine_free(a);
	machine_free(b);
}

/* Save at 1M, run on to 2.5M; a fresh machine loads the snapshot and runs on:
 * the same events and the same state. */
static void snapshot_runs_on(enum machine_kind kind)
{
	struct machine *a = new_machine(kind), *b = new_machine(kind);
	struct observer oa, ob;
	struct events ea, eb;
	struct machine_hashes ha, hb, hs;
	uint8_t *snap;
	size_t len;
	char err[512];

	run_to(a, 1000000, 1000000);
	cr_assert(!machine_snapshot_save(a, &snap, &len, err, sizeof(err)), "%s", err);
	machine_hash_state(a, &hs);
	attach(&oa, a, &ea);
	run_to(a, 2500000, 2500000);
	machine_hash_state(a, &ha);

	cr_assert(!machine_snapshot_load(b, snap, len, err, sizeof(err)), "%s", err);
	machine_hash_state(b, &hb);
	cr_expect_eq(hb.cpu, hs.cpu);
	cr_expect_eq(hb.ram, hs.ram);
	cr_expect_eq(hb.dev, hs.dev, "device state survives save and load");
	attach(&ob, b, &eb);
	run_to(b, 2500000, 2500000);
	machine_hash_state(b, &hb);
	cr_expect_eq(ha.cpu, hb.cpu);
	cr_expect_eq(ha.ram, hb.ram);
	cr_expect_eq(ha.dev, hb.dev);
	cr_expect_eq(ea.n, eb.n);
	cr_expect_gt(ea.n, 100);
	cr_expect(!memcmp(&ea.chains, &eb.chains, sizeof(ea.chains)), "same events after the load");

	/* A version-1 snapshot (no TLB section, offset 12 zero) still loads. */
	{
		size_t ntlb = cpu_tlb_state_size(), l1 = len - ntlb;
		uint8_t *v1 = malloc(l1);
		uint64_t sum;
		cr_assert(v1);
		cr_expect_eq(snap[8], 2, "this lockstep writes version 2");
		memcpy(v1, snap, l1 - 8);
		v1[8] = 1;
		memset(v1 + 12, 0, 4);
		sum = XXH3_64bits(v1, l1 - 8);
		for (int i = 0; i < 8; i++)
			v1[l1 - 8 + i] = (uint8_t)(sum >> (8 * i));
		cr_expect(!machine_snapshot_load(b, v1, l1, err, sizeof(err)), "%s", err);
		machine_hash_state(b, &hb);
		cr_expect_eq(hb.cpu, hs.cpu);
		cr_expect_eq(hb.ram, hs.ram);
		v1[12] = 9;   /* a version-1 snapshot with a TLB length: sizes disagree */
		cr_expect(machine_snapshot_load(b, v1, l1, err, sizeof(err)), "bad v1 accepted");
		free(v1);
	}

	/* Damaged snapshots are refused with an offset, never a crash. */
	snap[len / 2] ^= 1;
	cr_expect(machine_snapshot_load(b, snap, len, err, sizeof(err)) && strstr(err, "checksum"),
		  "%s", err);
	cr_expect(machine_snapshot_load(b, snap, 40, err, sizeof(err)) && strstr(err, "offset"),
		  "%s", err);
	memcpy(snap, "garbage!", 8);
	cr_expect(machine_snapshot_load(b, snap, len, err, sizeof(err)) && strstr(err, "magic"),
		  "%s", err);
	free(snap);
	observer_detach(&oa);
	observer_detach(&ob);
	machine_free(a);
	machine_free(b);
}

Test(machine_state, snapshot_runs_on_like_the_original_isapc, .timeout = 300)
{
	snapshot_runs_on(MACHINE_ISAPC);
}

Test(machine_state, snapshot_runs_on_like_the_original_pc, .timeout = 300)
{
	snapshot_runs_on(MACHINE_PC);
}

Test(machine_state, snapshot_of_another_configuration_is_refused, .timeout = 120)
{
	struct machine *a = new_machine(MACHINE_ISAPC);
	struct machine_config cfg;
	struct machine *b;
	uint8_t *snap;
	size_t len;
	char err[512];

	config_init(&cfg);
	cfg.kind = MACHINE_ISAPC;
	cfg.bios = BIOS;
	cfg.serial = "none";
	cfg.ram_size = 64ull << 20;
	b = machine_new(&cfg, NULL, err, sizeof(err));
	cr_assert(b, "%s", err);
	cr_assert(!machine_snapshot_save(a, &snap, &len, err, sizeof(err)), "%s", err);
	cr_expect(machine_snapshot_load(b, snap, len, err, sizeof(err)) &&
		  strstr(err, "different machine configuration"), "%s", err);
	free(snap);
	machine_free(a);
	machine_free(b);
}
