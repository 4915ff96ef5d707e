/* tests/test_i8042.c: the 8042 controller and PS/2 keyboard (machine/i8042.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "machine/i8042.h"
#include "tests/testutil.h"

struct rig {
	struct i8042 *k;
	int irq1, irq12;
	int a20, a20_calls;
	int resets, reset_kind;
};

static void set_irq(void *opaque, int n, int level)
{
	struct rig *r = opaque;
	if (n == 1)
		r->irq1 = level;
	else
		r->irq12 = level;
}

static void on_a20(void *opaque, int on)
{
	struct rig *r = opaque;
	r->a20 = on;
	r->a20_calls++;
}

static void on_reset(void *opaque, int kind)
{
	struct rig *r = opaque;
	r->resets++;
	r->reset_kind = kind;
}

static void rig_init(struct rig *r)
{
	struct i8042_callbacks cb = { on_a20, on_reset, r };
	memset(r, 0, sizeof(*r));
	r->a20 = 1;
	r->k = i8042_new((struct irq_line){ set_irq, r, 1 }, (struct irq_line){ set_irq, r, 12 },
			 &cb, NULL);
	cr_assert(r->k);
}

static uint8_t status(struct rig *r)
{
	return (uint8_t)i8042_cmd_io_read(r->k, 0, 1);
}

static void cmd(struct rig *r, uint8_t c)
{
	i8042_cmd_io_write(r->k, 0, c, 1);
}

static void data(struct rig *r, uint8_t v)
{
	i8042_data_io_write(r->k, 0, v, 1);
}

/* Read one byte the way SeaBIOS does: it must be there (OBF). */
static uint8_t recv(struct rig *r)
{
	cr_assert(status(r) & 0x01, "output buffer empty");
	return (uint8_t)i8042_data_io_read(r->k, 0, 1);
}

Test(i8042, reset_state_and_command_byte)
{
	struct rig r;
	rig_init(&r);
	cr_expect_eq(status(&r), 0x18);
	cmd(&r, 0x20);
	cr_expect_eq(status(&r) & 0x01, 0x01);
	cr_expect_eq(recv(&r), 0x03);
	cr_expect_eq(status(&r) & 0x01, 0x00);
	cmd(&r, 0x60);
	data(&r, 0x65);
	cr_expect_eq(status(&r) & 0x0C, 0x04);  /* data write, SYS from bit 2 */
	cmd(&r, 0x20);
	cr_expect_eq(recv(&r), 0x65);
	i8042_free(r.k);
}

Test(i8042, seabios_init_sequence)
{
	struct rig r;
	rig_init(&r);
	cmd(&r, 0xAD);                          /* disable keyboard */
	cmd(&r, 0xA7);                          /* disable aux */
	cmd(&r, 0xAA);                          /* controller self test */
	cr_expect_eq(recv(&r), 0x55);
	cr_expect_eq(status(&r) & 0x04, 0x04);  /* system flag */
	cmd(&r, 0xAB);                          /* keyboard interface test */
	cr_expect_eq(recv(&r), 0x00);
	cmd(&r, 0xA9);
	cr_expect_eq(recv(&r), 0x00);
	cmd(&r, 0x60);                          /* no interrupts while polling */
	data(&r, 0x30);
	data(&r, 0xFF);                         /* keyboard reset */
	cr_expect_eq(recv(&r), 0xFA);
	cr_expect_eq(recv(&r), 0xAA);
	data(&r, 0xF5);
	cr_expect_eq(recv(&r), 0xFA);
	data(&r, 0xF0);
	cr_expect_eq(recv(&r), 0xFA);
	data(&r, 0x02);
	cr_expect_eq(recv(&r), 0xFA);
	data(&r, 0xF4);
	cr_expect_eq(recv(&r), 0xFA);
	cr_expect_eq(status(&r) & 0x01, 0);
	cr_expect_eq(r.irq1, 0);
	i8042_free(r.k);
}

Test(i8042, keyboard_identify_echo_leds_and_set)
{
	struct rig r;
	rig_init(&r);
	cmd(&r, 0x60);
	data(&r, 0x00);                         /* no translation */
	data(&r, 0xF2);
	cr_expect_eq(recv(&r), 0xFA);
	cr_expect_eq(recv(&r), 0xAB);
	cr_expect_eq(recv(&r), 0x83);
	data(&r, 0xEE);
	cr_expect_eq(recv(&r), 0xEE);
	data(&r, 0xED);
	cr_expect_eq(recv(&r), 0xFA);
	data(&r, 0x05);
	cr_expect_eq(recv(&r), 0xFA);
	cr_expect_eq(i8042_kbd_leds(r.k), 5);
	data(&r, 0xF0);
	recv(&r);
	data(&r, 0x00);                         /* get scancode set */
	cr_expect_eq(recv(&r), 0xFA);
	cr_expect_eq(recv(&r), 0x02);
	data(&r, 0xF0);
	recv(&r);
	data(&r, 0x07);                         /* no such set */
	cr_expect_eq(recv(&r), 0xFE);
	data(&r, 0x01);                         /* not a command */
	cr_expect_eq(recv(&r), 0xFE);
	/* With translation the set-2 answers become set-1 bytes. */
	cmd(&r, 0x60);
	data(&r, 0x40);
	data(&r, 0xF2);
	cr_expect_eq(recv(&r), 0xFA);
	cr_expect_eq(recv(&r), 0xAB);
	cr_expect_eq(recv(&r), 0x41);
	data(&r, 0xF0);
	recv(&r);
	data(&r, 0x00);
	cr_expect_eq(recv(&r), 0xFA);
	cr_expect_eq(recv(&r), 0x41);
	i8042_free(r.k);
}

Test(i8042, keys_irq1_and_translation)
{
	struct rig r;
	rig_init(&r);
	cmd(&r, 0x60);
	data(&r, 0x41);                         /* translate, IRQ1 */
	cr_expect_eq(i8042_key(r.k, 0x1C), 0);  /* 'A' make, set 2 */
	cr_expect_eq(r.irq1, 1);
	cr_expect_eq(recv(&r), 0x1E);
	cr_expect_eq(r.irq1, 0);
	i8042_key(r.k, 0xF0);                   /* 'A' break */
	i8042_key(r.k, 0x1C);
	cr_expect_eq(recv(&r), 0x9E);
	cr_expect_eq(status(&r) & 0x01, 0);
	cmd(&r, 0x60);
	data(&r, 0x01);                         /* raw set 2 */
	i8042_key(r.k, 0xF0);
	i8042_key(r.k, 0x1C);
	cr_expect_eq(recv(&r), 0xF0);
	cr_expect_eq(recv(&r), 0x1C);
	/* A disabled interface holds keys back; enabling delivers them. */
	cmd(&r, 0xAD);
	i8042_key(r.k, 0x29);
	cr_expect_eq(status(&r) & 0x01, 0);
	cr_expect_eq(r.irq1, 0);
	cmd(&r, 0xAE);
	cr_expect_eq(r.irq1, 1);
	cr_expect_eq(recv(&r), 0x29);
	/* Scanning disabled: keys are dropped. */
	data(&r, 0xF5);
	recv(&r);
	cr_expect_eq(i8042_key(r.k, 0x29), -1);
	cr_expect_eq(status(&r) & 0x01, 0);
	i8042_free(r.k);
}

Test(i8042, output_port_a20_and_reset)
{
	struct rig r;
	rig_init(&r);
	cmd(&r, 0xD0);
	cr_expect_eq(recv(&r), 0xCF);
	cmd(&r, 0xD1);
	data(&r, 0xCD);                         /* A20 off */
	cr_expect_eq(r.a20, 0);
	cr_expect_eq(r.a20_calls, 1);
	cr_expect_eq(r.resets, 0);
	cmd(&r, 0xD0);
	cr_expect_eq(recv(&r), 0xCD);
	cmd(&r, 0xDF);                          /* A20 on (HP) */
	cr_expect_eq(r.a20, 1);
	cmd(&r, 0xD1);
	data(&r, 0xCE);                         /* reset line low */
	cr_expect_eq(r.resets, 1);
	cr_expect_eq(r.reset_kind, ISA_RESET_INIT);
	cmd(&r, 0xFE);                          /* pulse reset */
	cr_expect_eq(r.resets, 2);
	cmd(&r, 0xFF);                          /* pulse nothing */
	cr_expect_eq(r.resets, 2);
	i8042_reset(r.k);
	cmd(&r, 0xD0);
	cr_expect_eq(recv(&r), 0xCF);
	cr_expect_eq(status(&r) & 0x04, 0);
	i8042_free(r.k);
}

Test(i8042, mouse_through_d4)
{
	struct rig r;
	rig_init(&r);
	data(&r, 0xF4);                         /* keyboard byte first */
	cr_expect_eq(r.irq1, 1);
	recv(&r);
	cmd(&r, 0xD4);
	data(&r, 0xF2);
	cr_expect_eq(status(&r) & 0x21, 0x21);  /* aux data */
	cr_expect_eq(r.irq12, 1);
	cr_expect_eq(r.irq1, 0);
	cr_expect_eq(recv(&r), 0xFA);
	cr_expect_eq(recv(&r), 0x00);
	cr_expect_eq(r.irq12, 0);
	cmd(&r, 0xD4);
	data(&r, 0xFF);
	cr_expect_eq(recv(&r), 0xFA);
	cr_expect_eq(recv(&r), 0xAA);
	cr_expect_eq(recv(&r), 0x00);
	cmd(&r, 0xD3);                          /* write aux output buffer */
	data(&r, 0x77);
	cr_expect_eq(status(&r) & 0x21, 0x21);
	cr_expect_eq(recv(&r), 0x77);
	cmd(&r, 0xD2);                          /* write kbd output buffer */
	data(&r, 0x66);
	cr_expect_eq(status(&r) & 0x21, 0x01);
	cr_expect_eq(recv(&r), 0x66);
	i8042_free(r.k);
}

Test(i8042, state_saves_controller_and_queues)
{
	struct rig r, r2;
	rig_init(&r);
	rig_init(&r2);
	struct tu_state a = TU_STATE_SAVE(i8042_state_visit, r.k), b;
	cmd(&r, 0x60);
	data(&r, 0x01);                         /* raw set 2, IRQ1 */
	cmd(&r, 0xAD);
	i8042_key(r.k, 0x29);                   /* held back while disabled */
	b = TU_STATE_SAVE(i8042_state_visit, r.k);
	cr_expect(!tu_state_eq(&a, &b));

	cr_assert_eq(TU_STATE_LOAD(i8042_state_visit, r2.k, &b), 0);
	cr_expect(TU_STATE_SAVES_AS(i8042_state_visit, r2.k, &b));
	cr_expect_eq(status(&r2) & 0x01, 0);
	cmd(&r2, 0xAE);
	cr_expect_eq(r2.irq1, 1);
	cr_expect_eq(recv(&r2), 0x29);
	cmd(&r2, 0x20);
	cr_expect_eq(recv(&r2), 0x01, "command byte");
	tu_state_free(&a);
	tu_state_free(&b);
	i8042_free(r.k);
	i8042_free(r2.k);
}
