/*
 * cpu/decode.h: decoded instructions and the instruction table.
 *
 * cpu/insn.def is the one table: each line is one instruction form and
 * feeds the opcode ids, the decoder's lookup, the handler pointers and the
 * disassembler's mnemonics and operands. The decoder resolves prefixes,
 * ModRM/SIB, displacement and immediates into a struct insn once; handlers
 * receive the register or memory form already chosen (they never look at
 * ModRM.mod).
 */
#ifndef LS_CPU_DECODE_H
#define LS_CPU_DECODE_H

#include <stdint.h>

struct cpu;
struct insn;
typedef void (*insn_fn)(struct cpu *c, const struct insn *i);

/* Operand kinds, in Intel manual notation (SDM Vol. 2 App. A.2). */
enum opnd {
	O_NONE,
	O_E8, O_E16, O_E32,        /* ModRM r/m: register or memory */
	O_G8, O_G16, O_G32,        /* ModRM reg: general register */
	O_M,                       /* memory only, size irrelevant (LEA, INVLPG) */
	O_MP16, O_MP32,            /* m16:16 / m16:32 far pointer */
	O_MS,                      /* m16&32 pseudo-descriptor (LGDT) */
	O_MQ,                      /* m64 (CMPXCHG8B) */
	O_MA16, O_MA32,            /* BOUND pair */
	O_SREG, O_CR, O_DR,        /* ModRM reg as segment/control/debug register */
	O_R32,                     /* ModRM r/m as register, mod ignored (MOV CRn) */
	O_I8, O_I16, O_I32, O_IS8, /* immediates; IS8 is sign-extended */
	O_J8, O_J16, O_J32,        /* relative branch targets */
	O_AP16, O_AP32,            /* direct far pointer */
	O_O8, O_O16, O_O32,        /* moffs (size of the data; offset has address size) */
	O_AL, O_AX, O_EAX, O_CL, O_DX, O_ONE,
	O_ES, O_CS, O_SS, O_DS, O_FS, O_GS,
	O_Z8, O_Z16, O_Z32,        /* register in the opcode's low 3 bits */
	O_XB, O_XW, O_XD,          /* string source DS:(E)SI */
	O_YB, O_YW, O_YD,          /* string destination ES:(E)DI */
	O_COUNT
};

/* Table attributes. */
#define A_LOCK   0x01   /* LOCK allowed (memory form) */
#define A_END    0x02   /* ends a decoded block (control flow, mode changes) */
#define A_REP    0x04   /* string instruction that honours REP prefixes */
#define A_Z      0x10   /* opcode + 0..7: register in the low 3 bits */
#define A_CC     0x20   /* opcode + 0..15: condition in the low 4 bits */

#define INSN_ANY 8

/* Opcode ids: INSN_<name>. */
enum insn_id {
#define INSN(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) INSN_##id,
#define INSN_RM INSN
#define INSN_M INSN
#include "cpu/insn.def"
#undef INSN
#undef INSN_RM
#undef INSN_M
	INSN_COUNT
};

/* Handler numbers, one per handler function (op_<id>, op_<id>_R,
 * op_<id>_M, op_UD, op_TOOLONG, and Jcc specialised by condition): the run
 * loop's threaded dispatch jumps through a table indexed by them
 * (cpu/exec.c). */
enum insn_handler {
#define INSN(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) H_##id,
#define INSN_RM(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) H_##id##_R, H_##id##_M,
#define INSN_M(id, map, opc, reg, osz, asz, mn, o1, o2, o3, cost, attr) H_##id##_M,
#include "cpu/insn.def"
#undef INSN
#undef INSN_RM
#undef INSN_M
	H_UD, H_TOOLONG,
	H_JCC0,                    /* Jcc (all forms) by condition: H_JCC0 + tttn */
	H_COUNT = H_JCC0 + 16
};

/* One table line. */
struct insn_info {
	const char *name;          /* id, e.g. "ADD_EbGb" */
	const char *mnem;          /* Intel mnemonic */
	insn_fn fn_r, fn_m;        /* register and memory forms */
	uint16_t h_r, h_m;         /* their handler numbers */
	uint8_t map, opc, reg, osz, asz;
	uint8_t ops[3];
	uint8_t cost;
	uint8_t attr;
	uint8_t has_modrm;
};
extern const struct insn_info insn_table[INSN_COUNT];

/* Decoded instruction flags. */
#define INSN_OSZ32  0x01
#define INSN_ASZ32  0x02
#define INSN_REP    0x04   /* F3 */
#define INSN_REPNE  0x08   /* F2 */
#define INSN_LOCK   0x10
#define INSN_MEM    0x20   /* r/m operand is memory */
#define INSN_SEGOVR 0x40

#define EA_NONE 8

struct insn {
	insn_fn fn;
	const void *lab;   /* threaded-dispatch label of h (cpu/exec.c, blocks only) */
	uint16_t h;        /* handler number of fn (enum insn_handler) */
	uint16_t off;      /* in a block: bytes before it in the block */
	uint32_t disp;
	uint32_t imm;
	uint16_t imm2;
	uint16_t id;
	uint8_t len;
	uint8_t reg;       /* ModRM.reg, opcode register, or fixed segment */
	uint8_t rm;        /* ModRM.rm register (register forms) */
	uint8_t seg;       /* segment of memory operands (default or override) */
	uint8_t base, index, scale;
	uint8_t flags;
	uint8_t cc;        /* opcode low 4 bits (Jcc/SETcc/CMOVcc condition) */
	uint8_t cost;
	uint8_t opc;       /* opcode byte (last byte before ModRM) */
	uint8_t idx;       /* in a block: instructions before it */
	uint16_t cum;      /* in a block: cycles of the instructions before it */
};

/* Lookup chains built from the table (per CPU: no global mutable state). */
#define DECODER_LIST_MAX 1024
struct decoder {
	uint16_t start[512], count[512];   /* key = map * 256 + opcode */
	uint16_t list[DECODER_LIST_MAX];
};

void decoder_init(struct decoder *d);

#define DECODE_MORE (-1)   /* need more bytes than available */
#define DECODE_LONG (-2)   /* would exceed 15 bytes: #GP(0) */

/* Decode one instruction from buf[0..avail) with the given default
 * operand/address size (code32 = CS.D). Returns the length and fills *out,
 * or DECODE_MORE / DECODE_LONG. Undefined opcodes decode successfully to a
 * handler that raises #UD when executed. */
int decode_insn(const struct decoder *d, const uint8_t *buf, int avail, int code32,
		struct insn *out);

#endif
