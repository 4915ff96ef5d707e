/*
 * tests/conformance/moo-run.c: runs MOO single-instruction tests on the CPU
 * core (procedure in /work/shared/conformance/README.md) and reports, per
 * file and in total, passed / failed / skipped. A test whose mismatch is one
 * of the documented 286-versus-386 differences counts as skipped, with its
 * reason. Usage: moo-run [-v] [--masks FILE.tsv] DIR|FILE...
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cpu/cpu.h"
#include "mem/mem.h"
#include "tests/conformance/moo.h"

#define RAM_SIZE (16u << 20)

struct mask_entry {
	char opcode[8];
	int reg;                   /* -1 for '-' */
	char status[24];
	uint16_t mask;
};

struct runner {
	struct mem *mem;
	struct cpu *cpu;
	struct mask_entry *masks;
	int nmasks;
	int verbose;
	int first_vec;             /* first exception/interrupt delivered, -1 none */
	int first_vec_kind;
	int expect_vec;            /* the test's EXCP vector, -1 when none */
	unsigned long passed, failed, skipped;
};

static void on_interrupt(void *opaque, struct cpu *cpu, int vector, enum cpu_int_kind kind,
			 int error, uint16_t cs, uint32_t eip, uint16_t ncs, uint32_t neip)
{
	struct runner *r = opaque;
	(void)error; (void)cs; (void)eip; (void)ncs; (void)neip;
	if (r->first_vec < 0) {
		r->first_vec = vector;
		r->first_vec_kind = (int)kind;
	}
	/* A vector the capture did not take has no handler in the test's RAM:
	 * stop instead of running whatever the IVT points at. */
	if (vector != r->expect_vec)
		cpu_request_stop(cpu);
}

static int load_masks(struct runner *r, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		struct mask_entry e;
		char reg[8], flags[16];
		unsigned m;
		memset(&e, 0, sizeof(e));
		if (sscanf(line, "%7s %7s %23s %15s %u", e.opcode, reg, e.status, flags, &m) != 5)
			continue;
		e.reg = reg[0] == '-' ? -1 : atoi(reg);
		e.mask = (uint16_t)m;
		struct mask_entry *n = realloc(r->masks, (size_t)(r->nmasks + 1) * sizeof(*n));
		if (!n)
			break;
		r->masks = n;
		r->masks[r->nmasks++] = e;
	}
	fclose(f);
	return 0;
}

/* The table entry for a file named OP.MOO or OP.REG.MOO. */
static const struct mask_entry *find_mask(const struct runner *r, const char *file)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	char op[8] = { 0 };
	int reg = -1;
	size_t k = 0;
	while (base[k] && base[k] != '.' && k < sizeof(op) - 1) {
		op[k] = base[k];
		k++;
	}
	if (base[k] == '.' && base[k + 1] >= '0' && base[k + 1] <= '7' && base[k + 2] == '.')
		reg = base[k + 1] - '0';
	for (int n = 0; n < r->nmasks; n++)
		if (!strcasecmp(r->masks[n].opcode, op) && r->masks[n].reg == reg)
			return &r->masks[n];
	return NULL;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		uint8_t *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	fclose(f);
	*len = n;
	return buf;
}

static const enum cpu_reg gpr16[8] = { CPU_EAX, CPU_EBX, CPU_ECX, CPU_EDX, 0, 0, 0, 0 };

static void set_seg_real(struct cpu *cpu, enum cpu_seg s, uint16_t sel)
{
	struct cpu_segment seg = { sel, (uint16_t)(s == CPU_CS ? 0x9b : 0x93), (uint32_t)sel << 4, 0xffff };
	cpu_set_seg(cpu, s, &seg);
}

static void load_regs16(struct cpu *cpu, const struct moo_regs *g)
{
	cpu_set_reg(cpu, gpr16[0], g->v[MOO_AX]);
	cpu_set_reg(cpu, gpr16[1], g->v[MOO_BX]);
	cpu_set_reg(cpu, gpr16[2], g->v[MOO_CX]);
	cpu_set_reg(cpu, gpr16[3], g->v[MOO_DX]);
	cpu_set_reg(cpu, CPU_ESP, g->v[MOO_SP]);
	cpu_set_reg(cpu, CPU_EBP, g->v[MOO_BP]);
	cpu_set_reg(cpu, CPU_ESI, g->v[MOO_SI]);
	cpu_set_reg(cpu, CPU_EDI, g->v[MOO_DI]);
	cpu_set_reg(cpu, CPU_EIP, g->v[MOO_IP]);
	cpu_set_reg(cpu, CPU_EFLAGS, (g->v[MOO_FLAGS] & 0x0fffu) | 2u);
	set_seg_real(cpu, CPU_CS, (uint16_t)g->v[MOO_CS]);
	set_seg_real(cpu, CPU_SS, (uint16_t)g->v[MOO_SS]);
	set_seg_real(cpu, CPU_DS, (uint16_t)g->v[MOO_DS]);
	set_seg_real(cpu, CPU_ES, (uint16_t)g->v[MOO_ES]);
}

static void read_regs16(struct cpu *cpu, uint32_t v[MOO_NREGS16])
{
	struct cpu_segment s;
	v[MOO_AX] = cpu_get_reg(cpu, CPU_EAX) & 0xffff;
	v[MOO_BX] = cpu_get_reg(cpu, CPU_EBX) & 0xffff;
	v[MOO_CX] = cpu_get_reg(cpu, CPU_ECX) & 0xffff;
	v[MOO_DX] = cpu_get_reg(cpu, CPU_EDX) & 0xffff;
	v[MOO_SP] = cpu_get_reg(cpu, CPU_ESP) & 0xffff;
	v[MOO_BP] = cpu_get_reg(cpu, CPU_EBP) & 0xffff;
	v[MOO_SI] = cpu_get_reg(cpu, CPU_ESI) & 0xffff;
	v[MOO_DI] = cpu_get_reg(cpu, CPU_EDI) & 0xffff;
	v[MOO_IP] = cpu_get_reg(cpu, CPU_EIP) & 0xffff;
	v[MOO_FLAGS] = cpu_get_reg(cpu, CPU_EFLAGS) & 0xffff;
	cpu_get_seg(cpu, CPU_CS, &s); v[MOO_CS] = s.selector;
	cpu_get_seg(cpu, CPU_SS, &s); v[MOO_SS] = s.selector;
	cpu_get_seg(cpu, CPU_DS, &s); v[MOO_DS] = s.selector;
	cpu_get_seg(cpu, CPU_ES, &s); v[MOO_ES] = s.selector;
}

/* RG32 files: cr0 cr3 eax ebx ecx edx esi edi ebp esp cs ds es fs gs ss eip eflags dr6 dr7. */
static const enum cpu_reg map32[MOO_NREGS32] = {
	CPU_CR0, CPU_CR3, CPU_EAX, CPU_EBX, CPU_ECX, CPU_EDX, CPU_ESI, CPU_EDI, CPU_EBP,
	CPU_ESP, 0, 0, 0, 0, 0, 0, CPU_EIP, CPU_EFLAGS, CPU_DR6, CPU_DR7,
};
static const enum cpu_seg seg32[6] = { CPU_CS, CPU_DS, CPU_ES, CPU_FS, CPU_GS, CPU_SS };

static void load_regs32(struct cpu *cpu, const struct moo_regs *g)
{
	for (int k = 0; k < MOO_NREGS32; k++) {
		if (k >= MOO32_CS && k <= MOO32_SS)
			continue;
		if (!(g->present & (1u << k)))
			continue;
		cpu_set_reg(cpu, map32[k], g->v[k]);
	}
	for (int k = 0; k < 6; k++)
		if (g->present & (1u << (MOO32_CS + k)))
			set_seg_real(cpu, seg32[k], (uint16_t)g->v[MOO32_CS + k]);
}

static void read_regs32(struct cpu *cpu, uint32_t v[MOO_NREGS32])
{
	for (int k = 0; k < MOO_NREGS32; k++) {
		if (k >= MOO32_CS && k <= MOO32_SS) {
			struct cpu_segment s;
			cpu_get_seg(cpu, seg32[k - MOO32_CS], &s);
			v[k] = s.selector;
		} else {
			v[k] = cpu_get_reg(cpu, map32[k]);
		}
	}
}

static int has_lock_prefix(const struct moo_test *t)
{
	for (uint32_t k = 0; k < t->nbytes; k++) {
		uint8_t b = t->bytes[k];
		if (b == 0xf0)
			return 1;
		if (!(b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
		      b == 0x66 || b == 0x67 || b == 0xf2 || b == 0xf3))
			return 0;
	}
	return 0;
}

enum outcome { PASS, FAIL, SKIP };

/* Why a mismatch is a documented 286/386 difference, or NULL. */
static const char *classify(const struct runner *r, const struct moo_test *t,
			    const struct mask_entry *me, int only_flags, int only_index, uint8_t opc,
			    uint8_t modrm)
{
	if (has_lock_prefix(t) && r->first_vec == 6)
		return "LOCK on a non-lockable instruction raises #UD on the 386";
	if (t->nbytes - 1 > 10 && t->has_excp && r->first_vec < 0)
		return "the 286 faults on instructions longer than 10 bytes; the 386 allows 15";
	if ((opc == 0x8c || opc == 0x8e) && t->nbytes > 1 && ((modrm >> 3) & 7) >= 4 &&
	    ((modrm >> 3) & 7) <= 5)
		return "FS/GS exist from the 386 on; the 286 raises #UD";
	if (t->has_excp && t->excp_vector == 13 && r->first_vec == 12)
		return "segment-limit wrap on the stack: #SS on the 386, #GP on the 286";
	if (t->has_excp && t->excp_vector == 13 && r->first_vec == 13 && only_index)
		return "limit fault in a string instruction: the 286 has already advanced SI/DI "
		       "(and CX), the 386 commits nothing";
	if (only_flags && (opc == 0xd2 || opc == 0xd3 || opc == 0xc0 || opc == 0xc1))
		return "undefined flags of shifts/rotates by large counts differ between 286 and 386";
	if (only_flags && t->has_excp && t->excp_vector == 0)
		return "FLAGS pushed by a divide error differ between 286 and 386";
	if (me && strcmp(me->status, "normal"))
		return "opcode is not a documented 286 instruction form (status in flags-masks.tsv)";
	return NULL;
}

static enum outcome run_test(struct runner *r, const struct moo_file *f, const struct moo_test *t,
			     const struct mask_entry *me, const char *file, const char **why)
{
	struct cpu *cpu = r->cpu;
	int nregs = f->regs32 ? MOO_NREGS32 : MOO_NREGS16;
	int flags_idx = f->regs32 ? MOO32_EFLAGS : MOO_FLAGS;
	cpu_reset(cpu);
	if (f->regs32)
		load_regs32(cpu, &t->init.regs);
	else
		load_regs16(cpu, &t->init.regs);
	for (uint32_t k = 0; k < t->init.nram; k++)
		mem_write(r->mem, t->init.ram[k].addr & (RAM_SIZE - 1), t->init.ram[k].value, 1);
	r->first_vec = -1;
	r->expect_vec = t->has_excp ? t->excp_vector : -1;
	uint64_t ic0 = cpu_icount(cpu);
	enum cpu_stop st = CPU_STOP_DEADLINE;
	/* Enough for a REP with CX = 0xFFFF; a runaway test stops there. */
	st = cpu_run(cpu, cpu_icount(cpu) + 0x11000, UINT64_MAX);

	if (r->verbose > 1)
		printf("  %s #%u: %llu instructions, stop %d\n", file, t->index,
		       (unsigned long long)(cpu_icount(cpu) - ic0), (int)st);
	/* Expected registers: FINA where given, else unchanged from INIT. */
	uint32_t exp[MOO_MAX_REGS], got[MOO_MAX_REGS];
	for (int k = 0; k < nregs; k++)
		exp[k] = (t->fina.regs.present & (1u << k)) ? t->fina.regs.v[k] : t->init.regs.v[k];
	if (!(t->fina.regs.present & (1u << flags_idx)))
		exp[flags_idx] = (t->init.regs.v[flags_idx] & (f->regs32 ? ~0u : 0x0fffu)) | 2u;
	if (f->regs32)
		read_regs32(cpu, got);
	else
		read_regs16(cpu, got);
	uint32_t fmask = me ? me->mask : 0xffff;
	uint8_t opc = t->bytes[0], modrm = 0;
	for (uint32_t k = 0; k < t->nbytes; k++) {
		uint8_t b = t->bytes[k];
		if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0xf0 || b == 0xf2 || b == 0xf3)
			continue;
		opc = b;
		modrm = k + 1 < t->nbytes ? t->bytes[k + 1] : 0;
		break;
	}
	/* Where the interrupt frame's FLAGS word is: SS:SP+4 of the final state
	 * in real mode (the EXCP address of some captures is off by one). */
	uint32_t fl_addr = t->excp_flags_addr;
	if (!f->regs32)
		fl_addr = (exp[MOO_SS] << 4) + ((exp[MOO_SP] + 4) & 0xffff);
	if (!f->regs32 && (opc == 0x9d || opc == 0xcf))
		fmask &= 0x0fff;   /* POPF/IRET: the 386 keeps IOPL and NT in real mode */
	if (f->regs32)
		fmask |= 0xffff0000u;

	int bad_regs = 0, bad_flags = 0, bad_ram = 0, bad_other = 0;
	char detail[512] = "";
	size_t dl = 0;
	if (st != CPU_STOP_HLT) {
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, " (did not reach HLT: stop %d)", (int)st);
		bad_regs = bad_other = 1;
	}
	for (int k = 0; k < nregs; k++) {
		uint32_t m = 0xffffffffu;
		if (k == flags_idx)
			m = fmask;
		const struct moo_regs *rm = t->fina.has_mask ? &t->fina.mask : f->has_mask ? &f->mask : NULL;
		if (rm && (rm->present & (1u << k)))
			m &= rm->v[k];
		if ((exp[k] & m) != (got[k] & m)) {
			if (k == flags_idx)
				bad_flags = 1;
			else
				bad_regs = 1;
			if (f->regs32 || (k != MOO_SI && k != MOO_DI && k != MOO_CX))
				bad_other = 1;
			if (dl < sizeof(detail) - 40)
				dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, " r%d=%x(exp %x)", k,
						       got[k] & m, exp[k] & m);
		}
	}
	for (uint32_t k = 0; k < t->fina.nram; k++) {
		uint32_t a = t->fina.ram[k].addr;
		uint8_t want = t->fina.ram[k].value;
		uint8_t have = (uint8_t)mem_read(r->mem, a & (RAM_SIZE - 1), 1);
		uint8_t m = 0xff;
		int is_flags = 0;
		if (t->has_excp && a == fl_addr) {
			m = (uint8_t)fmask;
			is_flags = 1;
		} else if (t->has_excp && a == fl_addr + 1) {
			m = (uint8_t)(fmask >> 8);
			is_flags = 1;
		}
		if ((want & m) != (have & m)) {
			if (is_flags)
				bad_flags = 1;
			else
				bad_ram = 1;
			if (dl < sizeof(detail) - 40)
				dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, " [%x]=%02x(exp %02x)",
						       a, have & m, want & m);
		}
	}
	/* Leave RAM as it was: zero every byte the test touched. */
	for (uint32_t k = 0; k < t->init.nram; k++)
		mem_write(r->mem, t->init.ram[k].addr & (RAM_SIZE - 1), 0, 1);
	for (uint32_t k = 0; k < t->fina.nram; k++)
		mem_write(r->mem, t->fina.ram[k].addr & (RAM_SIZE - 1), 0, 1);

	if (!bad_regs && !bad_flags && !bad_ram)
		return PASS;
	*why = classify(r, t, me, !bad_regs && !bad_ram, !bad_other && !bad_flags && !bad_ram, opc,
			modrm);
	if (*why)
		return SKIP;
	if (r->verbose)
		printf("  FAIL %s #%u '%s' bytes", file, t->index, t->name ? t->name : "");
	if (r->verbose) {
		for (uint32_t k = 0; k < t->nbytes; k++)
			printf(" %02x", t->bytes[k]);
		printf(":%s vec=%d\n", detail, r->first_vec);
	}
	return FAIL;
}

static void run_file(struct runner *r, const char *path)
{
	size_t len;
	uint8_t *buf = read_file(path, &len);
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!buf) {
		printf("%s: error: cannot read\n", base);
		r->failed++;
		return;
	}
	struct moo_file f;
	char err[256];
	if (moo_parse(buf, len, &f, err, sizeof(err))) {
		printf("%s: error: %s\n", base, err);
		r->failed++;
		free(buf);
		return;
	}
	free(buf);
	const struct mask_entry *me = find_mask(r, path);
	unsigned long p = 0, fl = 0, s = 0;
	const char *reasons[8];
	unsigned long rcount[8];
	int nreasons = 0;
	for (uint32_t k = 0; k < f.ntests; k++) {
		const char *why = NULL;
		enum outcome o = run_test(r, &f, &f.tests[k], me, base, &why);
		if (o == PASS) {
			p++;
		} else if (o == FAIL) {
			fl++;
		} else {
			s++;
			int n;
			for (n = 0; n < nreasons && reasons[n] != why; n++)
				;
			if (n == nreasons && nreasons < 8) {
				reasons[nreasons] = why;
				rcount[nreasons++] = 0;
			}
			if (n < 8)
				rcount[n]++;
		}
	}
	printf("%s: %lu passed, %lu failed, %lu skipped\n", base, p, fl, s);
	for (int n = 0; n < nreasons; n++)
		printf("  skipped %lu: %s\n", rcount[n], reasons[n]);
	r->passed += p;
	r->failed += fl;
	r->skipped += s;
	moo_free(&f);
}

static int is_moo(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && !strcasecmp(name + n - 4, ".moo");
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(struct runner *r, const char *dir, int explicit_masks)
{
	if (!explicit_masks) {
		char mp[4096];
		snprintf(mp, sizeof(mp), "%s/flags-masks.tsv", dir);
		free(r->masks);
		r->masks = NULL;
		r->nmasks = 0;
		load_masks(r, mp);
	}
	DIR *d = opendir(dir);
	if (!d) {
		printf("%s: error: cannot open directory\n", dir);
		r->failed++;
		return;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_moo(e->d_name))
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn)
			break;
		names = nn;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t k = 0; k < n; k++) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", dir, names[k]);
		run_file(r, p);
		free(names[k]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	struct runner r;
	memset(&r, 0, sizeof(r));
	int explicit_masks = 0, nargs = 0;
	for (int k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--masks") && k + 1 < argc) {
			if (load_masks(&r, argv[++k])) {
				fprintf(stderr, "moo-run: cannot read %s\n", argv[k]);
				return 2;
			}
			explicit_masks = 1;
		} else if (!strcmp(argv[k], "-v")) {
			r.verbose++;
		} else if (argv[k][0] == '-') {
			fprintf(stderr, "usage: moo-run [-v] [--masks FILE.tsv] DIR|FILE...\n");
			return 2;
		} else {
			nargs++;
		}
	}
	if (!nargs) {
		fprintf(stderr, "usage: moo-run [-v] [--masks FILE.tsv] DIR|FILE...\n");
		return 2;
	}
	r.mem = mem_new(RAM_SIZE);
	struct cpu_model model;
	cpu_model_default(&model);
	r.cpu = r.mem ? cpu_new(r.mem, NULL, &model) : NULL;
	if (!r.cpu) {
		fprintf(stderr, "moo-run: out of memory\n");
		return 2;
	}
	struct cpu_hooks h = { .opaque = &r, .interrupt = on_interrupt };
	cpu_set_hooks(r.cpu, &h);
	for (int k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--masks")) {
			k++;
			continue;
		}
		if (argv[k][0] == '-')
			continue;
		struct stat sb;
		if (stat(argv[k], &sb) == 0 && S_ISDIR(sb.st_mode))
			run_dir(&r, argv[k], explicit_masks);
		else
			run_file(&r, argv[k]);
	}
	printf("%lu passed, %lu failed, %lu skipped\n", r.passed, r.failed, r.skipped);
	cpu_free(r.cpu);
	mem_free(r.mem);
	free(r.masks);
	return r.failed ? 1 : 0;
}
