/* tests/test_uart.c: the 16550A UART (machine/uart.c) alone. */
#include <criterion/criterion.h>

#include "tests/fake_clock.h"
#include <string.h>

#include "machine/uart.h"
#include "tests/testutil.h"

struct rig {
	uint64_t now;
	struct clock *clk;
	struct uart *u;
	int irq;
	uint8_t out[64];
	size_t nout;
};

static void irq_set4(void *opaque, int n, int level)
{
	struct rig *r = opaque;
	r->irq = level;
}

static void out_bytes(void *opaque, const uint8_t *buf, size_t len)
{
	struct rig *r = opaque;
	cr_assert(r->nout + len <= sizeof(r->out));
	memcpy(r->out + r->nout, buf, len);
	r->nout += len;
}

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	r->clk = clock_new(&r->now);
	cr_assert(r->clk);
	r->u = uart_new(r->clk, (struct irq_line){ irq_set4, r, 4 }, out_bytes, r, NULL);
	cr_assert(r->u);
}

static void rig_fini(struct rig *r)
{
	uart_free(r->u);
	clock_free(r->clk);
}

static void rig_run(struct rig *r, uint64_t until)
{
	cr_assert_eq(fake_clock_run(r->clk, &r->now, until), 0, "timer re-armed without progress");
}

static uint8_t in8(struct rig *r, int off)
{
	return (uint8_t)uart_io_read(r->u, (uint32_t)off, 1);
}

static void out8(struct rig *r, int off, uint8_t v)
{
	uart_io_write(r->u, (uint32_t)off, v, 1);
}

Test(uart, reset_values_and_scratch)
{
	struct rig r;
	rig_init(&r);
	cr_expect_eq(in8(&r, 1), 0x00);
	cr_expect_eq(in8(&r, 2), 0x01);
	cr_expect_eq(in8(&r, 3), 0x00);
	cr_expect_eq(in8(&r, 5), 0x60);
	cr_expect_eq(in8(&r, 6), 0xB0);
	out8(&r, 7, 0x55);
	cr_expect_eq(in8(&r, 7), 0x55);
	out8(&r, 7, 0xAA);
	cr_expect_eq(in8(&r, 7), 0xAA);
	rig_fini(&r);
}

Test(uart, divisor_latch_and_transmit)
{
	struct rig r;
	rig_init(&r);
	out8(&r, 3, 0x80);                 /* DLAB */
	out8(&r, 0, 0x01);                 /* 115200 baud */
	out8(&r, 1, 0x00);
	cr_expect_eq(in8(&r, 0), 0x01);
	cr_expect_eq(in8(&r, 1), 0x00);
	out8(&r, 3, 0x03);                 /* 8N1 */
	cr_expect_eq(r.nout, 0);
	out8(&r, 0, 'h');
	out8(&r, 0, 'i');
	cr_expect_eq(r.nout, 2);
	cr_expect(memcmp(r.out, "hi", 2) == 0);
	cr_expect_eq(in8(&r, 5) & 0x60, 0x60);     /* THRE, TEMT */
	out8(&r, 3, 0x83);
	cr_expect_eq(in8(&r, 0), 0x01);            /* divisor kept */
	rig_fini(&r);
}

Test(uart, loopback_echoes_and_drives_msr)
{
	struct rig r;
	rig_init(&r);
	out8(&r, 4, 0x10);                 /* loopback, all outputs off */
	cr_expect_eq(in8(&r, 6), 0x0B);    /* CTS, DSR, DCD dropped: deltas */
	cr_expect_eq(in8(&r, 6), 0x00);
	out8(&r, 4, 0x1F);
	cr_expect_eq(in8(&r, 6), 0xFB);    /* all four inputs, RI rising: no TERI */
	out8(&r, 4, 0x1B);                 /* OUT1 (RI) off: trailing edge */
	cr_expect_eq(in8(&r, 6), 0xB4);
	out8(&r, 0, 'Z');
	cr_expect_eq(r.nout, 0);           /* nothing leaves in loopback */
	cr_expect_eq(in8(&r, 5) & 0x01, 0x01);
	cr_expect_eq(in8(&r, 0), 'Z');
	cr_expect_eq(in8(&r, 5) & 0x01, 0x00);
	cr_expect_eq(uart_receive(r.u, 'x'), -1);  /* input pin disconnected */
	rig_fini(&r);
}

Test(uart, thre_interrupt)
{
	struct rig r;
	rig_init(&r);
	out8(&r, 1, 0x02);                 /* ETBEI, but OUT2 off: no IRQ */
	cr_expect_eq(r.irq, 0);
	cr_expect_eq(in8(&r, 2), 0x02);    /* still identified; clears */
	cr_expect_eq(in8(&r, 2), 0x01);
	out8(&r, 1, 0x00);
	out8(&r, 4, 0x08);                 /* OUT2 */
	out8(&r, 1, 0x02);
	cr_expect_eq(r.irq, 1);
	cr_expect_eq(in8(&r, 2), 0x02);
	cr_expect_eq(r.irq, 0);
	out8(&r, 0, 'a');                  /* THR empties again at once */
	cr_expect_eq(r.irq, 1);
	cr_expect_eq(r.nout, 1);
	out8(&r, 1, 0x00);
	cr_expect_eq(r.irq, 0);
	rig_fini(&r);
}

Test(uart, rx_interrupt_and_overrun)
{
	struct rig r;
	rig_init(&r);
	out8(&r, 4, 0x08);
	out8(&r, 1, 0x05);                 /* RX data and line status */
	cr_expect_eq(uart_rx_room(r.u), 1);
	cr_expect_eq(uart_receive(r.u, 'q'), 0);
	cr_expect_eq(r.irq, 1);
	cr_expect_eq(in8(&r, 2), 0x04);
	cr_expect_eq(uart_receive(r.u, 'r'), -1);  /* overrun */
	cr_expect_eq(in8(&r, 2), 0x06);            /* line status first */
	cr_expect_eq(in8(&r, 5), 0x63);            /* OE, DR */
	cr_expect_eq(in8(&r, 5), 0x61);            /* OE cleared by the read */
	cr_expect_eq(in8(&r, 0), 'r');             /* 16450 mode: overwritten */
	cr_expect_eq(r.irq, 0);
	rig_fini(&r);
}

Test(uart, fifo_trigger_and_character_timeout)
{
	struct rig r;
	uint64_t four_chars = 4ull * 12 * 16 * 10 * 1000000000ull / 1843200;
	rig_init(&r);
	out8(&r, 3, 0x03);                 /* 8N1 at divisor 12 (9600) */
	out8(&r, 4, 0x08);
	out8(&r, 2, 0xC7);                 /* FIFO on, clear, trigger 14 */
	cr_expect_eq(in8(&r, 2), 0xC1);
	out8(&r, 1, 0x01);
	r.now = 1000;
	for (int i = 0; i < 3; i++)
		uart_receive(r.u, (uint8_t)('0' + i));
	cr_expect_eq(r.irq, 0);            /* below the trigger level */
	rig_run(&r, 1000 + four_chars - 1);
	cr_expect_eq(r.irq, 0);
	rig_run(&r, 1000 + four_chars);
	cr_expect_eq(r.irq, 1);
	cr_expect_eq(in8(&r, 2), 0xCC);    /* character timeout */
	cr_expect_eq(in8(&r, 0), '0');     /* a read restarts the timer */
	cr_expect_eq(r.irq, 0);
	cr_expect_eq(in8(&r, 0), '1');
	cr_expect_eq(in8(&r, 0), '2');
	cr_expect_eq(in8(&r, 5) & 0x01, 0);
	cr_expect_eq(uart_rx_room(r.u), 16);
	for (int i = 0; i < 14; i++)
		uart_receive(r.u, (uint8_t)i);
	cr_expect_eq(r.irq, 1);
	cr_expect_eq(in8(&r, 2), 0xC4);
	out8(&r, 2, 0xC3);                 /* clear RX FIFO */
	cr_expect_eq(r.irq, 0);
	cr_expect_eq(uart_rx_room(r.u), 16);
	rig_fini(&r);
}

Test(uart, state_saves_registers_and_fifo)
{
	struct rig r, r2;
	rig_init(&r);
	rig_init(&r2);
	struct tu_state a = TU_STATE_SAVE(uart_state_visit, r.u), b;
	out8(&r, 3, 0x80);
	out8(&r, 0, 0x0C);                 /* 9600 baud */
	out8(&r, 3, 0x03);
	out8(&r, 7, 0x42);
	out8(&r, 2, 0x01);                 /* FIFO on */
	cr_assert_eq(uart_receive(r.u, 'a'), 0);
	cr_assert_eq(uart_receive(r.u, 'b'), 0);
	b = TU_STATE_SAVE(uart_state_visit, r.u);
	cr_expect(!tu_state_eq(&a, &b));

	cr_assert_eq(TU_STATE_LOAD(uart_state_visit, r2.u, &b), 0);
	cr_expect(TU_STATE_SAVES_AS(uart_state_visit, r2.u, &b));
	cr_expect_eq(in8(&r2, 7), 0x42);
	cr_expect_eq(in8(&r2, 2) & 0xC0, 0xC0, "FIFOs enabled");
	cr_expect_eq(in8(&r2, 0), 'a');
	cr_expect_eq(in8(&r2, 0), 'b');
	cr_expect_eq(in8(&r2, 5) & 0x01, 0);
	out8(&r2, 3, 0x83);
	cr_expect_eq(in8(&r2, 0), 0x0C, "divisor");
	tu_state_free(&a);
	tu_state_free(&b);
	rig_fini(&r);
	rig_fini(&r2);
}
