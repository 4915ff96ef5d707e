/* tests/test_cpu_disasm.c: the disassembler and decoder against the table:
 * every cpu/insn.def entry decodes back to itself from bytes built from its
 * own line, and a set of encodings gives exact Intel-syntax text. */
#include <criterion/criterion.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/disasm.h"

/* Bytes for table entry e in 16-bit code: prefixes for 32-bit forms, the
 * opcode (register 1 / condition 0 for opcode ranges), ModRM (memory
 * [bx+si+0x12] or register form for O_R32), then zero immediates. */
static int encode(const struct insn_info *e, uint8_t *b)
{
	int n = 0;
	if (e->osz == 32)
		b[n++] = 0x66;
	if (e->asz == 32)
		b[n++] = 0x67;
	if (e->map == 1)
		b[n++] = 0x0f;
	b[n++] = (uint8_t)(e->opc + ((e->attr & A_Z) ? 1 : 0));
	if (e->has_modrm) {
		int reg = e->reg == INSN_ANY ? 0 : e->reg;
		int regonly = 0;
		for (int k = 0; k < 3; k++)
			if (e->ops[k] == O_R32)
				regonly = 1;
		if (regonly) {
			b[n++] = (uint8_t)(0xc0 | (reg << 3) | 1);
		} else if (e->asz == 32) {
			b[n++] = (uint8_t)(0x40 | (reg << 3) | 3);   /* [ebx+0x12] */
			b[n++] = 0x12;
		} else {
			b[n++] = (uint8_t)(0x40 | (reg << 3) | 0);   /* [bx+si+0x12] */
			b[n++] = 0x12;
		}
	}
	memset(b + n, 0, 8);
	return n + 8;
}

Test(cpu_disasm, every_table_entry_round_trips)
{
	struct decoder d;
	decoder_init(&d);
	for (int id = 0; id < INSN_COUNT; id++) {
		const struct insn_info *e = &insn_table[id];
		if (e->map > 1)
			continue;
		uint8_t b[32];
		int n = encode(e, b);
		struct insn i;
		int len = decode_insn(&d, b, n, 0, &i);
		cr_expect_gt(len, 0, "%s: decode failed", e->name);
		cr_expect_eq(i.id, id, "%s decoded as %s", e->name, insn_table[i.id].name);
		char text[96];
		int dl = cpu_disasm(b, n, 0, 0, text, sizeof(text));
		cr_expect_eq(dl, len, "%s: disasm length", e->name);
		cr_expect_eq(strncmp(text, e->mnem, strlen(e->mnem)), 0, "%s: '%s'", e->name, text);
		cr_expect_null(strstr(text, "(bad)"), "%s: '%s'", e->name, text);
	}
}

struct sample {
	int code32;
	uint8_t bytes[15];
	int n;
	const char *text;
};

static const struct sample samples[] = {
	{ 0, { 0x00, 0x40, 0x10 }, 3, "add byte ptr [bx+si+0x10], al" },
	{ 1, { 0x8b, 0x44, 0x24, 0x08 }, 4, "mov eax, dword ptr [esp+0x8]" },
	{ 1, { 0x8b, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00 }, 7, "mov eax, dword ptr [ecx*4+0x1000]" },
	{ 0, { 0xf3, 0xa4 }, 2, "rep movsb" },
	{ 0, { 0xf3, 0xa6 }, 2, "repe cmpsb" },
	{ 0, { 0xf2, 0xae }, 2, "repne scasb" },
	{ 0, { 0x0f, 0x84, 0x10, 0x00 }, 4, "je 0x114" },
	{ 0, { 0x75, 0xfe }, 2, "jne 0x100" },
	{ 1, { 0x66, 0xc7, 0x05, 0x00, 0x10, 0x00, 0x00, 0x34, 0x12 }, 9, "mov word ptr [0x1000], 0x1234" },
	{ 0, { 0xea, 0x00, 0x7c, 0x00, 0x00 }, 5, "jmp 0x0:0x7c00" },
	{ 1, { 0x0f, 0x22, 0xc0 }, 3, "mov cr0, eax" },
	{ 0, { 0xf0, 0x83, 0x07, 0xff }, 4, "lock add word ptr [bx], 0xffff" },
	{ 1, { 0xc8, 0x10, 0x00, 0x01 }, 4, "enter 0x10, 0x1" },
	{ 0, { 0x26, 0x8a, 0x46, 0xfe }, 4, "mov al, byte ptr es:[bp-0x2]" },
	{ 0, { 0xcd, 0x21 }, 2, "int 0x21" },
	{ 0, { 0x8e, 0xd8 }, 2, "mov ds, ax" },
	{ 1, { 0x0f, 0xb6, 0xc3 }, 3, "movzx eax, bl" },
	{ 1, { 0x0f, 0x45, 0xc1 }, 3, "cmovne eax, ecx" },
	{ 1, { 0x0f, 0x94, 0xc0 }, 3, "sete al" },
	{ 0, { 0x66, 0x0f, 0x01, 0x16, 0x00, 0x20 }, 6, "lgdt [0x2000]" },
	{ 1, { 0xd1, 0xe0 }, 2, "shl eax, 1" },
	{ 1, { 0xd3, 0xf8 }, 2, "sar eax, cl" },
	{ 1, { 0x0f, 0xa4, 0xd0, 0x04 }, 4, "shld eax, edx, 0x4" },
	{ 0, { 0x90 }, 1, "nop" },
	{ 0, { 0x91 }, 1, "xchg cx, ax" },
	{ 1, { 0x0f, 0xc8 }, 2, "bswap eax" },
	{ 0, { 0xe4, 0x60 }, 2, "in al, 0x60" },
	{ 0, { 0xef }, 1, "out dx, ax" },
	{ 1, { 0x0f, 0xc7, 0x0e }, 3, "cmpxchg8b qword ptr [esi]" },
	{ 0, { 0x0f, 0xff }, 2, "(bad)" },
	{ 0, { 0xa1, 0x34, 0x12 }, 3, "mov ax, word ptr [0x1234]" },
	{ 1, { 0x6a, 0xff }, 2, "push 0xffffffff" },
	{ 0, { 0x0f, 0x1f, 0x00 }, 3, "nop word ptr [bx+si]" },
};

Test(cpu_disasm, exact_text)
{
	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		const struct sample *s = &samples[k];
		char text[96];
		int len = cpu_disasm(s->bytes, s->n, s->code32, 0x100, text, sizeof(text));
		cr_expect_eq(len, s->n, "sample %zu ('%s'): length %d", k, s->text, len);
		cr_expect_str_eq(text, s->text);
	}
}

Test(cpu_disasm, truncated_and_too_long)
{
	char text[64];
	static const uint8_t b[] = { 0x66, 0xb8, 0x01 };
	cr_expect_eq(cpu_disasm(b, 3, 0, 0, text, sizeof(text)), 0);
	cr_expect_str_eq(text, "(truncated)");
	uint8_t l[16];
	memset(l, 0x26, 15);
	l[15] = 0x90;
	cr_expect_eq(cpu_disasm(l, 16, 0, 0, text, sizeof(text)), 15);
	cr_expect_str_eq(text, "(too long)");
	/* A tiny buffer is truncated, never overrun. */
	char small[4];
	static const uint8_t m[] = { 0x00, 0x40, 0x10 };
	cpu_disasm(m, 3, 0, 0, small, sizeof(small));
	cr_expect_eq(strlen(small), 3);
}
