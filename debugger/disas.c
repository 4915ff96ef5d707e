/*
 * debugger/disas.c: Intel-syntax text for one instruction, from the CPU's own
 * decoder and instruction table (cpu/insn.def), so the monitor shows exactly
 * what the CPU will execute. Operand notation follows SDM Vol. 2 App. A.2.
 * XXX: a stand-in until cpu/ exports its disassembler; the monitor calls
 * only dbg_format_insn, so switching is one function.
 */
#include "debugger/disas.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpu/decode.h"

static const char *const reg8[8] = { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
static const char *const reg16[8] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
static const char *const reg32[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
static const char *const sreg[8] = { "es", "cs", "ss", "ds", "fs", "gs", "?s", "?s" };

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

static void put_mem(struct out *o, const struct insn *i, const char *size)
{
	int a32 = (i->flags & INSN_ASZ32) != 0;
	const char *const *r = a32 ? reg32 : reg16;
	int any = 0;

	if (size)
		put(o, "%s ptr ", size);
	if (i->flags & INSN_SEGOVR)
		put(o, "%s:", sreg[i->seg & 7]);
	put(o, "[");
	if (i->base != EA_NONE) {
		put(o, "%s", r[i->base & 7]);
		any = 1;
	}
	if (i->index != EA_NONE) {
		put(o, "%s%s", any ? "+" : "", r[i->index & 7]);
		if (i->scale)
			put(o, "*%d", 1 << i->scale);
		any = 1;
	}
	if (i->disp || !any) {
		uint32_t d = a32 ? i->disp : i->disp & 0xffff;
		if (any && (a32 ? (int32_t)d < 0 : (d & 0x8000)))
			put(o, "-0x%x", a32 ? -d : (0x10000 - d));
		else
			put(o, "%s0x%x", any ? "+" : "", d);
	}
	put(o, "]");
}

static void put_string_op(struct out *o, const struct insn *i, int src)
{
	int a32 = (i->flags & INSN_ASZ32) != 0;
	if (src)
		put(o, "%s:[%s]", sreg[(i->flags & INSN_SEGOVR) ? i->seg & 7 : 3], a32 ? "esi" : "si");
	else
		put(o, "es:[%s]", a32 ? "edi" : "di");
}

static void put_operand(struct out *o, const struct insn *i, int kind, uint32_t next_eip,
			int osz32, int *nimm)
{
	static const char *const sizes[] = { "byte", "word", "dword" };
	int mem = (i->flags & INSN_MEM) != 0;

	switch (kind) {
	case O_E8: case O_E16: case O_E32:
		if (mem)
			put_mem(o, i, sizes[kind - O_E8]);
		else
			put(o, "%s", (kind == O_E8 ? reg8 : kind == O_E16 ? reg16 : reg32)[i->rm & 7]);
		break;
	case O_G8: put(o, "%s", reg8[i->reg & 7]); break;
	case O_G16: put(o, "%s", reg16[i->reg & 7]); break;
	case O_G32: put(o, "%s", reg32[i->reg & 7]); break;
	case O_R32: put(o, "%s", reg32[i->rm & 7]); break;
	case O_M: case O_MS: case O_MA16: case O_MA32: put_mem(o, i, NULL); break;
	case O_MP16: put_mem(o, i, "far"); break;
	case O_MP32: put_mem(o, i, "far"); break;
	case O_MQ: put_mem(o, i, "qword"); break;
	case O_SREG: put(o, "%s", sreg[i->reg & 7]); break;
	case O_CR: put(o, "cr%d", i->reg & 7); break;
	case O_DR: put(o, "dr%d", i->reg & 7); break;
	case O_I8: case O_I16: case O_I32: case O_IS8: {
		uint32_t v = (*nimm)++ ? i->imm2 : i->imm;
		if (kind == O_IS8)
			v &= osz32 ? 0xffffffffu : 0xffffu;
		put(o, "0x%x", v);
		break;
	}
	case O_J8: case O_J16: case O_J32: {
		uint32_t t = next_eip + i->imm;
		put(o, "0x%x", osz32 ? t : t & 0xffff);
		break;
	}
	case O_AP16: case O_AP32: put(o, "0x%x:0x%x", i->imm2, i->imm); break;
	case O_O8: case O_O16: case O_O32:
		put(o, "%s ptr %s:[0x%x]", sizes[kind - O_O8], sreg[i->seg & 7], i->disp);
		break;
	case O_AL: put(o, "al"); break;
	case O_AX: put(o, "ax"); break;
	case O_EAX: put(o, "eax"); break;
	case O_CL: put(o, "cl"); break;
	case O_DX: put(o, "dx"); break;
	case O_ONE: put(o, "1"); break;
	case O_ES: case O_CS: case O_SS: case O_DS: case O_FS: case O_GS:
		put(o, "%s", sreg[kind - O_ES]);
		break;
	case O_Z8: put(o, "%s", reg8[i->reg & 7]); break;
	case O_Z16: put(o, "%s", reg16[i->reg & 7]); break;
	case O_Z32: put(o, "%s", reg32[i->reg & 7]); break;
	case O_XB: case O_XW: case O_XD: put_string_op(o, i, 1); break;
	case O_YB: case O_YW: case O_YD: put_string_op(o, i, 0); break;
	default: put(o, "?"); break;
	}
}

int dbg_format_insn(const struct decoder *dec, const uint8_t *bytes, int avail, uint32_t eip,
		    int code32, char *text, size_t len, int *steps_over)
{
	static const char *const cc[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
					    "s", "ns", "p", "np", "l", "ge", "le", "g" };
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
	for (int k = 0; k < n; k++)
		put(&o, "%02x ", bytes[k]);
	while (o.pos < 24 && o.pos + 1 < o.len)
		put(&o, " ");
	if (i.flags & INSN_LOCK)
		put(&o, "lock ");
	if ((e->attr & A_REP) && (i.flags & (INSN_REP | INSN_REPNE)))
		put(&o, "%s ", (i.flags & INSN_REPNE) ? "repne" : (e->opc == 0xa6 || e->opc == 0xa7 ||
								   e->opc == 0xae || e->opc == 0xaf)
								  ? "repe" : "rep");
	put(&o, "%s%s", e->mnem, (e->attr & A_CC) ? cc[i.cc & 15] : "");
	int nimm = 0, first = 1;
	uint32_t next = eip + (uint32_t)n;
	for (int k = 0; k < 3; k++) {
		if (e->ops[k] == O_NONE)
			continue;
		put(&o, first ? " " : ", ");
		first = 0;
		put_operand(&o, &i, e->ops[k], next, (i.flags & INSN_OSZ32) != 0, &nimm);
	}
	if (steps_over) {
		const char *mn = e->mnem;
		*steps_over = !strcmp(mn, "call") || !strncmp(mn, "int", 3) ||
			      ((e->attr & A_REP) && (i.flags & (INSN_REP | INSN_REPNE)));
	}
	return n;
}
