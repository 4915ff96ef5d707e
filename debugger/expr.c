/*
 * debugger/expr.c: a recursive-descent evaluator for the monitor's
 * expressions (grammar in debugger/expr.h). Evaluates while parsing; errors
 * unwind through a flag, never by longjmp, and nesting is bounded so hostile
 * input (the fuzzer, a gdb `monitor` packet) cannot exhaust the stack.
 */
#include "debugger/expr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPR_MAX_DEPTH 64

struct parser {
	const struct expr_env *env;
	const char *s, *p;
	int depth;
	int failed;
	char *err;
	size_t errlen;
};

/* A value and, when it came straight from a segment register, its index. */
struct val {
	uint64_t v;
	int segreg;
};

static void fail(struct parser *ps, const char *msg)
{
	if (ps->failed)
		return;
	ps->failed = 1;
	if (*ps->p)
		snprintf(ps->err, ps->errlen, "%s at '%.20s'", msg, ps->p);
	else
		snprintf(ps->err, ps->errlen, "%s at end of expression", msg);
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

/* Consume tok if it is next (and, for '<' '>' '&' '|', not the first half of
 * a longer operator). */
static int accept(struct parser *ps, const char *tok)
{
	size_t n = strlen(tok);

	skip_ws(ps);
	if (strncmp(ps->p, tok, n))
		return 0;
	if (n == 1 && (tok[0] == '<' || tok[0] == '>') && (ps->p[1] == tok[0] || ps->p[1] == '='))
		return 0;
	if (n == 1 && (tok[0] == '&' || tok[0] == '|') && ps->p[1] == tok[0])
		return 0;
	if (n == 1 && (tok[0] == '!' || tok[0] == '=') && ps->p[1] == '=')
		return 0;
	ps->p += n;
	return 1;
}

static int is_ident(int c) { return isalnum(c) || c == '_'; }

size_t expr_parse_number(const char *s, uint64_t *out)
{
	const char *q = s;
	char *end;

	if (!isdigit((unsigned char)*s))
		return 0;
	while (isxdigit((unsigned char)*q))
		q++;
	if ((*q == 'h' || *q == 'H') && !is_ident((unsigned char)q[1])) {
		uint64_t v = 0;
		for (const char *c = s; c < q; c++)
			v = v * 16 + (uint64_t)(isdigit((unsigned char)*c) ? *c - '0'
								: (tolower((unsigned char)*c) - 'a' + 10));
		*out = v;
		return (size_t)(q - s) + 1;
	}
	*out = strtoull(s, &end, 0);
	if (is_ident((unsigned char)*end))
		return 0;
	return (size_t)(end - s);
}

static struct val parse_expr(struct parser *ps);

static uint64_t read_mem(struct parser *ps, uint64_t lin, int size)
{
	uint64_t v = 0;

	if (ps->failed)
		return 0;
	if (!ps->env->mem || ps->env->mem(ps->env->opaque, lin, size, &v)) {
		char msg[64];
		snprintf(msg, sizeof(msg), "cannot read memory at 0x%llx", (unsigned long long)lin);
		fail(ps, msg);
		return 0;
	}
	return v;
}

static struct val parse_unary(struct parser *ps);

static struct val parse_primary(struct parser *ps)
{
	struct val r = { 0, -1 };
	char name[16];
	size_t n = 0;

	skip_ws(ps);
	if (ps->failed)
		return r;
	if (accept(ps, "(")) {
		r = parse_expr(ps);
		if (!accept(ps, ")"))
			fail(ps, "expected ')'");
		r.segreg = -1;
		return r;
	}
	if (accept(ps, "[")) {
		r.v = parse_expr(ps).v;
		if (!accept(ps, "]"))
			fail(ps, "expected ']'");
		r.v = read_mem(ps, r.v, 4);
		return r;
	}
	if ((n = expr_parse_number(ps->p, &r.v))) {
		ps->p += n;
		return r;
	}
	if (isdigit((unsigned char)*ps->p)) {
		fail(ps, "bad number");
		return r;
	}
	if (*ps->p == '$')
		ps->p++;
	while (is_ident((unsigned char)ps->p[n]) && n < sizeof(name) - 1) {
		name[n] = (char)tolower((unsigned char)ps->p[n]);
		n++;
	}
	name[n] = 0;
	if (!n || is_ident((unsigned char)ps->p[n])) {
		fail(ps, n ? "name too long" : "expected a value");
		return r;
	}
	ps->p += n;
	static const struct { const char *kw; int size; } sizes[] = {
		{ "byte", 1 }, { "word", 2 }, { "dword", 4 },
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (!strcmp(name, sizes[i].kw)) {
			if (!accept(ps, "[")) {
				fail(ps, "expected '[' after a size");
				return r;
			}
			r.v = parse_expr(ps).v;
			if (!accept(ps, "]"))
				fail(ps, "expected ']'");
			r.v = read_mem(ps, r.v, sizes[i].size);
			return r;
		}
	if (!ps->env->reg || ps->env->reg(ps->env->opaque, name, &r.v, &r.segreg)) {
		char msg[48];
		ps->p -= n;
		snprintf(msg, sizeof(msg), "unknown register '%s'", name);
		fail(ps, msg);
	}
	return r;
}

static struct val parse_unary(struct parser *ps)
{
	struct val r = { 0, -1 };

	if (ps->failed)
		return r;
	if (++ps->depth > EXPR_MAX_DEPTH) {
		fail(ps, "expression nested too deeply");
		return r;
	}
	if (accept(ps, "-")) {
		r.v = -parse_unary(ps).v;
	} else if (accept(ps, "~")) {
		r.v = ~parse_unary(ps).v;
	} else if (accept(ps, "!")) {
		r.v = !parse_unary(ps).v;
	} else if (accept(ps, "+")) {
		r.v = parse_unary(ps).v;
	} else if (accept(ps, "*")) {
		r.v = read_mem(ps, parse_unary(ps).v, 4);
	} else {
		r = parse_primary(ps);
	}
	ps->depth--;
	return r;
}

static struct val parse_mul(struct parser *ps)
{
	struct val l = parse_unary(ps);

	for (;;) {
		int op = accept(ps, "*") ? '*' : accept(ps, "/") ? '/' : accept(ps, "%") ? '%' : 0;
		if (!op || ps->failed)
			return l;
		uint64_t r = parse_unary(ps).v;
		l.segreg = -1;
		if (op == '*') {
			l.v *= r;
		} else if (!r) {
			fail(ps, "division by zero");
			return l;
		} else {
			l.v = op == '/' ? l.v / r : l.v % r;
		}
	}
}

static struct val parse_add(struct parser *ps)
{
	struct val l = parse_mul(ps);

	for (;;) {
		int op = accept(ps, "+") ? '+' : accept(ps, "-") ? '-' : 0;
		if (!op || ps->failed)
			return l;
		uint64_t r = parse_mul(ps).v;
		l.v = op == '+' ? l.v + r : l.v - r;
		l.segreg = -1;
	}
}

static struct val parse_segoff(struct parser *ps)
{
	struct val l = parse_add(ps);

	if (ps->failed || !accept(ps, ":"))
		return l;
	uint64_t off = parse_add(ps).v, base = 0;
	if (ps->failed)
		return l;
	if (!ps->env->seg_base || ps->env->seg_base(ps->env->opaque, l.segreg, l.v, &base)) {
		fail(ps, "cannot resolve the segment");
		return l;
	}
	l.v = (base + off) & 0xffffffffull;
	l.segreg = -1;
	return l;
}

static struct val parse_shift(struct parser *ps)
{
	struct val l = parse_segoff(ps);

	for (;;) {
		int op = accept(ps, "<<") ? '<' : accept(ps, ">>") ? '>' : 0;
		if (!op || ps->failed)
			return l;
		uint64_t r = parse_segoff(ps).v;
		l.v = r >= 64 ? 0 : op == '<' ? l.v << r : l.v >> r;
		l.segreg = -1;
	}
}

static struct val parse_rel(struct parser *ps)
{
	struct val l = parse_shift(ps);

	for (;;) {
		int op = accept(ps, "<=") ? 'l' : accept(ps, ">=") ? 'g' : accept(ps, "<") ? '<'
			: accept(ps, ">") ? '>' : 0;
		if (!op || ps->failed)
			return l;
		uint64_t r = parse_shift(ps).v;
		l.v = op == 'l' ? l.v <= r : op == 'g' ? l.v >= r : op == '<' ? l.v < r : l.v > r;
		l.segreg = -1;
	}
}

static struct val parse_eq(struct parser *ps)
{
	struct val l = parse_rel(ps);

	for (;;) {
		int op = accept(ps, "==") ? '=' : accept(ps, "!=") ? '!' : 0;
		if (!op || ps->failed)
			return l;
		uint64_t r = parse_rel(ps).v;
		l.v = op == '=' ? l.v == r : l.v != r;
		l.segreg = -1;
	}
}

/* The three bitwise levels and the two logical ones share a shape. */
static struct val parse_band(struct parser *ps)
{
	struct val l = parse_eq(ps);
	while (!ps->failed && accept(ps, "&")) {
		l.v &= parse_eq(ps).v;
		l.segreg = -1;
	}
	return l;
}

static struct val parse_bxor(struct parser *ps)
{
	struct val l = parse_band(ps);
	while (!ps->failed && accept(ps, "^")) {
		l.v ^= parse_band(ps).v;
		l.segreg = -1;
	}
	return l;
}

static struct val parse_bor(struct parser *ps)
{
	struct val l = parse_bxor(ps);
	while (!ps->failed && accept(ps, "|")) {
		l.v |= parse_bxor(ps).v;
		l.segreg = -1;
	}
	return l;
}

static struct val parse_and(struct parser *ps)
{
	struct val l = parse_bor(ps);
	while (!ps->failed && accept(ps, "&&")) {
		uint64_t r = parse_bor(ps).v;
		l.v = l.v && r;
		l.segreg = -1;
	}
	return l;
}

static struct val parse_expr(struct parser *ps)
{
	struct val l;

	if (++ps->depth > EXPR_MAX_DEPTH) {
		fail(ps, "expression nested too deeply");
		return (struct val){ 0, -1 };
	}
	l = parse_and(ps);
	while (!ps->failed && accept(ps, "||")) {
		uint64_t r = parse_and(ps).v;
		l.v = l.v || r;
		l.segreg = -1;
	}
	ps->depth--;
	return l;
}

int expr_eval(const struct expr_env *env, const char *s, uint64_t *out, char *err, size_t errlen)
{
	struct parser ps = { .env = env, .s = s, .p = s, .err = err, .errlen = errlen };
	struct val v;

	if (errlen)
		err[0] = 0;
	v = parse_expr(&ps);
	skip_ws(&ps);
	if (!ps.failed && *ps.p)
		fail(&ps, "unexpected text");
	if (ps.failed)
		return -1;
	*out = v.v;
	return 0;
}
