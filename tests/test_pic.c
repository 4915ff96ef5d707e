/* tests/test_pic.c: the 8259A pair and ELCR (machine/pic.c) alone. */
#include <criterion/criterion.h>
#include <string.h>

#include "machine/pic.h"
#include "tests/testutil.h"

struct cpu_pin {
	int level;
	int edges;
};

static void intr_set(void *opaque, int n, int level)
{
	struct cpu_pin *c = opaque;
	if (level && !c->level)
		c->edges++;
	c->level = level;
}

static struct pic *make(struct cpu_pin *pin)
{
	struct irq_line l = { intr_set, pin, 0 };
	struct pic *p = pic_new(l, NULL);
	cr_assert(p);
	return p;
}

/* The sequence SeaBIOS's pic_setup() writes (vectors 0x08 and 0x70, slave
 * on IR2, 8086 mode), then everything masked except the cascade. */
static void seabios_init(struct pic *p)
{
	pic_master_io_write(p, 0, 0x11, 1);
	pic_master_io_write(p, 1, 0x08, 1);
	pic_master_io_write(p, 1, 0x04, 1);
	pic_master_io_write(p, 1, 0x01, 1);
	pic_slave_io_write(p, 0, 0x11, 1);
	pic_slave_io_write(p, 1, 0x70, 1);
	pic_slave_io_write(p, 1, 0x02, 1);
	pic_slave_io_write(p, 1, 0x01, 1);
	pic_master_io_write(p, 1, 0xFB, 1);
	pic_slave_io_write(p, 1, 0xFF, 1);
}

Test(pic, seabios_init_then_irq0_gives_vector_08)
{
	struct cpu_pin pin = { 0 };
	struct pic *p = make(&pin);
	seabios_init(p);
	cr_expect_eq(pic_master_io_read(p, 1, 1), 0xFB);
	cr_expect_eq(pic_slave_io_read(p, 1, 1), 0xFF);
	pic_master_io_write(p, 1, 0xFA, 1);        /* unmask IRQ0 */
	pic_set_irq(p, 0, 1);
	cr_expect_eq(pin.level, 1);
	cr_expect_eq(pic_intr_ack(p), 0x08);
	cr_expect_eq(pin.level, 0);
	cr_expect_eq(pic_get_isr(p, 0), 0x01);
	cr_expect_eq(pic_get_irr(p, 0), 0x00);
	/* A new edge while IRQ0 is in service waits for the EOI. */
	pic_set_irq(p, 0, 0);
	pic_set_irq(p, 0, 1);
	cr_expect_eq(pin.level, 0);
	cr_expect_eq(pic_get_irr(p, 0), 0x01);
	pic_master_io_write(p, 0, 0x20, 1);        /* non-specific EOI */
	cr_expect_eq(pic_get_isr(p, 0), 0);
	cr_expect_eq(pin.level, 1);
	cr_expect_eq(pic_intr_ack(p), 0x08);
	pic_free(p);
}

Test(pic, masked_request_stays_in_irr)
{
	struct cpu_pin pin = { 0 };
	struct pic *p = make(&pin);
	seabios_init(p);
	pic_set_irq(p, 1, 1);
	cr_expect_eq(pin.level, 0);
	pic_master_io_write(p, 0, 0x0A, 1);        /* OCW3: read IRR */
	cr_expect_eq(pic_master_io_read(p, 0, 1), 0x02);
	pic_master_io_write(p, 1, 0xF9, 1);        /* unmask IRQ1 */
	cr_expect_eq(pin.level, 1);
	cr_expect_eq(pic_intr_ack(p), 0x09);
	pic_master_io_write(p, 0, 0x0B, 1);        /* OCW3: read ISR */
	cr_expect_eq(pic_master_io_read(p, 0, 1), 0x02);
	pic_master_io_write(p, 0, 0x61, 1);        /* specific EOI IRQ1 */
	cr_expect_eq(pic_master_io_read(p, 0, 1), 0x00);
	pic_free(p);
}

Test(pic, fully_nested_priority)
{
	struct cpu_pin pin = { 0 };
	struct pic *p = make(&pin);
	seabios_init(p);
	pic_master_io_write(p, 1, 0x00, 1);
	pic_set_irq(p, 3, 1);
	pic_set_irq(p, 1, 1);
	cr_expect_eq(pic_intr_ack(p), 0x09);       /* IRQ1 beats IRQ3 */
	cr_expect_eq(pin.level, 0);                /* IRQ3 blocked by IRQ1 in service */
	pic_set_irq(p, 0, 1);                      /* higher priority nests */
	cr_expect_eq(pin.level, 1);
	cr_expect_eq(pic_intr_ack(p), 0x08);
	cr_expect_eq(pic_get_isr(p, 0), 0x03);
	pic_master_io_write(p, 0, 0x20, 1);        /* EOI clears IRQ0 (highest) */
	cr_expect_eq(pic_get_isr(p, 0), 0x02);
	cr_expect_eq(pin.level, 0);
	pic_master_io_write(p, 0, 0x20, 1);
	cr_expect_eq(pin.level, 1);
	cr_expect_eq(pic_intr_ack(p), 0x0B);
	pic_free(p);
}

Test(pic, priority_rotation)
{
	struct cpu_pin pin = { 0 };
	struct pic *p = make(&pin);
	seabios_init(p);
	pic_master_io_write(p, 1, 0x00, 1);
	pic_master_io_write(p, 0, 0xC2, 1);        /* set priority: IRQ2 lowest */
	pic_set_irq(p, 1, 1);
	pic_set_irq(p, 4, 1);
	cr_expect_eq(pic_intr_ack(p), 0x0C);       /* IRQ3 highest, so IRQ4 first */
	pic_master_io_write(p, 0, 0xA0, 1);        /* rotate on non-specific EOI */
	/* IRQ4 is now the lowest: IRQ5 highest; IRQ1 comes next. */
	pic_set_irq(p, 4, 0);
	pic_set_irq(p, 4, 1);
	cr_expect_eq(pic_intr_ack(p), 0x09);
	pic_master_io_write(p, 0, 0x20, 1);
	cr_expect_eq(pic_intr_ack(p), 0x0C);
	pic_free(p);
}

Test(pic, slave_cascade_and_eoi)
{
	struct cpu_pin pin = { 0 };
	struct pic *p = make(&pin);
	seabios_init(p);
	pic_slave_io_write(p, 1, 0xFE, 1);         /* unmask IRQ8 */
	pic_set_irq(p, 8, 1);
	cr_expect_eq(pin.level, 1);
	cr_expect_eq(pic_intr_ack(p), 0x70);
	cr_expect_eq(pic_get_isr(p, 0), 0x04);
	cr_expect_eq(pic_get_isr(p, 1), 0x01);
	cr_expect_eq(pin.level, 0);
	pic_slave_io_write(p, 0, 0x20, 1);
	pic_master_io_write(p, 0, 0x20, 1);
	cr_expect_eq(pic_get_isr(p, 0), 0);
	cr_expect_eq(pic_get_isr(p, 1), 0);
	cr_expect_eq(pin.level, 0);
	/* Two slave requests: the second is delivered after the EOIs. */
	pic_slave_io_write(p, 1, 0x00, 1);
	pic_set_irq(p, 14, 1);
	pic_set_irq(p, 9, 1);
	cr_expect_eq(pic_intr_ack(p), 0x71);
	pic_slave_io_write(p, 0, 0x20, 1);
	pic_master_io_write(p, 0, 0x20, 1);
	cr_expect_eq(pin.level, 1);
	cr_expect_eq(pic_intr_ack(p), 0x76);
	pic_free(p);
}

Test(pic, elcr_level_mode)
{
	struct cpu_pin pin = { 0 };
	struct pic *p = make(&pin);
	seabios_init(p);
	pic_slave_io_write(p, 1, 0x00, 1);
	pic_elcr_io_write(p, 0, 0xFF, 1);
	pic_elcr_io_write(p, 1, 0xFF, 1);
	cr_expect_eq(pic_elcr_io_read(p, 0, 1), 0xF8);   /* IRQ0-2 edge only */
	cr_expect_eq(pic_elcr_io_read(p, 1, 1), 0xDE);   /* IRQ8, IRQ13 edge only */
	pic_elcr_io_write(p, 1, 0x04, 1);                /* IRQ10 level */
	pic_set_irq(p, 10, 1);
	cr_expect_eq(pic_intr_ack(p), 0x72);
	pic_slave_io_write(p, 0, 0x20, 1);
	pic_master_io_write(p, 0, 0x20, 1);
	/* Still high: requested again without a new edge. */
	cr_expect_eq(pin.level, 1);
	cr_expect_eq(pic_intr_ack(p), 0x72);
	pic_slave_io_write(p, 0, 0x20, 1);
	pic_master_io_write(p, 0, 0x20, 1);
	pic_set_irq(p, 10, 0);
	cr_expect_eq(pin.level, 0);
	cr_expect_eq(pic_get_irr(p, 1), 0);
	/* The same in edge mode is delivered once. */
	pic_elcr_io_write(p, 1, 0x00, 1);
	pic_set_irq(p, 11, 1);
	cr_expect_eq(pic_intr_ack(p), 0x73);
	pic_slave_io_write(p, 0, 0x20, 1);
	pic_master_io_write(p, 0, 0x20, 1);
	cr_expect_eq(pin.level, 0);
	pic_free(p);
}

Test(pic, spurious_irq7)
{
	struct cpu_pin pin = { 0 };
	struct pic *p = make(&pin);
	seabios_init(p);
	pic_master_io_write(p, 1, 0x00, 1);
	pic_slave_io_write(p, 1, 0x00, 1);
	pic_elcr_io_write(p, 0, 0x20, 1);                /* IRQ5 level */
	pic_set_irq(p, 5, 1);
	cr_expect_eq(pin.level, 1);
	pic_set_irq(p, 5, 0);                            /* gone before INTA */
	cr_expect_eq(pic_intr_ack(p), 0x0F);
	cr_expect_eq(pic_get_isr(p, 0), 0);
	pic_elcr_io_write(p, 1, 0x02, 1);                /* IRQ9 level */
	pic_set_irq(p, 9, 1);
	cr_expect_eq(pin.level, 1);
	/* Masking the slave input withdraws the cascade request too. */
	pic_slave_io_write(p, 1, 0x02, 1);
	cr_expect_eq(pin.level, 0);
	cr_expect_eq(pic_intr_ack(p), 0x0F);             /* nothing at all: IRQ7 */
	pic_free(p);
}

Test(pic, auto_eoi)
{
	struct cpu_pin pin = { 0 };
	struct pic *p = make(&pin);
	pic_master_io_write(p, 0, 0x11, 1);
	pic_master_io_write(p, 1, 0x20, 1);
	pic_master_io_write(p, 1, 0x04, 1);
	pic_master_io_write(p, 1, 0x03, 1);              /* 8086, AEOI */
	pic_master_io_write(p, 1, 0x00, 1);
	pic_set_irq(p, 6, 1);
	cr_expect_eq(pic_intr_ack(p), 0x26);
	cr_expect_eq(pic_get_isr(p, 0), 0);
	pic_set_irq(p, 6, 0);
	pic_set_irq(p, 6, 1);
	cr_expect_eq(pin.level, 1);                      /* no EOI needed */
	pic_free(p);
}

Test(pic, poll_command)
{
	struct cpu_pin pin = { 0 };
	struct pic *p = make(&pin);
	seabios_init(p);
	pic_master_io_write(p, 1, 0x00, 1);
	pic_set_irq(p, 3, 1);
	pic_master_io_write(p, 0, 0x0C, 1);              /* OCW3 poll */
	cr_expect_eq(pic_master_io_read(p, 0, 1), 0x83);
	cr_expect_eq(pic_get_isr(p, 0), 0x08);
	pic_master_io_write(p, 0, 0x0C, 1);
	cr_expect_eq(pic_master_io_read(p, 0, 1), 0x00);
	pic_free(p);
}

Test(pic, reset_and_icw1_clear_state)
{
	struct cpu_pin pin = { 0 };
	struct pic *p = make(&pin);
	seabios_init(p);
	pic_master_io_write(p, 1, 0x00, 1);
	pic_elcr_io_write(p, 1, 0x04, 1);
	pic_set_irq(p, 4, 1);
	cr_expect_eq(pic_intr_ack(p), 0x0C);
	pic_reset(p);
	cr_expect_eq(pin.level, 0);
	cr_expect_eq(pic_get_isr(p, 0), 0);
	cr_expect_eq(pic_get_imr(p, 0), 0);
	cr_expect_eq(pic_elcr_io_read(p, 1, 1), 0);
	/* IRQ4 is still high but its edge was consumed: no request. */
	cr_expect_eq(pic_get_irr(p, 0), 0);
	pic_free(p);
}

Test(pic, state_saves_the_registers)
{
	struct cpu_pin pin = { 0 }, pin2 = { 0 };
	struct pic *p = make(&pin), *q = make(&pin2);
	struct tu_state a = TU_STATE_SAVE(pic_state_visit, p), b;

	seabios_init(p);
	pic_master_io_write(p, 1, 0x5A, 1);
	pic_master_io_write(p, 0, 0x0B, 1);              /* OCW3: read ISR */
	b = TU_STATE_SAVE(pic_state_visit, p);
	cr_expect(!tu_state_eq(&a, &b));
	cr_assert_eq(TU_STATE_LOAD(pic_state_visit, q, &b), 0);
	cr_expect_eq(pic_master_io_read(q, 1, 1), 0x5A);    /* master IMR */
	cr_expect_eq(pic_slave_io_read(q, 1, 1), 0xFF);
	pic_set_irq(q, 8, 1);                             /* slave base 0x70 */
	pic_slave_io_write(q, 1, 0xFE, 1);
	cr_expect_eq(pin2.level, 1);
	cr_expect_eq(pic_intr_ack(q), 0x70);
	cr_expect_eq(pic_master_io_read(q, 0, 1), 0x04, "OCW3 read select restored");
	tu_state_free(&a);
	tu_state_free(&b);
	pic_free(p);
	pic_free(q);
}
