/*
 * debugger/expr.h: the monitor's expression language, shared by `print`,
 * `x`, `break ... if`, `set` and the gdb stub's monitor commands. Pure: the
 * parser reaches registers and memory only through struct expr_env, so the
 * libFuzzer target and unit tests run it without a machine.
 *
 * Grammar (C precedence, lowest first):
 *   expr  := or ; or := and ('||' and)* ; and := bor ('&&' bor)*
 *   bor := bxor ('|' bxor)* ; bxor := band ('^' band)* ; band := eq ('&' eq)*
 *   eq := rel (('=='|'!=') rel)* ; rel := shift (('<'|'>'|'<='|'>=') shift)*
 *   shift := segoff (('<<'|'>>') segoff)*
 *   segoff := add (':' add)?        seg:off -> linear address
 *   add := mul (('+'|'-') mul)* ; mul := unary (('*'|'/'|'%') unary)*
 *   unary := ('-'|'~'|'!'|'*') unary | primary        '*x' = dword at linear x
 *   primary := NUMBER | REG | '$' REG | '(' expr ')' | SIZE? '[' expr ']'
 *   SIZE := byte | word | dword        (memory at a linear address)
 * Numbers are C literals (0x1f, 017, 42) or end in 'h' (0f000h). In SEG:OFF
 * a segment register name uses its descriptor cache base; any other value is
 * a selector, converted as the current mode does (real/V86: sel*16). Values
 * are 64-bit unsigned; comparisons give 0 or 1.
 */
#ifndef LS_DEBUGGER_EXPR_H
#define LS_DEBUGGER_EXPR_H

#include <stddef.h>
#include <stdint.h>

/* What the expression can see. Every callback returns 0 or -1 (unknown
 * register, unreadable memory). */
struct expr_env {
	void *opaque;
	/* Register value by (lower-case) name; *segreg is set to the segment
	 * register index (0-5, ES CS SS DS FS GS) when name is one, else -1. */
	int (*reg)(void *opaque, const char *name, uint64_t *value, int *segreg);
	/* size (1, 2, 4) bytes at a linear address. */
	int (*mem)(void *opaque, uint64_t lin, int size, uint64_t *value);
	/* Linear base for SEG:OFF: segreg >= 0 is a segment register (cached
	 * base), else selector is a selector value. */
	int (*seg_base)(void *opaque, int segreg, uint64_t selector, uint64_t *base);
};

/* Evaluate s. Returns 0 and sets *out, or -1 with a one-line message in err
 * (never crashes on any input; nesting depth is bounded). */
int expr_eval(const struct expr_env *env, const char *s, uint64_t *out, char *err, size_t errlen);

/* Parse a number literal at the start of s (as the grammar above);
 * returns the characters used (0: none). */
size_t expr_parse_number(const char *s, uint64_t *out);

#endif
