/*
 * mem/render.c: the monitor's `info mtree`, `info roms` and `info pam`
 * as stable text (fixed-width hex, registration and address order only).
 */
#include "mem/mem_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void mem_sbuf_printf(struct mem_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		n = vsnprintf(b->buf ? b->buf + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < room) {
			b->len += n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 1024;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *nb = realloc(b->buf, cap);
		if (!nb) {
			b->oom = 1;
			return;
		}
		b->buf = nb;
		b->cap = cap;
	}
}

static const char *kind_name(enum mem_kind k)
{
	switch (k) {
	case MEM_KIND_RAM: return "ram";
	case MEM_KIND_ROM: return "rom";
	case MEM_KIND_ALIAS: return "alias";
	case MEM_KIND_MMIO: return "mmio";
	case MEM_KIND_IO: return "io";
	}
	return "?";
}

static void target_name(const struct mem *m, struct mem_sbuf *b, int r, uint64_t off, int drop)
{
	if (r < 0)
		mem_sbuf_printf(b, "open-bus");
	else
		mem_sbuf_printf(b, "%s+0x%llx%s", m->regions[r].name, (unsigned long long)off,
				drop ? " (dropped)" : m->regions[r].kind == MEM_KIND_ROM ? " (rom)" : "");
}

static void render_mtree(struct mem *m, struct mem_sbuf *b)
{
	mem_sbuf_printf(b, "memory regions:\n");
	for (int i = 0; i < m->nregions; i++) {
		const struct mem_region *r = &m->regions[i];
		if (r->kind == MEM_KIND_IO)
			continue;
		mem_sbuf_printf(b, "  %016llx-%016llx prio %d %-5s %s%s",
				(unsigned long long)r->base,
				(unsigned long long)(r->base + r->size - 1), r->priority,
				kind_name(r->kind), r->name, r->enabled ? "" : " [unmapped]");
		if (r->kind == MEM_KIND_ALIAS)
			mem_sbuf_printf(b, " -> %s+0x%llx%s", m->regions[r->target].name,
					(unsigned long long)r->target_offset,
					(r->flags & MEM_RF_READONLY) ? " read-only" : "");
		mem_sbuf_printf(b, "\n");
	}
	mem_sbuf_printf(b, "io regions:\n");
	for (int i = 0; i < m->nregions; i++) {
		const struct mem_region *r = &m->regions[i];
		if (r->kind != MEM_KIND_IO)
			continue;
		mem_sbuf_printf(b, "  %04llx-%04llx prio %d width %d %s%s\n",
				(unsigned long long)r->base,
				(unsigned long long)(r->base + r->size - 1), r->priority,
				r->max_access, r->name, r->enabled ? "" : " [unmapped]");
	}
	mem_sbuf_printf(b, "flat view (generation %llu):\n", (unsigned long long)m->generation);
	for (int i = 0; i < m->nspans; i++) {
		const struct mem_span *s = &m->spans[i];
		mem_sbuf_printf(b, "  %016llx-%016llx read ", (unsigned long long)s->start,
				(unsigned long long)(s->end - 1));
		target_name(m, b, s->rd, s->rd_off, 0);
		mem_sbuf_printf(b, " write ");
		target_name(m, b, s->wr, s->wr_off, s->wr_drop);
		mem_sbuf_printf(b, "\n");
	}
}

static void render_roms(struct mem *m, struct mem_sbuf *b)
{
	for (int i = 0; i < m->nroms; i++) {
		const struct rom_blob *r = &m->roms[i];
		mem_sbuf_printf(b, "%s ", r->name);
		if (r->addr != ROM_ADDR_NONE)
			mem_sbuf_printf(b, "addr=0x%08llx", (unsigned long long)r->addr);
		else if (r->region >= 0)
			mem_sbuf_printf(b, "addr=%s+0x%llx", m->regions[r->region].name,
					(unsigned long long)r->offset);
		else
			mem_sbuf_printf(b, "addr=fw_cfg");
		mem_sbuf_printf(b, " size=0x%llx rom_size=0x%llx xxh3=%016llx%016llx dropped_writes=%llu\n",
				(unsigned long long)r->size, (unsigned long long)r->rom_size,
				(unsigned long long)r->hash_high, (unsigned long long)r->hash_low,
				(unsigned long long)r->dropped);
	}
	if (m->nroms == 0)
		mem_sbuf_printf(b, "no ROM blobs\n");
}

static void window_target(const struct mem *m, struct mem_sbuf *b, uint64_t pa, int rd, int dram)
{
	const struct mem_span *s = mem_view_find(m, pa);
	int r = s ? (rd ? s->rd : s->wr) : -1;

	mem_sbuf_printf(b, "%s(%s)", dram ? "ram" : "rom/pci", r >= 0 ? m->regions[r].name : "open-bus");
}

static const char *const pam_modes[4] = {
	"0 (r:rom/pci w:rom/pci)", "1 (r:ram w:rom/pci)", "2 (r:rom/pci w:ram)", "3 (r:ram w:ram)",
};

static void render_pam(struct mem *m, struct mem_sbuf *b)
{
	int rd, wr;

	if (!m->i440fx) {
		mem_sbuf_printf(b, "no i440FX: 0xa0000-0xfffff follow region priorities\n");
		return;
	}
	for (int w = 0; w < 13; w++) {
		uint64_t lo = w == 0 ? 0xF0000 : 0xC0000 + 0x4000 * (uint64_t)(w - 1);
		uint64_t hi = w == 0 ? 0xFFFFF : lo + 0x3FFF;
		int reg = w == 0 ? 0 : 1 + (w - 1) / 2, high = w == 0 ? 1 : (w - 1) & 1;
		unsigned mode = (m->pam[reg] >> (high * 4)) & 3;

		mem_chipset_routed(m, lo, &rd, &wr);
		mem_sbuf_printf(b, "PAM%d.%s %05llx-%05llx reg=0x%02x mode %s read ", reg,
				high ? "hi" : "lo", (unsigned long long)lo, (unsigned long long)hi,
				m->pam[reg], pam_modes[mode]);
		window_target(m, b, lo, 1, rd);
		mem_sbuf_printf(b, " write ");
		window_target(m, b, lo, 0, wr);
		mem_sbuf_printf(b, "\n");
	}
	mem_chipset_routed(m, 0xA0000, &rd, &wr);
	mem_sbuf_printf(b, "SMRAM a0000-bffff reg=0x%02x%s%s%s%s smm=%d read ", m->smram,
			(m->smram & MEM_SMRAM_D_OPEN) ? " D_OPEN" : "",
			(m->smram & MEM_SMRAM_D_CLS) ? " D_CLS" : "",
			(m->smram & MEM_SMRAM_D_LCK) ? " D_LCK" : "",
			(m->smram & MEM_SMRAM_G_SMRAME) ? " G_SMRAME" : "", m->in_smm);
	window_target(m, b, 0xA0000, 1, rd);
	mem_sbuf_printf(b, " write ");
	window_target(m, b, 0xA0000, 0, wr);
	mem_sbuf_printf(b, "\n");
}

static void emit_file(struct mem_sbuf *b, FILE *f)
{
	if (b->buf)
		fwrite(b->buf, 1, b->len, f);
	free(b->buf);
}

static size_t emit_buf(struct mem_sbuf *b, char *buf, size_t len)
{
	size_t n = b->len;

	if (len) {
		size_t c = n < len - 1 ? n : len - 1;
		if (c)
			memcpy(buf, b->buf, c);
		buf[c] = 0;
	}
	free(b->buf);
	return n;
}

void mem_print_mtree(struct mem *m, FILE *f)
{
	struct mem_sbuf b = { 0 };
	render_mtree(m, &b);
	emit_file(&b, f);
}

void mem_print_roms(struct mem *m, FILE *f)
{
	struct mem_sbuf b = { 0 };
	render_roms(m, &b);
	emit_file(&b, f);
}

void mem_print_pam(struct mem *m, FILE *f)
{
	struct mem_sbuf b = { 0 };
	render_pam(m, &b);
	emit_file(&b, f);
}

size_t mem_format_mtree(struct mem *m, char *buf, size_t len)
{
	struct mem_sbuf b = { 0 };
	render_mtree(m, &b);
	return emit_buf(&b, buf, len);
}

size_t mem_format_roms(struct mem *m, char *buf, size_t len)
{
	struct mem_sbuf b = { 0 };
	render_roms(m, &b);
	return emit_buf(&b, buf, len);
}

size_t mem_format_pam(struct mem *m, char *buf, size_t len)
{
	struct mem_sbuf b = { 0 };
	render_pam(m, &b);
	return emit_buf(&b, buf, len);
}
