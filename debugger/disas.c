/*
 * debugger/disas.c: one instruction for the monitor: its bytes and the CPU's
 * own disassembly (cpu/disasm.c, driven by cpu/insn.def), so the monitor shows
 * exactly what the CPU will execute; the decoder also says what `next` steps over.
 */
#include "debugger/disas.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/disasm.h"

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->pos >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (size_t)n;
	if (o->pos >= o->len)
		o->pos = o->len - 1;
}

int dbg_format_insn(const struct decoder *dec, const uint8_t *bytes, int avail, uint32_t eip,
		    int code32, char *text, size_t len, int *steps_over)
{
	struct insn i;
	struct out o = { text, len, 0 };
	int n;

	if (steps_over)
		*steps_over = 0;
	if (len)
		text[0] = 0;
	n = decode_insn(dec, bytes, avail, code32, &i);
	if (n <= 0) {
		put(&o, "(bad)");
		return 0;
	}
	const struct insn_info *e = &insn_table[i.id];
	char asm_text[128];
	cpu_disasm(bytes, avail, code32, eip, asm_text, sizeof(asm_text));
	for (int k = 0; k < n; k++)
		put(&o, "%02x ", bytes[k]);
	while (o.pos < 24 && o.pos + 1 < o.len)
		put(&o, " ");
	put(&o, "%s", asm_text);
	if (steps_over) {
		const char *mn = e->mnem;
		*steps_over = !strcmp(mn, "call") || !strncmp(mn, "int", 3) ||
			      ((e->attr & A_REP) && (i.flags & (INSN_REP | INSN_REPNE)));
	}
	return n;
}
