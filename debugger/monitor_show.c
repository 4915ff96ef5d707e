/*
 * debugger/monitor_show.c: the monitor's inspection and modification
 * commands: regs, x/xp (gdb's x/FMT: count, format x d u o t c i s, unit
 * b h w g), disas, info TOPIC, print, set. Memory is read without side
 * effects (machine/info.h); writes go through dbg_apply_write.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "debugger/monitor_internal.h"
#include "machine/info.h"
#include "machine/state.h"
#include "mem/mem.h"

static struct cpu *mon_cpu(struct monitor *mon) { return machine_cpu(mon->m); }

/* ---- regs ---- */

static void print_flags(FILE *f, uint32_t fl)
{
	static const struct { uint32_t bit; const char *name; } bits[] = {
		{ 1u << 0, "CF" }, { 1u << 2, "PF" }, { 1u << 4, "AF" }, { 1u << 6, "ZF" },
		{ 1u << 7, "SF" }, { 1u << 8, "TF" }, { 1u << 9, "IF" }, { 1u << 10, "DF" },
		{ 1u << 11, "OF" }, { 1u << 14, "NT" }, { 1u << 16, "RF" }, { 1u << 17, "VM" },
		{ 1u << 18, "AC" }, { 1u << 19, "VIF" }, { 1u << 20, "VIP" }, { 1u << 21, "ID" },
	};
	fprintf(f, "[");
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (fl & bits[i].bit)
			fprintf(f, " %s", bits[i].name);
	fprintf(f, " IOPL=%u ]", (fl >> 12) & 3);
}

static void print_seg(FILE *f, const char *name, const struct cpu_segment *s, int sysreg)
{
	if (sysreg == 2) {
		fprintf(f, "%-4s base 0x%08x limit 0x%08x\n", name, s->base, s->limit);
		return;
	}
	fprintf(f, "%-4s %04x  base 0x%08x limit 0x%08x attr 0x%04x", name, s->selector, s->base,
		s->limit, s->attr);
	if (!(s->attr & 0x80)) {
		fprintf(f, " (not present)\n");
		return;
	}
	unsigned type = s->attr & 0xf;
	if (s->attr & 0x10)
		fprintf(f, " (%s%s%s, dpl %u, %s%s)\n", (type & 8) ? "code" : "data",
			(type & 8) ? ((type & 2) ? " r-x" : " --x") : ((type & 2) ? " rw-" : " r--"),
			(type & 8) ? ((type & 4) ? " conforming" : "") : ((type & 4) ? " expand-down" : ""),
			(s->attr >> 5) & 3, (s->attr & 0x4000) ? "32-bit" : "16-bit",
			(s->attr & 0x8000) ? ", 4K granular" : "");
	else
		fprintf(f, " (system type %u, dpl %u)\n", type, (s->attr >> 5) & 3);
}

static void print_cr0(FILE *f, uint32_t v)
{
	static const struct { uint32_t bit; const char *name; } bits[] = {
		{ 1u << 0, "PE" }, { 1u << 1, "MP" }, { 1u << 2, "EM" }, { 1u << 3, "TS" },
		{ 1u << 4, "ET" }, { 1u << 5, "NE" }, { 1u << 16, "WP" }, { 1u << 18, "AM" },
		{ 1u << 29, "NW" }, { 1u << 30, "CD" }, { 1u << 31, "PG" },
	};
	fprintf(f, "[");
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (v & bits[i].bit)
			fprintf(f, " %s", bits[i].name);
	fprintf(f, " ]");
}

int mon_cmd_regs(struct monitor *mon, char *args, const char *fmt)
{
	static const char *const gpr[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
	static const char *const segn[CPU_NSEGS] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr",
						     "tr", "gdtr", "idtr" };
	struct cpu *c = mon_cpu(mon);
	FILE *f = mon->out;

	for (int i = 0; i < 8; i++)
		fprintf(f, "%s 0x%08x%s", gpr[i], cpu_get_reg(c, (enum cpu_reg)i), (i & 3) == 3 ? "\n" : "  ");
	fprintf(f, "eip 0x%08x  eflags 0x%08x ", cpu_get_reg(c, CPU_EIP), cpu_get_reg(c, CPU_EFLAGS));
	print_flags(f, cpu_get_reg(c, CPU_EFLAGS));
	fprintf(f, "\nmode %s  icount %" PRIu64 "  a20 %s\n", dbg_mode_name(mon->d), cpu_icount(c),
		machine_a20_enabled(mon->m) ? "on" : "off");
	for (int s = 0; s < CPU_NSEGS; s++) {
		struct cpu_segment seg;
		cpu_get_seg(c, (enum cpu_seg)s, &seg);
		print_seg(f, segn[s], &seg, s >= CPU_GDTR ? 2 : s >= CPU_LDTR);
	}
	fprintf(f, "cr0 0x%08x ", cpu_get_reg(c, CPU_CR0));
	print_cr0(f, cpu_get_reg(c, CPU_CR0));
	fprintf(f, "  cr2 0x%08x  cr3 0x%08x  cr4 0x%08x\n", cpu_get_reg(c, CPU_CR2),
		cpu_get_reg(c, CPU_CR3), cpu_get_reg(c, CPU_CR4));
	fprintf(f, "dr0 0x%08x  dr1 0x%08x  dr2 0x%08x  dr3 0x%08x  dr6 0x%08x  dr7 0x%08x\n",
		cpu_get_reg(c, CPU_DR0), cpu_get_reg(c, CPU_DR1), cpu_get_reg(c, CPU_DR2),
		cpu_get_reg(c, CPU_DR3), cpu_get_reg(c, CPU_DR6), cpu_get_reg(c, CPU_DR7));
	return 0;
}

/* ---- x / xp ---- */

struct xfmt {
	unsigned count;
	char format;   /* x d u o t c i s */
	int unit;      /* 1 2 4 8 */
	int code32;    /* instructions: 0 16-bit, 1 32-bit, -1 as CS says */
};

static int parse_fmt(struct monitor *mon, const char *s, struct xfmt *x)
{
	x->count = 1;
	x->format = 'x';
	x->unit = 4;
	x->code32 = -1;
	if (isdigit((unsigned char)*s)) {
		char *end;
		unsigned long n = strtoul(s, &end, 10);
		if (!n || n > 4096)
			return mon_error(mon, "count must be 1..4096");
		x->count = (unsigned)n;
		s = end;
	}
	for (; *s; s++) {
		if (strchr("xduotcis", *s)) {
			x->format = *s;
			if (*s == 'c')
				x->unit = 1;
		} else if (strchr("bhwg", *s)) {
			x->unit = *s == 'b' ? 1 : *s == 'h' ? 2 : *s == 'w' ? 4 : 8;
		} else {
			return mon_error(mon, "unknown format letter '%c' (formats x d u o t c i s, units b h w g)", *s);
		}
	}
	return 0;
}

static void print_item(FILE *f, char format, int unit, uint64_t v)
{
	int bits = unit * 8;
	switch (format) {
	case 'd': {
		int64_t sv = bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
		fprintf(f, "%" PRId64, sv);
		break;
	}
	case 'u': fprintf(f, "%" PRIu64, v); break;
	case 'o': fprintf(f, "0%" PRIo64, v); break;
	case 't':
		for (int b = bits - 1; b >= 0; b--)
			fputc((v >> b) & 1 ? '1' : '0', f);
		break;
	case 'c':
		if (v >= 0x20 && v < 0x7f)
			fprintf(f, "'%c'", (int)v);
		else
			fprintf(f, "'\\x%02x'", (unsigned)v);
		break;
	default: fprintf(f, "0x%0*" PRIx64, unit * 2, v); break;
	}
}

/* Dump count units from lin (physical if phys). */
static int examine(struct monitor *mon, const struct xfmt *x, uint64_t addr, int phys)
{
	FILE *f = mon->out;
	int per_line = x->format == 'c' ? 8 : x->unit == 8 ? 2 : x->unit == 4 ? 4 : 8;

	if (addr > 0xffffffffull && !phys)
		return mon_error(mon, "linear address 0x%" PRIx64 " is beyond 4 GiB", addr);
	if (x->format == 'i') {
		if (phys)
			return mon_error(mon, "xp/i: disassemble at a linear address with x/i or disas");
		for (unsigned i = 0; i < x->count; i++) {
			char text[160];
			int n = dbg_disas(mon->d, (uint32_t)addr, x->code32, text, sizeof(text));
			fprintf(f, "0x%08" PRIx64 ": %s\n", addr, text);
			if (!n)
				return 0;
			addr += (uint64_t)n;
		}
		return 0;
	}
	if (x->format == 's') {
		for (unsigned i = 0; i < x->count; i++) {
			fprintf(f, "0x%08" PRIx64 ": \"", addr);
			for (int n = 0; n < 256; n++, addr++) {
				uint8_t b;
				int r = phys ? machine_debug_read_phys(mon->m, addr, &b, 1)
					     : machine_debug_read_lin(mon->m, (uint32_t)addr, &b, 1);
				if (r) {
					fprintf(f, "<unreadable>");
					break;
				}
				if (!b) {
					addr++;
					break;
				}
				if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\')
					fputc(b, f);
				else
					fprintf(f, "\\x%02x", b);
			}
			fprintf(f, "\"\n");
		}
		return 0;
	}
	for (unsigned i = 0; i < x->count; i++) {
		uint8_t b[8];
		uint64_t a = addr + (uint64_t)i * (uint64_t)x->unit, v = 0;
		int r = phys ? machine_debug_read_phys(mon->m, a, b, (size_t)x->unit)
			     : machine_debug_read_lin(mon->m, (uint32_t)a, b, (size_t)x->unit);
		if (i % (unsigned)per_line == 0)
			fprintf(f, "%s0x%08" PRIx64 ":", i ? "\n" : "", a);
		fputc(' ', f);
		if (r) {
			fprintf(f, "%.*s", x->unit * 2 + (x->format == 'x' ? 2 : 0), "????????????????????");
			continue;
		}
		for (int k = x->unit - 1; k >= 0; k--)
			v = v << 8 | b[k];
		print_item(f, x->format, x->unit, v);
	}
	fputc('\n', f);
	return 0;
}

static int cmd_examine(struct monitor *mon, char *args, const char *fmt, int phys)
{
	struct xfmt x;
	uint64_t addr;

	if (parse_fmt(mon, fmt, &x))
		return -1;
	if (!*args)
		return mon_error(mon, "usage: %s/FMT ADDRESS", phys ? "xp" : "x");
	if (mon_eval(mon, args, &addr))
		return -1;
	return examine(mon, &x, addr, phys);
}

int mon_cmd_x(struct monitor *mon, char *args, const char *fmt) { return cmd_examine(mon, args, fmt, 0); }
int mon_cmd_xp(struct monitor *mon, char *args, const char *fmt) { return cmd_examine(mon, args, fmt, 1); }

/* ---- disas ---- */

int mon_cmd_disas(struct monitor *mon, char *args, const char *fmt)
{
	struct xfmt x = { 8, 'i', 1, -1 };
	uint64_t addr = dbg_pc_linear(mon->d), n;
	char *a = mon_word(&args), *c = mon_word(&args);

	if (!strcmp(fmt, "16") || !strcmp(fmt, "32"))
		x.code32 = fmt[0] == '3';
	else if (*fmt)
		return mon_error(mon, "disas/%s: the size is 16 or 32", fmt);

	if (*a && mon_eval(mon, a, &addr))
		return -1;
	if (*c) {
		if (mon_eval(mon, c, &n))
			return -1;
		if (!n || n > 4096)
			return mon_error(mon, "count must be 1..4096");
		x.count = (unsigned)n;
	}
	return examine(mon, &x, addr, 0);
}

/* ---- info ---- */

const char *const mon_info_topics[] = {
	"breakpoints", "registers", "pam", "roms", "mtree", "ivt", "gdt", "idt", "tlb", "pci",
	"fwcfg", "devices", "milestones", "hashes", NULL,
};

int mon_cmd_info(struct monitor *mon, char *args, const char *fmt)
{
	char *topic = mon_word(&args);
	struct mem *mem = machine_mem(mon->m);
	size_t n = strlen(topic);
	const char *match = NULL;

	if (!n)
		return mon_error(mon, "usage: info TOPIC (one of: breakpoints registers pam roms mtree "
				 "ivt gdt idt tlb pci fwcfg devices milestones hashes)");
	for (int i = 0; mon_info_topics[i]; i++)
		if (!strncmp(topic, mon_info_topics[i], n)) {
			if (match && strcmp(topic, mon_info_topics[i]))
				return mon_error(mon, "info %s: ambiguous", topic);
			match = mon_info_topics[i];
			if (!strcmp(topic, match))
				break;
		}
	if (!match)
		return mon_error(mon, "info %s: unknown topic", topic);
	fflush(mon->out);
	if (!strcmp(match, "breakpoints"))
		return mon_print_breakpoints(mon);
	if (!strcmp(match, "registers"))
		return mon_cmd_regs(mon, args, "");
	if (!strcmp(match, "pam"))
		mem_print_pam(mem, mon->out);
	else if (!strcmp(match, "roms"))
		mem_print_roms(mem, mon->out);
	else if (!strcmp(match, "mtree"))
		mem_print_mtree(mem, mon->out);
	else if (!strcmp(match, "ivt")) {
		uint64_t first = 0, count = 256;
		char *a = mon_word(&args), *b = mon_word(&args);
		if (*a && mon_eval(mon, a, &first))
			return -1;
		if (*a)
			count = 1;
		if (*b && mon_eval(mon, b, &count))
			return -1;
		if (first > 255)
			return mon_error(mon, "vector 0x%" PRIx64 " is beyond 0xff", first);
		info_print_ivt(mon->m, mon->out, (int)first, count > 256 ? 256 : (int)count);
	} else if (!strcmp(match, "gdt"))
		info_print_gdt(mon->m, mon->out);
	else if (!strcmp(match, "idt"))
		info_print_idt(mon->m, mon->out);
	else if (!strcmp(match, "tlb"))
		info_print_tlb(mon->m, mon->out);
	else if (!strcmp(match, "pci"))
		info_print_pci(mon->m, mon->out);
	else if (!strcmp(match, "fwcfg"))
		info_print_fwcfg(mon->m, mon->out);
	else if (!strcmp(match, "devices"))
		info_print_devices(mon->m, mon->out);
	else if (!strcmp(match, "milestones"))
		info_print_milestones(mon->m, mon->out);
	else if (!strcmp(match, "hashes")) {
		/* The state hashes a CHECKPOINT stores (docs/replay.md §4). */
		struct machine_hashes h;
		machine_hash_state(mon->m, &h);
		fprintf(mon->out, "icount %" PRIu64 " cpu 0x%016" PRIx64 " ram 0x%016" PRIx64
			" devices 0x%016" PRIx64 "\n", cpu_icount(machine_cpu(mon->m)), h.cpu, h.ram,
			h.dev);
	}
	return 0;
}

/* ---- print ---- */

int mon_cmd_print(struct monitor *mon, char *args, const char *fmt)
{
	uint64_t v;

	if (!*args)
		return mon_error(mon, "usage: print EXPR");
	if (mon_eval(mon, args, &v))
		return -1;
	if (*fmt == 'd')
		fprintf(mon->out, "%" PRId64 "\n", (int64_t)v);
	else if (*fmt == 'x')
		fprintf(mon->out, "0x%" PRIx64 "\n", v);
	else
		fprintf(mon->out, "0x%" PRIx64 " (%" PRIu64 ")\n", v, v);
	return 0;
}

/* ---- set ---- */

static int set_mem(struct monitor *mon, char *args, int size)
{
	char *eq = strchr(args, '=');
	uint64_t addr, val;
	uint8_t b[4];
	char err[160];

	if (!eq)
		return mon_error(mon, "usage: set mem[/b|/w|/d] PHYS = VALUE");
	*eq = 0;
	if (mon_eval(mon, args, &addr) || mon_eval(mon, eq + 1, &val))
		return -1;
	if (size < 4 && val >> (size * 8))
		return mon_error(mon, "value 0x%" PRIx64 " does not fit in %d byte%s", val, size,
				 size > 1 ? "s" : "");
	for (int i = 0; i < size; i++)
		b[i] = (uint8_t)(val >> (8 * i));
	struct dbg_write w = { .kind = DBG_WRITE_MEM, .addr = addr, .len = (uint32_t)size, .data = b };
	if (dbg_apply_write(mon->d, &w, err, sizeof(err)))
		return mon_error(mon, "%s", err);
	return 0;
}

int mon_cmd_set(struct monitor *mon, char *args, const char *fmt)
{
	char *eq, name[16];
	size_t n = 0;
	int reg, size, shift, s;
	uint64_t v;
	char err[160];

	while (*args == ' ' || *args == '\t')
		args++;
	if (!strncmp(args, "mem", 3) && (args[3] == ' ' || args[3] == '/' || args[3] == '\t')) {
		int sz = 1;
		args += 3;
		if (*args == '/') {
			sz = args[1] == 'b' ? 1 : args[1] == 'w' ? 2 : args[1] == 'd' ? 4 : 0;
			if (!sz || (args[2] && args[2] != ' '))
				return mon_error(mon, "set mem/SIZE: SIZE is b, w or d");
			args += 2;
		}
		return set_mem(mon, args, sz);
	}
	eq = strchr(args, '=');
	if (!eq)
		return mon_error(mon, "usage: set REG = EXPR | set mem[/b|/w|/d] PHYS = VALUE");
	if (*args == '$')
		args++;
	while (n < sizeof(name) - 1 && isalnum((unsigned char)args[n])) {
		name[n] = (char)tolower((unsigned char)args[n]);
		n++;
	}
	name[n] = 0;
	for (const char *p = args + n; p < eq; p++)
		if (*p != ' ' && *p != '\t')
			return mon_error(mon, "usage: set REG = EXPR");
	if (mon_eval(mon, eq + 1, &v))
		return -1;
	if ((s = dbg_seg_lookup(name)) >= 0) {
		static const int ids[6] = { CPU_ES, CPU_CS, CPU_SS, CPU_DS, CPU_FS, CPU_GS };
		if (v > 0xffff)
			return mon_error(mon, "selector 0x%" PRIx64 " does not fit in 16 bits", v);
		struct dbg_write w = { .kind = DBG_WRITE_SEG, .reg = ids[s], .value = (uint32_t)v };
		if (dbg_apply_write(mon->d, &w, err, sizeof(err)))
			return mon_error(mon, "%s", err);
		return 0;
	}
	if (dbg_reg_lookup(name, &reg, &size, &shift))
		return mon_error(mon, "unknown register '%s'", name);
	uint32_t old = cpu_get_reg(mon_cpu(mon), (enum cpu_reg)reg), mask;
	mask = size == 4 ? 0xffffffffu : ((1u << (size * 8)) - 1) << shift;
	if (size < 4 && v >> (size * 8))
		return mon_error(mon, "value 0x%" PRIx64 " does not fit in %s", v, name);
	struct dbg_write w = { .kind = DBG_WRITE_REG, .reg = reg,
			       .value = (old & ~mask) | (((uint32_t)v << shift) & mask) };
	if (dbg_apply_write(mon->d, &w, err, sizeof(err)))
		return mon_error(mon, "%s", err);
	return 0;
}
