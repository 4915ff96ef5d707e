/*
 * cpu/decode.c: bytes to struct insn (prefixes, ModRM/SIB, displacement,
 * immediates), following SDM Vol. 2 chapter 2 (instruction format) and
 * Appendix A (opcode map). Works on a byte buffer so the disassembler and
 * tests can use it without a CPU.
 */
#include <string.h>

#include "cpu/decode.h"
#include "cpu/ops.h"

enum { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI };
enum { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_NONE = 7 };

static int imm_size(int o, int osz32, int asz32)
{
	switch (o) {
	case O_I8: case O_IS8: case O_J8: return 1;
	case O_I16: case O_J16: return 2;
	case O_I32: case O_J32: return 4;
	case O_AP16: return 4;
	case O_AP32: return 6;
	case O_O8: case O_O16: case O_O32: return asz32 ? 4 : 2;
	default: (void)osz32; return 0;
	}
}

static uint32_t rd_le(const uint8_t *p, int n)
{
	uint32_t v = 0;
	for (int k = n - 1; k >= 0; k--)
		v = (v << 8) | p[k];
	return v;
}

static int entry_matches(const struct insn_info *e, int reg, int osz32, int asz32)
{
	if (e->reg != INSN_ANY && e->reg != reg)
		return 0;
	if (e->osz && e->osz != (osz32 ? 32 : 16))
		return 0;
	if (e->asz && e->asz != (asz32 ? 32 : 16))
		return 0;
	return 1;
}

int decode_insn(const struct decoder *d, const uint8_t *buf, int avail, int code32,
		struct insn *out)
{
	int pos = 0, osz32 = code32, asz32 = code32, seg = S_NONE;
	uint8_t flags = 0;
	uint8_t b;

#define NEED(n) do { \
		if (pos + (n) > 15) return DECODE_LONG; \
		if (pos + (n) > avail) return DECODE_MORE; \
	} while (0)

	memset(out, 0, sizeof(*out));
	for (;;) {
		NEED(1);
		b = buf[pos];
		switch (b) {
		case 0x26: seg = S_ES; break;
		case 0x2e: seg = S_CS; break;
		case 0x36: seg = S_SS; break;
		case 0x3e: seg = S_DS; break;
		case 0x64: seg = S_FS; break;
		case 0x65: seg = S_GS; break;
		case 0x66: osz32 = !code32; break;
		case 0x67: asz32 = !code32; break;
		case 0xf0: flags |= INSN_LOCK; break;
		case 0xf2: flags = (uint8_t)((flags & ~INSN_REP) | INSN_REPNE); break;
		case 0xf3: flags = (uint8_t)((flags & ~INSN_REPNE) | INSN_REP); break;
		default: goto opcode;
		}
		pos++;
	}
opcode:;
	int map = 0;
	if (b == 0x0f) {
		pos++;
		NEED(1);
		map = 1;
		b = buf[pos];
	}
	pos++;
	uint8_t opc = b;
	unsigned key = (unsigned)map * 256u + opc;
	/* Documented aliases: 82 is 80 (SDM Vol. 2 App. A, table A-2 note). */
	if (map == 0 && opc == 0x82)
		key = 0x80;
	if (osz32)
		flags |= INSN_OSZ32;
	if (asz32)
		flags |= INSN_ASZ32;
	out->opc = opc;
	out->cc = opc & 15;
	out->base = out->index = EA_NONE;

	const struct insn_info *e = NULL;
	int id = INSN_BAD;
	int modrm = -1, reg = 0;
	unsigned n = d->count[key];
	const uint16_t *lst = &d->list[d->start[key]];
	if (n && insn_table[lst[0]].has_modrm) {
		NEED(1);
		modrm = buf[pos++];
		reg = (modrm >> 3) & 7;
	}
	int lreg = reg;
	/* Aliases of group encodings: F6/F7 /1 is TEST, shift group /6 is SHL. */
	if (map == 0 && (opc == 0xf6 || opc == 0xf7) && reg == 1)
		lreg = 0;
	if (map == 0 && (opc == 0xc0 || opc == 0xc1 || (opc >= 0xd0 && opc <= 0xd3)) && reg == 6)
		lreg = 4;
	for (unsigned k = 0; k < n; k++) {
		if (entry_matches(&insn_table[lst[k]], lreg, osz32, asz32)) {
			id = lst[k];
			break;
		}
	}
	e = &insn_table[id];

	int mem = 0, reg_only = 0;
	for (int k = 0; k < 3; k++)
		if (e->ops[k] == O_R32)
			reg_only = 1;
	if (modrm >= 0) {
		int mod = modrm >> 6, rm = modrm & 7;
		out->reg = (uint8_t)reg;
		out->rm = (uint8_t)rm;
		if (mod != 3 && !reg_only) {
			mem = 1;
			int def_seg = S_DS;
			if (!asz32) {
				static const uint8_t b16[8] = { R_BX, R_BX, R_BP, R_BP, R_SI, R_DI, R_BP, R_BX };
				static const uint8_t i16[8] = { R_SI, R_DI, R_SI, R_DI, EA_NONE, EA_NONE, EA_NONE, EA_NONE };
				if (mod == 0 && rm == 6) {
					NEED(2);
					out->disp = rd_le(buf + pos, 2);
					pos += 2;
				} else {
					out->base = b16[rm];
					out->index = i16[rm];
					if (out->base == R_BP)
						def_seg = S_SS;
					if (mod == 1) {
						NEED(1);
						out->disp = (uint32_t)(int32_t)(int8_t)buf[pos++];
					} else if (mod == 2) {
						NEED(2);
						out->disp = rd_le(buf + pos, 2);
						pos += 2;
					}
				}
			} else {
				int base = rm;
				if (rm == 4) {
					NEED(1);
					uint8_t sib = buf[pos++];
					int idx = (sib >> 3) & 7;
					base = sib & 7;
					if (idx != R_SP) {
						out->index = (uint8_t)idx;
						out->scale = (uint8_t)(sib >> 6);
					}
					if (base == R_BP && mod == 0)
						base = -1;
				} else if (rm == 5 && mod == 0) {
					base = -1;
				}
				if (base >= 0) {
					out->base = (uint8_t)base;
					if (base == R_BP || base == R_SP)
						def_seg = S_SS;
				}
				if (mod == 1) {
					NEED(1);
					out->disp = (uint32_t)(int32_t)(int8_t)buf[pos++];
				} else if (mod == 2 || base < 0) {
					NEED(4);
					out->disp = rd_le(buf + pos, 4);
					pos += 4;
				}
			}
			out->seg = (uint8_t)(seg != S_NONE ? seg : def_seg);
		}
	}
	if (!mem)
		out->seg = (uint8_t)(seg != S_NONE ? seg : S_DS);
	if (seg != S_NONE)
		flags |= INSN_SEGOVR;

	/* Immediates in operand order; the second goes to imm2 (ENTER, far pointers). */
	int nimm = 0;
	for (int k = 0; k < 3; k++) {
		int o = e->ops[k];
		int sz = imm_size(o, osz32, asz32);
		if (o == O_Z8 || o == O_Z16 || o == O_Z32)
			out->reg = opc & 7;
		else if (o >= O_ES && o <= O_GS)
			out->reg = (uint8_t)(o - O_ES);
		if (!sz)
			continue;
		NEED(sz);
		if (o == O_AP16 || o == O_AP32) {
			int off = sz - 2;
			out->imm = rd_le(buf + pos, off);
			out->imm2 = (uint16_t)rd_le(buf + pos + off, 2);
		} else if (o >= O_O8 && o <= O_O32) {
			out->disp = rd_le(buf + pos, sz);
		} else {
			uint32_t v = rd_le(buf + pos, sz);
			if (o == O_IS8 || o == O_J8)
				v = (uint32_t)(int32_t)(int8_t)v;
			else if (o == O_J16)
				v = (uint32_t)(int32_t)(int16_t)v;
			if (nimm++ == 0)
				out->imm = v;
			else
				out->imm2 = (uint16_t)v;
		}
		pos += sz;
	}
#undef NEED

	if (mem)
		flags |= INSN_MEM;
	out->flags = flags;
	out->id = (uint16_t)id;
	out->len = (uint8_t)pos;
	out->cost = e->cost;
	out->fn = mem ? e->fn_m : e->fn_r;
	out->h = mem ? e->h_m : e->h_r;
	/* LOCK only with the memory form of a lockable instruction (SDM Vol. 2, LOCK). */
	if ((flags & INSN_LOCK) && !(mem && (e->attr & A_LOCK))) {
		out->fn = op_UD;
		out->h = H_UD;
	} else if (id == INSN_JCC_Jb || id == INSN_JCC_Jw || id == INSN_JCC_Jd) {
		out->fn = op_jcc_cc[out->cc];
		out->h = (uint16_t)(H_JCC0 + out->cc);
	}
	return pos;
}
