/* tests/test_isa_misc.c: debugcon, POST, debug-exit, port 0x92 and the 8237
 * register file (machine/isa_misc.c, machine/isa_dma.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "machine/isa_dma.h"
#include "machine/isa_misc.h"

struct sink {
	uint8_t buf[64];
	size_t n;
};

static void sink_out(void *opaque, const uint8_t *buf, size_t len)
{
	struct sink *s = opaque;
	cr_assert(s->n + len <= sizeof(s->buf));
	memcpy(s->buf + s->n, buf, len);
	s->n += len;
}

Test(debugcon, reads_e9_and_forwards_bytes)
{
	struct sink s = { .n = 0 };
	struct debugcon *d = debugcon_new(sink_out, &s);
	cr_assert(d);
	cr_expect_eq(debugcon_io_read(d, 0, 1), 0xE9);
	debugcon_io_write(d, 0, 'o', 1);
	debugcon_io_write(d, 0, 0x4B, 1);
	debugcon_io_write(d, 0, 0x10A, 2);     /* only the low byte goes out */
	cr_expect_eq(s.n, 3);
	cr_expect(memcmp(s.buf, "oK\n", 3) == 0);
	debugcon_free(d);
}

Test(post, remembers_last_code)
{
	struct post_port *pp = post_port_new();
	cr_assert(pp);
	cr_expect_eq(post_port_get(pp), 0);
	post_port_io_write(pp, 0, 0x12, 1);
	post_port_io_write(pp, 0, 0xA5, 1);
	cr_expect_eq(post_port_get(pp), 0xA5);
	cr_expect_eq(post_port_io_read(pp, 0, 1), 0xA5);
	post_port_reset(pp);
	cr_expect_eq(post_port_get(pp), 0xA5);
	post_port_free(pp);
}

struct exits {
	int value;
	int calls;
};

static void on_exit_req(void *opaque, int value)
{
	struct exits *e = opaque;
	e->value = value;
	e->calls++;
}

Test(debug_exit, passes_value_written)
{
	struct exits ex = { -1, 0 };
	struct debug_exit *e = debug_exit_new(on_exit_req, &ex);
	cr_assert(e);
	debug_exit_io_write(e, 0, 0x31, 1);
	cr_expect_eq(ex.calls, 1);
	cr_expect_eq(ex.value, 0x31);
	debug_exit_io_write(e, 0, 0, 1);
	cr_expect_eq(ex.value, 0);
	debug_exit_io_write(e, 0, 0x12345, 2);
	cr_expect_eq(ex.value, 0x2345);
	cr_expect_eq(debug_exit_io_read(e, 0, 1), 0xFF);
	cr_expect_eq(debug_exit_io_read(e, 0, 2), 0xFFFF);
	debug_exit_free(e);
}

struct sysctl {
	int a20;
	int a20_calls;
	int resets;
	int kind;
};

static void on_a20(void *opaque, int on)
{
	struct sysctl *s = opaque;
	s->a20 = on;
	s->a20_calls++;
}

static void on_reset(void *opaque, int kind)
{
	struct sysctl *s = opaque;
	s->resets++;
	s->kind = kind;
}

Test(port92, a20_and_fast_init)
{
	struct sysctl s = { 1, 0, 0, 0 };
	struct port92 *p = port92_new(on_a20, on_reset, &s);
	cr_assert(p);
	cr_expect_eq(port92_io_read(p, 0, 1), 0x02);
	port92_io_write(p, 0, 0x00, 1);
	cr_expect_eq(s.a20, 0);
	cr_expect_eq(s.a20_calls, 1);
	port92_io_write(p, 0, 0x02, 1);
	cr_expect_eq(s.a20, 1);
	cr_expect_eq(s.resets, 0);
	port92_io_write(p, 0, 0x03, 1);        /* 0 -> 1 on bit 0: INIT */
	cr_expect_eq(s.resets, 1);
	cr_expect_eq(s.kind, ISA_RESET_INIT);
	cr_expect_eq(port92_io_read(p, 0, 1), 0x03);
	port92_io_write(p, 0, 0x03, 1);        /* no new edge */
	cr_expect_eq(s.resets, 1);
	cr_expect_eq(s.a20_calls, 2);
	port92_reset(p);
	cr_expect_eq(port92_io_read(p, 0, 1), 0x02);
	port92_free(p);
}

Test(isa_dma, registers_read_back)
{
	struct isa_dma *d = isa_dma_new();
	cr_assert(d);
	/* Reset: all channels masked. */
	cr_expect_eq(isa_dma1_io_read(d, 0x0F, 1), 0xFF);
	/* What SeaBIOS writes: master clear DMA1, then DMA2 cascade setup. */
	isa_dma1_io_write(d, 0x0D, 0, 1);
	isa_dma2_io_write(d, 0xDA - 0xC0, 0, 1);
	isa_dma2_io_write(d, 0xD6 - 0xC0, 0xC0, 1);   /* ch4 cascade mode */
	isa_dma2_io_write(d, 0xD4 - 0xC0, 0x00, 1);   /* unmask ch4 */
	cr_expect_eq(isa_dma2_io_read(d, 0xDE - 0xC0, 1), 0xFE);
	/* Address and count through the flip-flop. */
	isa_dma1_io_write(d, 0x0C, 0, 1);
	isa_dma1_io_write(d, 0x04, 0x34, 1);
	isa_dma1_io_write(d, 0x04, 0x12, 1);
	isa_dma1_io_write(d, 0x05, 0xFF, 1);
	isa_dma1_io_write(d, 0x05, 0x01, 1);
	isa_dma1_io_write(d, 0x0C, 0, 1);
	cr_expect_eq(isa_dma1_io_read(d, 0x04, 1), 0x34);
	cr_expect_eq(isa_dma1_io_read(d, 0x04, 1), 0x12);
	cr_expect_eq(isa_dma1_io_read(d, 0x05, 1), 0xFF);
	cr_expect_eq(isa_dma1_io_read(d, 0x05, 1), 0x01);
	/* Single mask and software request. */
	isa_dma1_io_write(d, 0x0E, 0, 1);
	isa_dma1_io_write(d, 0x0A, 0x06, 1);
	cr_expect_eq(isa_dma1_io_read(d, 0x0F, 1), 0xF4);
	isa_dma1_io_write(d, 0x09, 0x05, 1);
	cr_expect_eq(isa_dma1_io_read(d, 0x08, 1), 0x20);
	/* Page registers, 0x81-0x8F. */
	isa_dma_page_io_write(d, 0x87 - 0x81, 0x5A, 1);
	cr_expect_eq(isa_dma_page_io_read(d, 0x87 - 0x81, 1), 0x5A);
	isa_dma_reset(d);
	cr_expect_eq(isa_dma_page_io_read(d, 0x87 - 0x81, 1), 0);
	cr_expect_eq(isa_dma1_io_read(d, 0x08, 1), 0);
	isa_dma_free(d);
}
