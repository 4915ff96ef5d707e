/*
 * cpu/disasm.c: Intel-syntax text for decoded instructions, from the
 * mnemonics and operand kinds in cpu/insn.def (SDM Vol. 2 notation, lower
 * case, hexadecimal immediates).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/disasm.h"

static const char *const reg8_names[8] = { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
static const char *const reg16_names[8] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
static const char *const reg32_names[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
static const char *const seg_names[8] = { "es", "cs", "ss", "ds", "fs", "gs", "?6", "?7" };
static const char *const cc_names[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
					   "s", "ns", "p", "np", "l", "ge", "le", "g" };

struct out {
	char *p;
	size_t n, cap;
};

static void emit(struct out *o, const char *fmt, ...)
{
	if (o->n >= o->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->n = o->n + (size_t)k < o->cap ? o->n + (size_t)k : o->cap - 1;
}

static void emit_mem(struct out *o, const struct insn *i, const char *size)
{
	int a32 = (i->flags & INSN_ASZ32) != 0;
	const char *const *rn = a32 ? reg32_names : reg16_names;
	if (size)
		emit(o, "%s ptr ", size);
	if (i->flags & INSN_SEGOVR)
		emit(o, "%s:", seg_names[i->seg & 7]);
	emit(o, "[");
	int any = 0;
	if (i->base != EA_NONE) {
		emit(o, "%s", rn[i->base]);
		any = 1;
	}
	if (i->index != EA_NONE) {
		emit(o, "%s%s", any ? "+" : "", rn[i->index]);
		if (i->scale)
			emit(o, "*%d", 1 << i->scale);
		any = 1;
	}
	uint32_t d = a32 ? i->disp : (i->disp & 0xffff);
	if (!any) {
		emit(o, "0x%x", d);
	} else if (d) {
		int32_t sd = a32 ? (int32_t)d : (int16_t)d;
		if (sd < 0)
			emit(o, "-0x%x", (uint32_t)(-(int64_t)sd));
		else
			emit(o, "+0x%x", (uint32_t)sd);
	}
	emit(o, "]");
}

static const char *mem_size(int op)
{
	switch (op) {
	case O_E8: return "byte";
	case O_E16: return "word";
	case O_E32: return "dword";
	case O_MP16: return "dword";
	case O_MP32: return "fword";
	case O_MQ: return "qword";
	case O_MA16: return "dword";
	case O_MA32: return "qword";
	default: return NULL;
	}
}

static void emit_operand(struct out *o, const struct insn *i, int op, int nimm, uint32_t eip)
{
	int mem = (i->flags & INSN_MEM) != 0;
	int osz32 = (i->flags & INSN_OSZ32) != 0;
	uint32_t next = eip + i->len;
	switch (op) {
	case O_E8: case O_E16: case O_E32:
		if (mem)
			emit_mem(o, i, mem_size(op));
		else
			emit(o, "%s", op == O_E8 ? reg8_names[i->rm] : op == O_E16 ? reg16_names[i->rm]
											: reg32_names[i->rm]);
		break;
	case O_M: case O_MS: case O_MP16: case O_MP32: case O_MQ: case O_MA16: case O_MA32:
		emit_mem(o, i, mem_size(op));
		break;
	case O_G8: emit(o, "%s", reg8_names[i->reg]); break;
	case O_G16: emit(o, "%s", reg16_names[i->reg]); break;
	case O_G32: emit(o, "%s", reg32_names[i->reg]); break;
	case O_R32: emit(o, "%s", reg32_names[i->rm]); break;
	case O_SREG: emit(o, "%s", seg_names[i->reg]); break;
	case O_CR: emit(o, "cr%d", i->reg); break;
	case O_DR: emit(o, "dr%d", i->reg); break;
	case O_I8: emit(o, "0x%x", (nimm ? i->imm2 : i->imm) & 0xff); break;
	case O_I16: emit(o, "0x%x", (nimm ? i->imm2 : i->imm) & 0xffff); break;
	case O_I32: emit(o, "0x%x", i->imm); break;
	case O_IS8: emit(o, "0x%x", osz32 ? i->imm : (i->imm & 0xffff)); break;
	case O_J8: case O_J16: case O_J32: {
		uint32_t t = next + i->imm;
		emit(o, "0x%x", osz32 ? t : (t & 0xffff));
		break;
	}
	case O_AP16: emit(o, "0x%x:0x%x", i->imm2, i->imm & 0xffff); break;
	case O_AP32: emit(o, "0x%x:0x%x", i->imm2, i->imm); break;
	case O_O8: case O_O16: case O_O32: {
		static const char *const sz[3] = { "byte", "word", "dword" };
		emit(o, "%s ptr ", sz[op - O_O8]);
		if (i->flags & INSN_SEGOVR)
			emit(o, "%s:", seg_names[i->seg & 7]);
		emit(o, "[0x%x]", i->disp);
		break;
	}
	case O_AL: emit(o, "al"); break;
	case O_AX: emit(o, "ax"); break;
	case O_EAX: emit(o, "eax"); break;
	case O_CL: emit(o, "cl"); break;
	case O_DX: emit(o, "dx"); break;
	case O_ONE: emit(o, "1"); break;
	case O_ES: case O_CS: case O_SS: case O_DS: case O_FS: case O_GS:
		emit(o, "%s", seg_names[op - O_ES]);
		break;
	case O_Z8: emit(o, "%s", reg8_names[i->reg]); break;
	case O_Z16: emit(o, "%s", reg16_names[i->reg]); break;
	case O_Z32: emit(o, "%s", reg32_names[i->reg]); break;
	default: break;
	}
}

static int implicit(int op)
{
	return op >= O_XB && op <= O_YD;
}

int cpu_disasm(const uint8_t *bytes, int avail, int code32, uint32_t eip, char *outbuf, size_t outsz)
{
	struct decoder d;
	struct insn i;
	struct out o = { outbuf, 0, outsz };
	if (outsz)
		outbuf[0] = 0;
	decoder_init(&d);
	int len = decode_insn(&d, bytes, avail, code32, &i);
	if (len == DECODE_MORE) {
		emit(&o, "(truncated)");
		return 0;
	}
	if (len == DECODE_LONG) {
		emit(&o, "(too long)");
		return 15;
	}
	const struct insn_info *e = &insn_table[i.id];
	if (i.flags & INSN_LOCK)
		emit(&o, "lock ");
	if (e->attr & A_REP) {
		if (i.flags & INSN_REP)
			emit(&o, (e->opc == 0xa6 || e->opc == 0xa7 || e->opc == 0xae || e->opc == 0xaf)
					 ? "repe " : "rep ");
		else if (i.flags & INSN_REPNE)
			emit(&o, "repne ");
		if (i.flags & INSN_SEGOVR)
			emit(&o, "%s ", seg_names[i.seg & 7]);
	}
	emit(&o, "%s", e->mnem);
	if (e->attr & A_CC)
		emit(&o, "%s", cc_names[i.cc]);
	if (e->opc == 0xd8 && e->map == 0)
		emit(&o, " 0x%02x", (unsigned)(0xd8 + (i.opc & 7)));
	int first = 1, nimm = 0;
	for (int k = 0; k < 3; k++) {
		int op = e->ops[k];
		if (op == O_NONE || implicit(op) || (e->attr & A_REP))
			continue;   /* string operands are implied by the mnemonic */
		if (e->opc == 0xd8 && e->map == 0 && !(i.flags & INSN_MEM))
			break;
		emit(&o, first ? " " : ", ");
		first = 0;
		emit_operand(&o, &i, op, nimm, eip);
		if (op == O_I8 || op == O_I16 || op == O_I32 || op == O_IS8)
			nimm++;
	}
	return len;
}
