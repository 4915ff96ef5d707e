/*
 * replay/diff_pin.c: pinning the first divergent instruction of two traces
 * of the same firmware and machine (replay/diff.h diff_pin). Both machines
 * are rebuilt from their trace headers (each with its own disks), run to
 * the last common checkpoint, then stepped one instruction at a time with
 * the CPU, RAM and device hashes compared after each (machine/state.h).
 */
#include "replay/diff.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "cpu/disasm.h"
#include "machine/state.h"
#include "mem/firmware.h"
#include "mem/mem.h"
#include "replay/trace_config.h"
#include "replay/trace_reader.h"

struct pin_side {
	struct trace_config tc;
	int have_tc;
	struct machine *m;
};

static void pin_close(struct pin_side *p)
{
	machine_free(p->m);
	if (p->have_tc)
		trace_config_free(&p->tc);
	memset(p, 0, sizeof(*p));
}

/* Rebuild the machine a trace was recorded on; its blobs must match. */
static int pin_open(struct pin_side *p, const char *path, char *err, size_t errlen)
{
	struct trace_reader *r;
	const struct trace_header *h;
	struct machine_options mo;
	struct trace_blob *have = NULL;
	char e[768];
	int nhave;

	memset(p, 0, sizeof(*p));
	if (trace_reader_open(&r, path, TRACE_READ_STRICT, e, sizeof(e))) {
		snprintf(err, errlen, "%s: %s", path, e);
		return -1;
	}
	h = trace_reader_header(r);
	if (trace_config_parse(&p->tc, h->config, h->rtc_start, e, sizeof(e))) {
		snprintf(err, errlen, "%s: %s", path, e);
		trace_reader_close(r);
		return -1;
	}
	p->have_tc = 1;
	p->tc.cfg.serial = "none";
	p->tc.cfg.debugcon = "none";
	trace_config_locate(&p->tc);
	memset(&mo, 0, sizeof(mo));
	p->m = machine_new(&p->tc.cfg, &mo, e, sizeof(e));
	if (!p->m) {
		snprintf(err, errlen, "%s: cannot rebuild the recorded machine: %s", path, e);
		trace_reader_close(r);
		return -1;
	}
	nhave = trace_blobs_collect(p->m, &p->tc.cfg, &have, e, sizeof(e));
	p->tc.cfg.bios = NULL;
	if (nhave < 0 || trace_blobs_check(h->blobs, h->nblobs, have, nhave, e, sizeof(e))) {
		snprintf(err, errlen, "%s: %s", path, e);
		trace_blobs_free(have, nhave < 0 ? 0 : nhave);
		trace_reader_close(r);
		return -1;
	}
	trace_blobs_free(have, nhave);
	trace_reader_close(r);
	return 0;
}

static uint64_t icount_of(struct pin_side *p)
{
	return cpu_icount(machine_cpu(p->m));
}

/* Run to exactly target; returns 0, or 1 when the machine stopped first. */
static int run_to(struct pin_side *p, uint64_t target)
{
	while (icount_of(p) < target) {
		int at;
		machine_run_slice(p->m, NULL, target, &at);
		if (!at && icount_of(p) < target)
			return 1;
	}
	return 0;
}

/* The next instruction of a machine: CS:EIP, bytes and its disassembly. */
struct insn_view {
	uint16_t cs;
	uint32_t eip;
	char text[160];
};

static void view_insn(struct pin_side *p, struct insn_view *v)
{
	struct cpu *cpu = machine_cpu(p->m);
	struct cpu_segment cs;
	uint8_t bytes[16];
	char dis[96];
	int code32, len;
	size_t o;

	cpu_get_seg(cpu, CPU_CS, &cs);
	v->cs = cs.selector;
	v->eip = cpu_get_reg(cpu, CPU_EIP);
	if (cpu_get_reg(cpu, CPU_CR0) & 0x80000000u) {
		snprintf(v->text, sizeof(v->text), "(paging is on: bytes not shown)");
		return;
	}
	code32 = (cpu_get_reg(cpu, CPU_CR0) & 1) && (cs.attr & 0x4000);
	mem_read_buf(machine_mem(p->m), (uint32_t)(cs.base + v->eip), bytes, sizeof(bytes));
	len = cpu_disasm(bytes, (int)sizeof(bytes), code32, v->eip, dis, sizeof(dis));
	o = 0;
	for (int i = 0; i < len && i < 15; i++)
		o += (size_t)snprintf(v->text + o, sizeof(v->text) - o, "%02x ", bytes[i]);
	snprintf(v->text + o, sizeof(v->text) - o, "%*s%s", (int)(o < 24 ? 24 - o : 1), "", dis);
}

static void print_regs(FILE *out, struct pin_side *a, struct pin_side *b)
{
	static const char *const rn[] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
					  "eip", "eflags", "cr0" };
	static const enum cpu_reg rr[] = { CPU_EAX, CPU_ECX, CPU_EDX, CPU_EBX, CPU_ESP, CPU_EBP,
					   CPU_ESI, CPU_EDI, CPU_EIP, CPU_EFLAGS, CPU_CR0 };
	static const char *const sn[] = { "es", "cs", "ss", "ds", "fs", "gs" };

	fprintf(out, "  %-7s %-10s %-10s\n", "", "A", "B");
	for (size_t i = 0; i < sizeof(rr) / sizeof(rr[0]); i++) {
		uint32_t va = cpu_get_reg(machine_cpu(a->m), rr[i]);
		uint32_t vb = cpu_get_reg(machine_cpu(b->m), rr[i]);
		fprintf(out, "  %-7s %08" PRIx32 "   %08" PRIx32 "%s\n", rn[i], va, vb,
			va != vb ? "   *" : "");
	}
	for (int i = 0; i < 6; i++) {
		struct cpu_segment sa, sb;
		cpu_get_seg(machine_cpu(a->m), (enum cpu_seg)i, &sa);
		cpu_get_seg(machine_cpu(b->m), (enum cpu_seg)i, &sb);
		fprintf(out, "  %-7s %04x       %04x%s\n", sn[i], sa.selector, sb.selector,
			sa.selector != sb.selector || sa.base != sb.base ? "       *" : "");
	}
}

int diff_pin(const char *a, const char *b, uint64_t from, uint64_t to, FILE *out,
	     struct diff_result *res)
{
	struct pin_side pa, pb;
	struct machine_hashes ha, hb;
	struct insn_view va, vb;
	int rc = 0;

	if (pin_open(&pa, a, res->message, sizeof(res->message)))
		return -1;
	if (pin_open(&pb, b, res->message, sizeof(res->message))) {
		pin_close(&pa);
		return -1;
	}
	if (run_to(&pa, from) || run_to(&pb, from)) {
		snprintf(res->message, sizeof(res->message),
			 "a machine stopped before the common checkpoint at icount %" PRIu64, from);
		rc = -1;
		goto out;
	}
	res->pin_from = from;
	machine_hash_state(pa.m, &ha);
	machine_hash_state(pb.m, &hb);
	memset(&va, 0, sizeof(va));
	memset(&vb, 0, sizeof(vb));
	while (!memcmp(&ha, &hb, sizeof(ha))) {
		uint64_t ic = icount_of(&pa);
		int sa, sb;
		if (ic > to) {
			if (out)
				fprintf(out, "re-executed from icount %" PRIu64 " to %" PRIu64
					     ": the states never differ (the difference is outside "
					     "the machine state)\n", from, ic);
			goto out;
		}
		view_insn(&pa, &va);
		view_insn(&pb, &vb);
		sa = run_to(&pa, ic + 1);
		sb = run_to(&pb, ic + 1);
		machine_hash_state(pa.m, &ha);
		machine_hash_state(pb.m, &hb);
		if (sa || sb) {
			if (memcmp(&ha, &hb, sizeof(ha)) || sa != sb)
				break;
			if (out)
				fprintf(out, "re-executed from icount %" PRIu64 ": both machines stopped "
					     "at icount %" PRIu64 " with equal states\n", from, icount_of(&pa));
			goto out;
		}
	}
	if (!va.text[0]) {
		if (out)
			fprintf(out, "re-executed: the states differ already at the common checkpoint "
				     "(icount %" PRIu64 ")\n", from);
		goto out;
	}
	res->pinned = 1;
	res->pin_icount = icount_of(&pa);
	res->pin_cs = va.cs;
	res->pin_eip = va.eip;
	rc = 1;
	if (out) {
		fprintf(out, "first divergent instruction (re-executed both from icount %" PRIu64
			     "): icount %" PRIu64 " -> %" PRIu64 ", differs: %s%s%s\n",
			from, res->pin_icount - (res->pin_icount ? 1 : 0), res->pin_icount,
			ha.cpu != hb.cpu ? "cpu " : "", ha.ram != hb.ram ? "ram " : "",
			ha.dev != hb.dev ? "dev" : "");
		fprintf(out, "  A: %04x:%08" PRIx32 "  %s\n", va.cs, va.eip, va.text);
		fprintf(out, "  B: %04x:%08" PRIx32 "  %s\n", vb.cs, vb.eip, vb.text);
		fprintf(out, "  registers after it:\n");
		print_regs(out, &pa, &pb);
	}
out:
	pin_close(&pa);
	pin_close(&pb);
	return rc;
}
