/* cpu/table.c: the instruction table built from cpu/insn.def, and the
 * decoder's per-opcode lookup chains derived from it. */
#include <assert.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/ops.h"

#define X INSN_ANY
#define HAS_MODRM(o1, o2, o3) (opnd_is_modrm(o1) || opnd_is_modrm(o2) || opnd_is_modrm(o3))
#define opnd_is_modrm(o) (((o) >= O_E8 && (o) <= O_R32))

const struct insn_info insn_table[INSN_COUNT] = {
#define INSN(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) \
	{ #id, mn, op_##id, op_##id, H_##id, H_##id, map, opc, reg, osz, asz, { o1, o2, o3 }, cost, attr, \
	  HAS_MODRM(o1, o2, o3) },
#define INSN_RM(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) \
	{ #id, mn, op_##id##_R, op_##id##_M, H_##id##_R, H_##id##_M, map, opc, reg, osz, asz, { o1, o2, o3 }, cost, \
	  attr, 1 },
#define INSN_M(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) \
	{ #id, mn, op_UD, op_##id##_M, H_UD, H_##id##_M, map, opc, reg, osz, asz, { o1, o2, o3 }, cost, attr, 1 },
#include "cpu/insn.def"
#undef INSN
#undef INSN_RM
#undef INSN_M
};

void decoder_init(struct decoder *d)
{
	/* Two passes in table order: count the entries of each opcode key,
	 * then fill. Lookups try a key's entries in table order and the first
	 * match wins (NOP before XCHG eAX). Range entries (register or
	 * condition in the opcode) are listed under each opcode they cover. */
	uint16_t fill[512];
	memset(d->start, 0, sizeof(d->start));
	memset(d->count, 0, sizeof(d->count));
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			unsigned sum = 0;
			for (unsigned k = 0; k < 512; k++) {
				d->start[k] = (uint16_t)sum;
				fill[k] = (uint16_t)sum;
				sum += d->count[k];
			}
			assert(sum <= DECODER_LIST_MAX);
		}
		for (unsigned id = 0; id < INSN_COUNT; id++) {
			const struct insn_info *e = &insn_table[id];
			if (e->map > 1)
				continue;
			unsigned n = (e->attr & A_CC) ? 16 : (e->attr & A_Z) ? 8 : 1;
			for (unsigned k = 0; k < n; k++) {
				unsigned key = e->map * 256u + e->opc + k;
				if (pass == 0)
					d->count[key]++;
				else
					d->list[fill[key]++] = (uint16_t)id;
			}
		}
	}
}
