/*
 * replay/trace_config.c: the machine configuration and blob list of a trace
 * header (replay/trace_config.h). Keys are written in one fixed order, one
 * per line, repeated keys (disk, option-rom) in configuration order.
 */
#include "replay/trace_config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "mem/bulk_hash.h"

#include "mem/firmware.h"
#include "mem/mem.h"
#include "replay/bytebuf.h"

static void put_line(struct bytebuf *b, const char *key, const char *value)
{
	bytebuf_put(b, key, strlen(key));
	bytebuf_put_u8(b, '=');
	bytebuf_put(b, value, strlen(value));
	bytebuf_put_u8(b, '\n');
}

static void put_u64(struct bytebuf *b, const char *key, uint64_t v)
{
	char s[32];
	snprintf(s, sizeof(s), "%" PRIu64, v);
	put_line(b, key, s);
}

char *trace_config_format(const struct machine_config *cfg, const struct trace_rec_params *p)
{
	struct bytebuf b;
	char *s;

	bytebuf_init(&b);
	put_line(&b, "machine", cfg->kind == MACHINE_ISAPC ? "isapc" : "pc");
	if (cfg->bios)
		put_line(&b, "bios", cfg->bios);
	put_u64(&b, "ram", cfg->ram_size);
	for (int i = 0; i < cfg->ndisks; i++)
		put_line(&b, "disk", cfg->disks[i]);
	for (int i = 0; i < cfg->noption_roms; i++)
		put_line(&b, "option-rom", cfg->option_roms[i]);
	if (cfg->kernel)
		put_line(&b, "kernel", cfg->kernel);
	put_u64(&b, "checkpoint-every", p->checkpoint_every);
	put_u64(&b, "snapshot-every", p->snapshot_every);
	put_line(&b, "trace-io", p->trace_io[0] ? p->trace_io : "all");
	bytebuf_put_u8(&b, 0);
	if (b.oom) {
		bytebuf_free(&b);
		return NULL;
	}
	s = (char *)b.data;
	return s;
}

int trace_config_parse(struct trace_config *tc, const char *text, int64_t rtc_start,
		       char *err, size_t errlen)
{
	char *p, *line;
	int lineno = 0;

	memset(tc, 0, sizeof(*tc));
	config_init(&tc->cfg);
	tc->cfg.serial = "none";
	tc->cfg.debugcon = "none";
	tc->cfg.rtc_start = rtc_start;
	snprintf(tc->rec.trace_io, sizeof(tc->rec.trace_io), "all");
	tc->strings = strdup(text);
	if (!tc->strings) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (p = tc->strings; *p; p = line) {
		char *nl = strchr(p, '\n'), *eq, *v, *end;
		if (!nl) {
			snprintf(err, errlen, "configuration line %d does not end in a newline", lineno + 1);
			goto fail;
		}
		*nl = 0;
		line = nl + 1;
		lineno++;
		eq = strchr(p, '=');
		if (!eq) {
			snprintf(err, errlen, "configuration line %d has no '='", lineno);
			goto fail;
		}
		*eq = 0;
		v = eq + 1;
		errno = 0;
		if (!strcmp(p, "machine")) {
			if (config_parse_machine(v, &tc->cfg.kind, err, errlen))
				goto fail;
		} else if (!strcmp(p, "bios")) {
			tc->cfg.bios = v;
		} else if (!strcmp(p, "ram")) {
			tc->cfg.ram_size = strtoull(v, &end, 10);
			if (*end || errno || !tc->cfg.ram_size || tc->cfg.ram_size % 4096)
				goto badval;
		} else if (!strcmp(p, "disk")) {
			if (tc->cfg.ndisks == CONFIG_MAX_DISKS)
				goto badval;
			tc->cfg.disks[tc->cfg.ndisks++] = v;
		} else if (!strcmp(p, "option-rom")) {
			if (tc->cfg.noption_roms == CONFIG_MAX_OPTION_ROMS)
				goto badval;
			tc->cfg.option_roms[tc->cfg.noption_roms++] = v;
		} else if (!strcmp(p, "kernel")) {
			tc->cfg.kernel = v;
		} else if (!strcmp(p, "checkpoint-every")) {
			tc->rec.checkpoint_every = strtoull(v, &end, 10);
			if (*end || errno || !tc->rec.checkpoint_every)
				goto badval;
		} else if (!strcmp(p, "snapshot-every")) {
			tc->rec.snapshot_every = strtoull(v, &end, 10);
			if (*end || errno)
				goto badval;
		} else if (!strcmp(p, "trace-io")) {
			snprintf(tc->rec.trace_io, sizeof(tc->rec.trace_io), "%s", v);
		} else {
			snprintf(err, errlen, "configuration line %d: unknown key \"%s\" (recorded by a "
				 "newer lockstep?)", lineno, p);
			goto fail;
		}
		continue;
badval:
		snprintf(err, errlen, "configuration line %d: bad value for %s: \"%s\"", lineno, p, v);
		goto fail;
	}
	if (!tc->rec.checkpoint_every) {
		snprintf(err, errlen, "configuration has no checkpoint-every");
		goto fail;
	}
	return 0;
fail:
	trace_config_free(tc);
	return -1;
}

void trace_config_free(struct trace_config *tc)
{
	free(tc->strings);
	tc->strings = NULL;
	for (size_t i = 0; i < sizeof(tc->located) / sizeof(tc->located[0]); i++) {
		free(tc->located[i]);
		tc->located[i] = NULL;
	}
}

static const char *locate_one(const char *recorded, char **owned)
{
	const char *base;
	char e[1024];

	if (!recorded || access(recorded, R_OK) == 0)
		return recorded;
	base = strrchr(recorded, '/');
	free(*owned);
	*owned = firmware_find(base ? base + 1 : recorded, e, sizeof(e));
	return *owned ? *owned : recorded;
}

void trace_config_locate(struct trace_config *tc)
{
	tc->cfg.bios = locate_one(tc->cfg.bios, &tc->located[0]);
	for (int i = 0; i < tc->cfg.ndisks && i < CONFIG_MAX_DISKS; i++)
		tc->cfg.disks[i] = locate_one(tc->cfg.disks[i], &tc->located[1 + i]);
}

static long file_chunk(void *ctx, uint8_t *buf, size_t cap)
{
	FILE *f = ctx;
	size_t n = fread(buf, 1, cap, f);

	if (n == 0 && ferror(f))
		return -EIO;
	return (long)n;
}

int trace_hash_file(const char *path, uint8_t out[16], uint64_t *size, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	int r;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	r = bulk_hash128_stream(file_chunk, f, out, size);
	fclose(f);
	if (r == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	else if (r < 0)
		snprintf(err, errlen, "%s: read error", path);
	return r < 0 ? -1 : 0;
}

static int add_blob(struct trace_blob **v, int *n, enum trace_blob_kind kind, const char *name,
		    const char *path, uint64_t size, const uint8_t hash[16])
{
	struct trace_blob *nv = realloc(*v, (size_t)(*n + 1) * sizeof(**v));
	if (!nv)
		return -1;
	*v = nv;
	nv[*n].kind = kind;
	nv[*n].name = strdup(name);
	nv[*n].path = strdup(path);
	nv[*n].size = size;
	memcpy(nv[*n].hash, hash, 16);
	(*n)++;
	return nv[*n - 1].name && nv[*n - 1].path ? 0 : -1;
}

int trace_blobs_list(struct machine *m, const struct machine_config *cfg,
		     struct trace_blob **out, int *first_file, char *err, size_t errlen)
{
	static const uint8_t later[16];
	struct mem *mem = machine_mem(m);
	struct trace_blob *v = NULL;
	char *bios = NULL, e[1024];
	int n = 0;

	if (!cfg->kernel)
		bios = firmware_find(cfg->bios ? cfg->bios : "bios.bin", e, sizeof(e));
	for (int i = 0; i < rom_count(mem); i++) {
		struct rom_info ri;
		XXH128_canonical_t c;
		if (rom_get_info(mem, i, &ri))
			continue;
		XXH128_canonicalFromHash(&c, (XXH128_hash_t){ .low64 = ri.hash_low,
							      .high64 = ri.hash_high });
		if (add_blob(&v, &n, TRACE_BLOB_ROM, ri.name, bios ? bios : "", ri.size, c.digest))
			goto nomem;
	}
	free(bios);
	bios = NULL;
	*first_file = n;
	for (int i = 0; i < cfg->noption_roms; i++) {
		const char *base = strrchr(cfg->option_roms[i], '/');
		char name[300];
		snprintf(name, sizeof(name), "genroms/%s", base ? base + 1 : cfg->option_roms[i]);
		if (add_blob(&v, &n, TRACE_BLOB_ROM, name, cfg->option_roms[i], 0, later))
			goto nomem;
	}
	if (cfg->kernel && add_blob(&v, &n, TRACE_BLOB_ROM, "kernel", cfg->kernel, 0, later))
		goto nomem;
	for (int i = 0; i < cfg->ndisks; i++) {
		char name[16];
		snprintf(name, sizeof(name), "disk%d", i);
		if (add_blob(&v, &n, TRACE_BLOB_DISK, name, cfg->disks[i], 0, later))
			goto nomem;
	}
	*out = v;
	return n;
nomem:
	snprintf(err, errlen, "out of memory");
	free(bios);
	trace_blobs_free(v, n);
	return -1;
}

int trace_blobs_hash_files(struct trace_blob *b, int n, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++)
		if (trace_hash_file(b[i].path, b[i].hash, &b[i].size, err, errlen))
			return -1;
	return 0;
}

int trace_blobs_collect(struct machine *m, const struct machine_config *cfg,
			struct trace_blob **out, char *err, size_t errlen)
{
	int first, n = trace_blobs_list(m, cfg, out, &first, err, errlen);

	if (n >= 0 && trace_blobs_hash_files(*out + first, n - first, err, errlen)) {
		trace_blobs_free(*out, n);
		*out = NULL;
		return -1;
	}
	return n;
}

void trace_blobs_free(struct trace_blob *b, int n)
{
	for (int i = 0; i < n && b; i++) {
		free((char *)b[i].name);
		free((char *)b[i].path);
	}
	free(b);
}

int trace_blobs_check(const struct trace_blob *want, uint32_t nwant, const struct trace_blob *have,
		      int nhave, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < nwant; i++) {
		const struct trace_blob *w = &want[i], *h = NULL;
		for (int k = 0; k < nhave && !h; k++)
			if (have[k].kind == w->kind && !strcmp(have[k].name, w->name))
				h = &have[k];
		if (!h) {
			snprintf(err, errlen, "%s %s (%s) is missing", w->kind == TRACE_BLOB_DISK ?
				 "disk" : "ROM", w->name, w->path);
			return -1;
		}
		if (h->size != w->size || memcmp(h->hash, w->hash, 16)) {
			snprintf(err, errlen, "%s %s (%s) differs from the recorded one (size %" PRIu64
				 ", recorded %" PRIu64 "%s)", w->kind == TRACE_BLOB_DISK ? "disk" : "ROM",
				 w->name, h->path[0] ? h->path : w->path, h->size, w->size,
				 h->size == w->size ? ", contents differ" : "");
			return -1;
		}
	}
	if ((uint32_t)nhave != nwant) {
		snprintf(err, errlen, "the rebuilt machine has %d blobs, the trace %u", nhave, nwant);
		return -1;
	}
	return 0;
}
