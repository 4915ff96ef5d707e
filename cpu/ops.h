/* cpu/ops.h: declarations of every instruction handler named in cpu/insn.def. */
#ifndef LS_CPU_OPS_H
#define LS_CPU_OPS_H

#include "cpu/decode.h"

#define INSN(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) \
	void op_##id(struct cpu *c, const struct insn *i);
#define INSN_RM(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) \
	void op_##id##_R(struct cpu *c, const struct insn *i); \
	void op_##id##_M(struct cpu *c, const struct insn *i);
#define INSN_M(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) \
	void op_##id##_M(struct cpu *c, const struct insn *i);
#include "cpu/insn.def"
#undef INSN
#undef INSN_RM
#undef INSN_M

/* Raises #UD (undefined encodings, register forms of memory-only ops, bad LOCK). */
void op_UD(struct cpu *c, const struct insn *i);
/* Raises #GP(0): instruction longer than 15 bytes (SDM Vol. 2 §2.1). */
void op_TOOLONG(struct cpu *c, const struct insn *i);

/* Jcc (JCC_Jb/Jw/Jd) with the condition tttn as a constant: the decoder
 * picks op_jcc_cc[tttn] (handler H_JCC0 + tttn). */
extern const insn_fn op_jcc_cc[16];

/* Define the register and memory forms of an r/m handler from one body
 * `static inline void body(struct cpu *c, const struct insn *i, int mem, ...)`
 * so the form is a compile-time constant in each. */
#define RM_FORMS(id, body, ...) \
	void op_##id##_R(struct cpu *c, const struct insn *i) { body(c, i, 0, ##__VA_ARGS__); } \
	void op_##id##_M(struct cpu *c, const struct insn *i) { body(c, i, 1, ##__VA_ARGS__); }

#endif
