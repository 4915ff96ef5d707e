/*
 * machine/uart.c: PC16550D UART (National Semiconductor datasheet, Table II
 * "Register summary", §8.4 FCR, §8.5 IIR (Table IV interrupt priorities),
 * §8.6 IER, §8.7 MCR (loopback), §8.8 MSR, §8.3 LSR, §8.10 FIFO interrupt
 * mode incl. the 4-character timeout). On the PC the INTRPT pin reaches the
 * PIC only while MCR OUT2 is set (and OUT2 is forced inactive in loopback).
 */
#include "machine/uart.h"
#include "machine/state_io.h"

#include <stdlib.h>
#include <string.h>

#define UART_FIFO 16
#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_ERR 0x1E      /* OE PE FE BI */
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_IER_RDI 0x01
#define UART_IER_THRI 0x02
#define UART_IER_RLSI 0x04
#define UART_IER_MSI 0x08
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_IIR_NONE 0x01
#define UART_XTAL_HZ 1843200u

struct uart {
	uint8_t rx[UART_FIFO];
	uint8_t rx_head, rx_count;
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	uint8_t thr_ipending;       /* THRE interrupt pending (cleared by IIR read) */
	uint8_t timeout_pending;    /* character timeout indication */
	uint8_t irq_level;
	uint64_t rx_activity;       /* last RX push or RBR read (virtual ns) */
	struct clock *clk;
	struct clock_timer *timer;
	struct irq_line irq;
	void (*out)(void *opaque, const uint8_t *buf, size_t len);
	void *out_opaque;
	struct isa_log log;
	uint32_t logged;
};

static int uart_fifo_on(const struct uart *u)
{
	return u->fcr & 0x01;
}

static int uart_trigger(const struct uart *u)
{
	static const uint8_t level[4] = { 1, 4, 8, 14 };
	return level[u->fcr >> 6];
}

static uint8_t uart_iir_id(const struct uart *u)
{
	if ((u->ier & UART_IER_RLSI) && (u->lsr & UART_LSR_ERR))
		return 0x06;
	if (u->ier & UART_IER_RDI) {
		if (uart_fifo_on(u)) {
			if (u->rx_count >= uart_trigger(u))
				return 0x04;
			if (u->timeout_pending && u->rx_count)
				return 0x0C;
		} else if (u->rx_count) {
			return 0x04;
		}
	}
	if ((u->ier & UART_IER_THRI) && u->thr_ipending)
		return 0x02;
	if ((u->ier & UART_IER_MSI) && (u->msr & 0x0F))
		return 0x00;
	return UART_IIR_NONE;
}

static void uart_update_irq(struct uart *u)
{
	int level = uart_iir_id(u) != UART_IIR_NONE && (u->mcr & UART_MCR_OUT2) &&
		    !(u->mcr & UART_MCR_LOOP);
	if (level != u->irq_level) {
		u->irq_level = (uint8_t)level;
		irq_set(&u->irq, level);
	}
}

/* Four character times at the programmed rate and frame format. */
static uint64_t uart_timeout_ns(const struct uart *u)
{
	uint32_t div = (uint32_t)(u->dlm << 8 | u->dll), bits;
	if (!div)
		div = 65536;
	bits = 1 + 5 + (u->lcr & 3) + ((u->lcr & 0x08) ? 1 : 0) + ((u->lcr & 0x04) ? 2 : 1);
	return (uint64_t)4 * div * 16 * bits * 1000000000ull / UART_XTAL_HZ;
}

static void uart_rx_activity(struct uart *u)
{
	u->rx_activity = clock_now(u->clk);
	u->timeout_pending = 0;
	if (uart_fifo_on(u) && u->rx_count)
		clock_timer_mod(u->timer, u->rx_activity + uart_timeout_ns(u));
	else
		clock_timer_del(u->timer);
}

static void uart_timer_fire(void *opaque)
{
	struct uart *u = opaque;
	if (u->rx_count)
		u->timeout_pending = 1;
	uart_update_irq(u);
}

static void uart_rx_clear(struct uart *u)
{
	memset(u->rx, 0, sizeof(u->rx));
	u->rx_head = 0;
	u->rx_count = 0;
	u->timeout_pending = 0;
	clock_timer_del(u->timer);
}

static int uart_capacity(const struct uart *u)
{
	return uart_fifo_on(u) ? UART_FIFO : 1;
}

/* A byte arrives at the receiver shift register (line or loopback). */
static int uart_rx_push(struct uart *u, uint8_t b)
{
	if (u->rx_count >= uart_capacity(u)) {
		u->lsr |= UART_LSR_OE;
		if (!uart_fifo_on(u))                 /* 16450 mode: RBR overwritten */
			u->rx[u->rx_head] = b;
		uart_update_irq(u);
		return -1;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO] = b;
	u->rx_count++;
	uart_rx_activity(u);
	uart_update_irq(u);
	return 0;
}

int uart_receive(struct uart *u, uint8_t byte)
{
	if (u->mcr & UART_MCR_LOOP)
		return -1;
	return uart_rx_push(u, byte);
}

int uart_rx_room(const struct uart *u)
{
	return uart_capacity(u) - u->rx_count;
}

/* MSR status bits 7-4 from the modem inputs (or MCR in loopback), with the
 * delta bits 3-0 for every change. */
static void uart_set_modem_inputs(struct uart *u)
{
	uint8_t in, old = u->msr, d = 0;
	if (u->mcr & UART_MCR_LOOP)
		in = (uint8_t)(((u->mcr & 0x02) ? 0x10 : 0) | ((u->mcr & 0x01) ? 0x20 : 0) |
			       ((u->mcr & 0x04) ? 0x40 : 0) | ((u->mcr & 0x08) ? 0x80 : 0));
	else
		in = 0xB0;                        /* CTS, DSR, DCD from the terminal */
	if ((in ^ old) & 0x10)
		d |= 0x01;
	if ((in ^ old) & 0x20)
		d |= 0x02;
	if ((old & 0x40) && !(in & 0x40))
		d |= 0x04;                        /* trailing edge of RI */
	if ((in ^ old) & 0x80)
		d |= 0x08;
	u->msr = (uint8_t)(in | (old & 0x0F) | d);
}

static void uart_transmit(struct uart *u, uint8_t b)
{
	u->thr_ipending = 0;
	if (u->mcr & UART_MCR_LOOP)
		uart_rx_push(u, b);
	else if (u->out)
		u->out(u->out_opaque, &b, 1);
	u->thr_ipending = 1;                      /* sent at once: THR empty */
	uart_update_irq(u);
}

uint32_t uart_io_read(void *opaque, uint32_t offset, int size)
{
	struct uart *u = opaque;
	uint8_t v;
	switch (offset & 7) {
	case 0:
		if (u->lcr & 0x80)
			return u->dll;
		v = u->rx[u->rx_head];
		if (u->rx_count) {
			u->rx_head = (uint8_t)((u->rx_head + 1) % UART_FIFO);
			u->rx_count--;
			uart_rx_activity(u);
			uart_update_irq(u);
		}
		return v;
	case 1:
		return (u->lcr & 0x80) ? u->dlm : u->ier;
	case 2:
		v = uart_iir_id(u);
		if (v == 0x02) {
			u->thr_ipending = 0;      /* reading IIR clears THRE source */
			uart_update_irq(u);
		}
		return v | (uart_fifo_on(u) ? 0xC0 : 0);
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		v = (uint8_t)(u->lsr | UART_LSR_THRE | UART_LSR_TEMT |
			      (u->rx_count ? UART_LSR_DR : 0));
		u->lsr &= (uint8_t)~UART_LSR_ERR;
		uart_update_irq(u);
		return v;
	case 6:
		v = u->msr;
		u->msr &= 0xF0;
		uart_update_irq(u);
		return v;
	default:
		return u->scr;
	}
}

void uart_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct uart *u = opaque;
	uint8_t v = (uint8_t)value, old;
	switch (offset & 7) {
	case 0:
		if (u->lcr & 0x80)
			u->dll = v;
		else
			uart_transmit(u, v);
		break;
	case 1:
		if (u->lcr & 0x80) {
			u->dlm = v;
			break;
		}
		old = u->ier;
		u->ier = v & 0x0F;
		/* Enabling ETBEI while THR is empty interrupts at once. */
		if ((u->ier & UART_IER_THRI) && !(old & UART_IER_THRI))
			u->thr_ipending = 1;
		uart_update_irq(u);
		break;
	case 2:
		old = u->fcr;
		if ((v ^ old) & 0x01) {           /* FIFO enable changed: both reset */
			uart_rx_clear(u);
		}
		if (v & 0x02)
			uart_rx_clear(u);
		u->fcr = v & 0xC9;
		if (!(u->fcr & 0x01))
			u->fcr = 0;
		uart_update_irq(u);
		break;
	case 3:
		u->lcr = v;
		break;
	case 4:
		u->mcr = v & 0x1F;
		uart_set_modem_inputs(u);
		uart_update_irq(u);
		break;
	case 5:
	case 6:
		break;                            /* LSR/MSR: factory test only */
	default:
		u->scr = v;
		break;
	}
}

struct uart *uart_new(struct clock *clk, struct irq_line irq,
		      void (*out)(void *opaque, const uint8_t *buf, size_t len),
		      void *out_opaque, const struct isa_log *log)
{
	struct uart *u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->clk = clk;
	u->irq = irq;
	u->out = out;
	u->out_opaque = out_opaque;
	if (log)
		u->log = *log;
	u->timer = clock_timer_new(clk, "uart", uart_timer_fire, u);
	if (!u->timer) {
		free(u);
		return NULL;
	}
	uart_reset(u);
	return u;
}

void uart_reset(struct uart *u)
{
	uart_rx_clear(u);
	u->ier = 0;
	u->lcr = 0;
	u->mcr = 0;
	u->lsr = 0;
	u->msr = 0xB0;
	u->scr = 0;
	u->dll = 12;
	u->dlm = 0;
	u->fcr = 0;
	u->thr_ipending = 0;
	u->rx_activity = clock_now(u->clk);
	uart_update_irq(u);
}

void uart_free(struct uart *u)
{
	if (!u)
		return;
	clock_timer_free(u->timer);
	free(u);
}

void uart_state_visit(struct uart *u, struct state_io *s)
{
	uint8_t *f[] = { &u->rx_head, &u->rx_count, &u->ier, &u->lcr, &u->mcr, &u->lsr,
			 &u->msr, &u->scr, &u->dll, &u->dlm, &u->fcr, &u->thr_ipending,
			 &u->timeout_pending, &u->irq_level };

	state_io_tag(s, "uart");
	state_io_bytes(s, u->rx, sizeof(u->rx));
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		state_io_u8(s, f[i]);
	state_io_u64(s, &u->rx_activity);
	state_io_check(s, u->rx_head < UART_FIFO && u->rx_count <= UART_FIFO, "UART FIFO");
}
