/*
 * tests/test_monitor_expr.c: the monitor's expression language on a fake
 * environment (registers, memory, segments): precedence, numbers, SEG:OFF,
 * memory dereference, and errors that never crash.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "debugger/expr.h"

/* eax = 0x12345678, cs = 0xf000 (cached base 0xffff0000), ip = 0xfff0;
 * memory byte i at linear i is (i & 0xff); above 0x10000 is unreadable. */
static int fake_reg(void *o, const char *name, uint64_t *v, int *segreg)
{
	*segreg = -1;
	if (!strcmp(name, "eax")) {
		*v = 0x12345678;
	} else if (!strcmp(name, "ip")) {
		*v = 0xfff0;
	} else if (!strcmp(name, "cs")) {
		*v = 0xf000;
		*segreg = 1;
	} else {
		return -1;
	}
	return 0;
}

static int fake_mem(void *o, uint64_t lin, int size, uint64_t *v)
{
	if (lin + (uint64_t)size > 0x10000)
		return -1;
	*v = 0;
	for (int i = size - 1; i >= 0; i--)
		*v = *v << 8 | ((lin + (uint64_t)i) & 0xff);
	return 0;
}

static int fake_seg(void *o, int segreg, uint64_t sel, uint64_t *base)
{
	*base = segreg == 1 ? 0xffff0000 : sel << 4;
	return 0;
}

static const struct expr_env env = { NULL, fake_reg, fake_mem, fake_seg };

static uint64_t ok(const char *s)
{
	uint64_t v = 0;
	char err[128];
	cr_assert_eq(expr_eval(&env, s, &v, err, sizeof(err)), 0, "'%s': %s", s, err);
	return v;
}

static void bad(const char *s, const char *msg)
{
	uint64_t v;
	char err[128];
	cr_assert_eq(expr_eval(&env, s, &v, err, sizeof(err)), -1, "'%s' parsed", s);
	cr_expect(strstr(err, msg), "'%s': '%s' lacks '%s'", s, err, msg);
}

Test(expr, numbers)
{
	cr_expect_eq(ok("42"), 42);
	cr_expect_eq(ok("0x2a"), 42);
	cr_expect_eq(ok("052"), 42, "C octal");
	cr_expect_eq(ok("0f000h"), 0xf000);
	cr_expect_eq(ok("2Ah"), 42, "'h' suffix");
	bad("2Ag", "bad number");
	bad("0x", "bad number");
}

Test(expr, precedence_follows_c)
{
	cr_expect_eq(ok("1 + 2 * 3"), 7);
	cr_expect_eq(ok("(1 + 2) * 3"), 9);
	cr_expect_eq(ok("1 << 4 + 1"), 32);
	cr_expect_eq(ok("6 & 3 == 3"), 0, "== binds tighter than &");
	cr_expect_eq(ok("1 | 2 ^ 3 & 4"), 3);
	cr_expect_eq(ok("1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 4 || 5 != 5"), 0);
	cr_expect_eq(ok("-1"), UINT64_MAX);
	cr_expect_eq(ok("~0 >> 60"), 15);
	cr_expect_eq(ok("!5 + !0"), 1);
	cr_expect_eq(ok("17 % 5 - 10 / 3"), (uint64_t)(2 - 3));
	cr_expect_eq(ok("1 << 64"), 0, "oversized shifts give 0, not UB");
}

Test(expr, registers_and_memory)
{
	cr_expect_eq(ok("eax"), 0x12345678);
	cr_expect_eq(ok("$EAX + 1"), 0x12345679, "gdb's $ and any case");
	cr_expect_eq(ok("byte[0x1234]"), 0x34);
	cr_expect_eq(ok("word[0x1234]"), 0x3534);
	cr_expect_eq(ok("dword[0x10]"), 0x13121110);
	cr_expect_eq(ok("[0x10]"), 0x13121110);
	cr_expect_eq(ok("*0x10 == [0x10]"), 1);
	cr_expect_eq(ok("byte[byte[0x22] + 1]"), 0x23);
	bad("ebx", "unknown register 'ebx'");
	bad("[0x20000]", "cannot read memory at 0x20000");
	bad("qword[0]", "unknown register");
	bad("byte 5", "expected '['");
}

Test(expr, segment_offset_is_linear)
{
	cr_expect_eq(ok("cs:ip"), 0xfffffff0, "a segment register uses its cached base");
	cr_expect_eq(ok("0xf000:0xfff0"), 0xffff0, "a selector value uses the mode's rule");
	cr_expect_eq(ok("0x7c0:0 == 0x7c00"), 1);
	cr_expect_eq(ok("cs:ip + 2"), 0xfffffff2, "':' binds looser than '+'");
	cr_expect_eq(ok("0xffff:0x10"), 0x100000);
}

Test(expr, errors_never_crash)
{
	static const char *const inputs[] = {
		"", "(", ")", "1 +", "((((1", "1 2", "[", "byte[1", "$", "7 / 0", "7 % 0", "a:",
		":", "1 ? 2 : 3", "0x1p3", "\x01", "cs:", "eaxeaxeaxeaxeaxeaxeax",
	};
	char deep[400];
	uint64_t v;
	char err[128];

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		cr_expect_eq(expr_eval(&env, inputs[i], &v, err, sizeof(err)), -1, "'%s' parsed", inputs[i]);
		cr_expect(err[0], "'%s' gave no message", inputs[i]);
	}
	memset(deep, '(', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = 0;
	bad(deep, "nested too deeply");
	memset(deep, '-', sizeof(deep) - 2);
	deep[sizeof(deep) - 2] = '1';
	bad(deep, "nested too deeply");
}
