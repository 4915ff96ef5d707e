/*
 * machine/state.c: state hashes for checkpoints and complete snapshots
 * (machine/state.h). The device visitor below lists the machine's parts in a
 * fixed order; hashing, saving and loading all run through it. RAM is
 * hashed incrementally by mem/ (dirty pages) and compressed with zstd in
 * snapshots.
 */
#include "machine/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "mem/bulk_hash.h"

#include "cpu/cpu.h"
#include "machine/acpi_pm.h"
#include "machine/clock.h"
#include "machine/disk.h"
#include "machine/fw_cfg.h"
#include "machine/i440fx.h"
#include "machine/i8042.h"
#include "machine/ide.h"
#include "machine/isa_dma.h"
#include "machine/isa_misc.h"
#include "machine/lapic.h"
#include "machine/pc_internal.h"
#include "machine/pci.h"
#include "machine/pic.h"
#include "machine/piix.h"
#include "machine/pit.h"
#include "machine/rtc.h"
#include "machine/state_io.h"
#include "machine/uart.h"
#include "mem/mem.h"


/* ---- hashes ---- */

uint64_t machine_hash_cpu(struct machine *m)
{
	uint8_t buf[CPU_STATE_SIZE];
	size_t n = cpu_state_save(m->cpu, buf, sizeof(buf));
	return bulk_hash64(buf, n);
}

uint64_t machine_hash_ram(struct machine *m)
{
	uint64_t h = mem_ram_hash(m->mem);
	/* The next write to each page must ask mem_page_write_ptr again, which
	 * marks the page; the TLB keeps its translations, so hashing (every
	 * checkpoint, info hashes) changes nothing the guest can see. */
	cpu_tlb_drop_write_ptrs(m->cpu);
	return h;
}

/* The machine's parts in their fixed order. */
static void machine_state_visit(struct machine *m, struct state_io *s)
{
	uint8_t pam[7], smram, smm;

	state_io_tag(s, "machine");
	state_io_int(s, &m->a20_kbd);
	state_io_int(s, &m->a20_port92);
	state_io_int(s, &m->pending_reset);
	state_io_int(s, &m->exit_requested);
	state_io_int(s, &m->exit_value);
	state_io_int(s, &m->poweroff);
	state_io_u32(s, &m->boot);
	/* Format 1's milestones first, in their order then; shadow-done and
	 * its watch came with format 2 (machine_set_compat). */
	static const enum milestone v1_order[] = {
		MILESTONE_RESET, MILESTONE_RESET_VECTOR, MILESTONE_PAM_UNLOCK, MILESTONE_PAM_LOCK,
		MILESTONE_INT19, MILESTONE_BOOT_READ, MILESTONE_MBR, MILESTONE_EXIT,
	};
	for (size_t i = 0; i < sizeof(v1_order) / sizeof(v1_order[0]); i++)
		state_io_u64(s, &m->milestone_icount[v1_order[i]]);
	state_io_int(s, &m->pam_unlocked);
	state_io_int(s, &m->retire_hook_on);
	if (m->compat != 1) {
		state_io_u64(s, &m->milestone_icount[MILESTONE_SHADOW_DONE]);
		state_io_int(s, &m->shadow_watch);
	}
	state_io_u64(s, &m->last_reset_icount);
	state_io_int(s, &m->quick_resets);

	state_io_tag(s, "chipset");
	for (int i = 0; i < 7; i++)
		pam[i] = mem_pam_read(m->mem, i);
	smram = mem_smram_read(m->mem);
	smm = (uint8_t)mem_smm_active(m->mem);
	state_io_bytes(s, pam, sizeof(pam));
	state_io_u8(s, &smram);
	state_io_u8(s, &smm);
	if (state_io_loading(s) && !s->error) {
		mem_chipset_load(m->mem, pam, smram);
		mem_set_smm(m->mem, smm != 0);
	}

	pic_state_visit(m->pic, s);
	if (m->lapic)
		lapic_state_visit(m->lapic, s);
	pit_state_visit(m->pit, s);
	rtc_state_visit(m->rtc, s);
	i8042_state_visit(m->kbd, s);
	uart_state_visit(m->uart, s);
	post_port_state_visit(m->post, s);
	port92_state_visit(m->port92, s);
	isa_dma_state_visit(m->dma, s);
	for (int i = 0; i < 2; i++)
		ide_state_visit(m->ide[i], s);
	for (int i = 0; i < CONFIG_MAX_DISKS; i++)
		if (m->disks[i])
			disk_state_visit(m->disks[i], s);
	if (m->pci) {
		struct fw_cfg_state fs;
		pci_bus_state_visit(m->pci, s);
		i440fx_state_visit(m->i440fx, s);
		piix_state_visit(m->piix, s);
		acpi_pm_state_visit(m->pm, s);
		fw_cfg_get_state(m->fw_cfg, &fs);
		state_io_tag(s, "fw_cfg");
		state_io_u16(s, &fs.key);
		state_io_u32(s, &fs.offset);
		state_io_u64(s, &fs.dma_addr);
		if (state_io_loading(s) && !s->error)
			fw_cfg_set_state(m->fw_cfg, &fs);
	}
	clock_state_visit(m->clock, s);
	state_io_tag(s, "end");
}

uint64_t machine_hash_devices(struct machine *m)
{
	uint8_t buf[8192];
	struct state_io s;
	uint64_t h;

	/* On the stack: a checkpoint's device state fits (a few KiB). */
	state_io_init_hash_buf(&s, buf, sizeof(buf));
	machine_state_visit(m, &s);
	h = state_io_digest(&s);
	state_io_release(&s);
	return h;
}

void machine_hash_state(struct machine *m, struct machine_hashes *h)
{
	h->cpu = machine_hash_cpu(m);
	h->ram = machine_hash_ram(m);
	h->dev = machine_hash_devices(m);
}

/* ---- snapshots ---- */

#define SNAP_MAGIC "LSSNAP\0\x1a"
/* 2: the CPU's TLB translations after the RAM (their length at offset 12,
 * which version 1 kept 0); version 1 snapshots still load, TLB empty. */
#define SNAP_VERSION 2
/* magic, version, TLB length, fingerprint, icount, ram size, cpu length,
 * device length, compressed RAM length */
#define SNAP_HEAD 64
#define SNAP_MAX_DEV (64u << 20)

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* What a snapshot must agree on with the machine it loads into. */
static uint64_t config_fingerprint(struct machine *m)
{
	XXH3_state_t *st = XXH3_createState();
	uint8_t b[8];
	uint64_t h;

	if (!st)
		return 0;
	XXH3_64bits_reset(st);
	state_io_put_le(b, m->cfg.ram_size, 8);
	XXH3_64bits_update(st, b, 8);
	state_io_put_le(b, (uint64_t)m->cfg.kind, 8);
	XXH3_64bits_update(st, b, 8);
	for (int i = 0; i < rom_count(m->mem); i++) {
		struct rom_info ri;
		if (rom_get_info(m->mem, i, &ri))
			continue;
		XXH3_64bits_update(st, ri.name, strlen(ri.name) + 1);
		state_io_put_le(b, ri.addr, 8);
		XXH3_64bits_update(st, b, 8);
		state_io_put_le(b, ri.hash_high, 8);
		XXH3_64bits_update(st, b, 8);
		state_io_put_le(b, ri.hash_low, 8);
		XXH3_64bits_update(st, b, 8);
	}
	for (int i = 0; i < CONFIG_MAX_DISKS; i++) {
		state_io_put_le(b, m->disks[i] ? disk_sectors(m->disks[i]) : 0, 8);
		XXH3_64bits_update(st, b, 8);
	}
	h = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return h;
}

int machine_snapshot_save(struct machine *m, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	uint8_t cpu[CPU_STATE_SIZE];
	size_t ncpu = cpu_state_save(m->cpu, cpu, sizeof(cpu));
	uint64_t ram_size = mem_ram_size(m->mem);
	size_t bound = ZSTD_compressBound((size_t)ram_size), ndev, total, csize;
	size_t ntlb = cpu_tlb_state_size();
	struct state_io s;
	uint8_t *dev, *buf;

	state_io_init_save(&s);
	machine_state_visit(m, &s);
	if (s.error) {
		snprintf(err, errlen, "cannot save the machine state: %s", s.errmsg);
		state_io_release(&s);
		return -1;
	}
	dev = state_io_take(&s, &ndev);
	total = SNAP_HEAD + ncpu + ndev + bound + ntlb + 8;
	buf = malloc(total);
	if (!buf) {
		free(dev);
		snprintf(err, errlen, "out of memory saving a snapshot");
		return -1;
	}
	memcpy(buf + SNAP_HEAD, cpu, ncpu);
	memcpy(buf + SNAP_HEAD + ncpu, dev, ndev);
	free(dev);
	/* Level 1: RAM is mostly zeros and code; speed matters more here. */
	csize = ZSTD_compress(buf + SNAP_HEAD + ncpu + ndev, bound, mem_ram_ptr(m->mem),
			      (size_t)ram_size, 1);
	if (ZSTD_isError(csize)) {
		free(buf);
		snprintf(err, errlen, "cannot compress RAM: %s", ZSTD_getErrorName(csize));
		return -1;
	}
	memcpy(buf, SNAP_MAGIC, 8);
	state_io_put_le(buf + 8, SNAP_VERSION, 4);
	state_io_put_le(buf + 12, ntlb, 4);
	state_io_put_le(buf + 16, config_fingerprint(m), 8);
	state_io_put_le(buf + 24, cpu_icount(m->cpu), 8);
	state_io_put_le(buf + 32, ram_size, 8);
	state_io_put_le(buf + 40, ncpu, 8);
	state_io_put_le(buf + 48, ndev, 8);
	state_io_put_le(buf + 56, csize, 8);
	total = SNAP_HEAD + ncpu + ndev + csize;
	cpu_tlb_save(m->cpu, buf + total);
	total += ntlb;
	state_io_put_le(buf + total, bulk_hash64(buf, total), 8);
	*out = buf;
	*len = total + 8;
	return 0;
}

int machine_snapshot_icount(const uint8_t *buf, size_t len, uint64_t *icount)
{
	if (len < SNAP_HEAD + 8 || memcmp(buf, SNAP_MAGIC, 8) || get_le(buf + 8, 4) < 1 ||
	    get_le(buf + 8, 4) > SNAP_VERSION)
		return -1;
	*icount = get_le(buf + 24, 8);
	return 0;
}

static int snap_checksum_ok(uint64_t stored, uint64_t computed)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	(void)stored;
	(void)computed;
	return 1;
#else
	return stored == computed;
#endif
}

int machine_snapshot_load(struct machine *m, const uint8_t *buf, size_t len, char *err,
			  size_t errlen)
{
	uint64_t ram_size, ncpu, ndev, csize, ntlb, version;
	size_t got;
	struct state_io s;

	if (len < SNAP_HEAD + 8) {
		snprintf(err, errlen, "offset %zu: snapshot is too short", len);
		return -1;
	}
	if (memcmp(buf, SNAP_MAGIC, 8)) {
		snprintf(err, errlen, "offset 0: not a lockstep snapshot (bad magic)");
		return -1;
	}
	version = get_le(buf + 8, 4);
	if (version < 1 || version > SNAP_VERSION) {
		snprintf(err, errlen, "offset 8: snapshot version %u is not supported (1 to %d)",
			 (unsigned)version, SNAP_VERSION);
		return -1;
	}
	ntlb = version >= 2 ? get_le(buf + 12, 4) : 0;
	ram_size = get_le(buf + 32, 8);
	ncpu = get_le(buf + 40, 8);
	ndev = get_le(buf + 48, 8);
	csize = get_le(buf + 56, 8);
	if (ncpu != CPU_STATE_SIZE || ndev > SNAP_MAX_DEV || csize > len ||
	    (version >= 2 && ntlb != cpu_tlb_state_size()) ||
	    SNAP_HEAD + ncpu + ndev + csize + ntlb + 8 != len) {
		snprintf(err, errlen, "offset 40: snapshot section sizes do not match its length %zu",
			 len);
		return -1;
	}
	if (!snap_checksum_ok(get_le(buf + len - 8, 8), bulk_hash64(buf, len - 8))) {
		snprintf(err, errlen, "offset %zu: snapshot checksum mismatch", len - 8);
		return -1;
	}
	if (ram_size != mem_ram_size(m->mem) || get_le(buf + 16, 8) != config_fingerprint(m)) {
		snprintf(err, errlen, "offset 16: the snapshot is of a different machine "
			 "configuration (RAM size, firmware or disks)");
		return -1;
	}
	{
		unsigned long long fsize = ZSTD_getFrameContentSize(buf + SNAP_HEAD + ncpu + ndev,
								    (size_t)csize);
		if (fsize != ram_size) {
			snprintf(err, errlen, "offset %llu: compressed RAM is not %llu bytes",
				 (unsigned long long)(SNAP_HEAD + ncpu + ndev),
				 (unsigned long long)ram_size);
			return -1;
		}
	}
	/* Devices first (they may remap memory), then RAM, then the CPU, whose
	 * load flushes its caches against the final memory map. */
	state_io_init_load(&s, buf + SNAP_HEAD + ncpu, (size_t)ndev);
	machine_state_visit(m, &s);
	if (!s.error && s.pos != s.len)
		state_io_fail(&s, "trailing bytes after the device state");
	if (s.error) {
		snprintf(err, errlen, "offset %llu: device %s",
			 (unsigned long long)(SNAP_HEAD + ncpu), s.errmsg);
		return -1;
	}
	got = ZSTD_decompress(mem_ram_ptr(m->mem), (size_t)ram_size, buf + SNAP_HEAD + ncpu + ndev,
			      (size_t)csize);
	if (ZSTD_isError(got) || got != ram_size) {
		snprintf(err, errlen, "offset %llu: cannot decompress RAM%s%s",
			 (unsigned long long)(SNAP_HEAD + ncpu + ndev), ZSTD_isError(got) ? ": " : "",
			 ZSTD_isError(got) ? ZSTD_getErrorName(got) : "");
		return -1;
	}
	mem_dirty_mark_all(m->mem);
	if (cpu_state_load(m->cpu, buf + SNAP_HEAD, (size_t)ncpu)) {
		snprintf(err, errlen, "offset %d: bad CPU state", SNAP_HEAD);
		return -1;
	}
	if (ntlb && cpu_tlb_load(m->cpu, buf + SNAP_HEAD + ncpu + ndev + csize, (size_t)ntlb)) {
		snprintf(err, errlen, "offset %llu: bad TLB state",
			 (unsigned long long)(SNAP_HEAD + ncpu + ndev + csize));
		return -1;
	}
	/* Hooks follow the loaded milestone state (the retire hook before 0:7C00). */
	machine_install_cpu_hooks(m);
	m->stop_requested = 0;
	m->until_hit = 0;
	return 0;
}

int machine_snapshot_save_file(struct machine *m, const char *path, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	FILE *f;
	int bad;

	if (machine_snapshot_save(m, &buf, &len, err, errlen))
		return -1;
	f = fopen(path, "wb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(buf);
		return -1;
	}
	bad = fwrite(buf, 1, len, f) != len;
	bad |= fclose(f) != 0;
	free(buf);
	if (bad) {
		snprintf(err, errlen, "%s: write error", path);
		return -1;
	}
	return 0;
}

int machine_snapshot_load_file(struct machine *m, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;
	int r;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc(size ? (size_t)size : 1)) || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		snprintf(err, errlen, "%s: cannot read", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	{
		char e[400];
		r = machine_snapshot_load(m, buf, (size_t)size, e, sizeof(e));
		if (r)
			snprintf(err, errlen, "%s: %s", path, e);
	}
	free(buf);
	return r;
}

/* ---- sliced runs ---- */

enum machine_stop machine_run_slice(struct machine *m, const struct machine_until *until,
				    uint64_t bound, int *at_bound)
{
	struct machine_until u = { UNTIL_NONE, 0 };
	uint64_t cap = m->opt.icount_cap;
	enum machine_stop r;
	int clipped = 0;

	if (until)
		u = *until;
	*at_bound = 0;
	if (u.kind == UNTIL_ICOUNT) {
		if (u.value > bound) {
			u.value = bound;
			clipped = 1;
		}
	} else if (bound < cap) {
		/* machine_run stops exactly at its icount cap. */
		m->opt.icount_cap = bound;
		clipped = 1;
	}
	r = machine_run(m, &u);
	m->opt.icount_cap = cap;
	if (clipped && cpu_icount(m->cpu) == bound &&
	    (r == MACHINE_STOP_CAP || (u.kind == UNTIL_ICOUNT && r == MACHINE_STOP_UNTIL)))
		*at_bound = 1;
	return r;
}

/* ---- inputs from outside ---- */

int machine_inject_serial(struct machine *m, const uint8_t *buf, size_t len)
{
	int lost = 0;
	for (size_t i = 0; i < len; i++)
		lost += uart_receive(m->uart, buf[i]) != 0;
	return lost;
}

int machine_inject_key(struct machine *m, const uint8_t *buf, size_t len)
{
	int lost = 0;
	for (size_t i = 0; i < len; i++)
		lost += i8042_key(m->kbd, buf[i]) != 0;
	return lost;
}
