/*
 * tests/fuzz/fuzz_monitor_expr.c: libFuzzer target for the monitor's
 * expression parser (debugger/expr.c) on a fake environment: any input must
 * evaluate or fail with a message, never crash or recurse without bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "debugger/expr.h"

static int fake_reg(void *o, const char *name, uint64_t *v, int *segreg)
{
	*segreg = !strcmp(name, "cs") ? 1 : -1;
	*v = strlen(name);
	return name[0] == 'e' || *segreg >= 0 ? 0 : -1;
}

static int fake_mem(void *o, uint64_t lin, int size, uint64_t *v)
{
	*v = lin * 2654435761u;
	return lin & 1 ? -1 : 0;
}

static int fake_seg(void *o, int segreg, uint64_t sel, uint64_t *base)
{
	*base = sel << 4;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct expr_env env = { NULL, fake_reg, fake_mem, fake_seg };
	char *s = malloc(size + 1), err[160];
	uint64_t v;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	if (expr_eval(&env, s, &v, err, sizeof(err)) && !err[0])
		abort();   /* a failure always explains itself */
	free(s);
	return 0;
}
