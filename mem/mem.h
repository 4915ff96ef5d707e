/*
 * mem/: the physical address space and the port I/O space of one machine.
 *
 * Owns RAM, ROM blobs, aliases, MMIO and port-I/O regions, the flattened view
 * derived from them (rebuilt only when the layout changes; mem_generation()
 * moves only then) and the code-page tracking that lets the CPU drop decoded
 * code when the guest writes to it. Reads and writes to the same address may
 * be routed to different targets (i440FX PAM modes 1 and 2).
 *
 * Contract for every accessor: addresses are physical (the CPU applies A20
 * and paging before calling). Accesses that hit nothing behave like open bus:
 * reads return all-ones, writes are dropped. Sizes are 1, 2 or 4 bytes;
 * little-endian. Nothing here ever touches host memory outside the region
 * that an address belongs to.
 */
#ifndef LS_MEM_H
#define LS_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct mem;

#define MEM_PAGE_SHIFT 12
#define MEM_PAGE_SIZE  (1u << MEM_PAGE_SHIFT)

/* Device callbacks for MMIO and port regions (offset is from the region start). */
typedef uint32_t (*mem_read_fn)(void *opaque, uint32_t offset, int size);
typedef void (*mem_write_fn)(void *opaque, uint32_t offset, uint32_t value, int size);

/* ---- the accessors the CPU and DMA-capable devices use ---- */

/* Read/write 1, 2 or 4 bytes at physical address pa (may cross a page). */
uint32_t mem_read(struct mem *m, uint64_t pa, int size);
void mem_write(struct mem *m, uint64_t pa, uint32_t value, int size);

/* Copy len bytes between guest physical memory and a host buffer, region by
 * region (used by DMA, fw_cfg, loaders). Open-bus parts read 0xFF; writes
 * to ROM or nothing are dropped. Writes invalidate decoded code like mem_write. */
void mem_read_buf(struct mem *m, uint64_t pa, void *buf, size_t len);
void mem_write_buf(struct mem *m, uint64_t pa, const void *buf, size_t len);

/* Fast paths for the CPU's software TLB. Return the host address of the
 * 4 KiB page containing pa when that page is plain memory for this kind of
 * access, else NULL (use mem_read/mem_write). mem_page_write_ptr returns NULL
 * for pages marked as holding decoded code, so such writes take the slow path. */
uint8_t *mem_page_read_ptr(struct mem *m, uint64_t pa);
uint8_t *mem_page_write_ptr(struct mem *m, uint64_t pa);

/* Moves whenever the flattened view changes (layout, PAM, SMRAM, A20 is the
 * CPU's own business). Cached translations are stale when it differs. */
uint64_t mem_generation(const struct mem *m);
/* Moves on when some page's fast pointers changed but the guest-visible map
 * did not (a debugger's read watch): a TLB refreshes its host pointers and
 * keeps its translations, so what the guest sees stays as without it. */
uint64_t mem_host_generation(const struct mem *m);

/* ---- code-page tracking (self-modifying code, rom_reset) ---- */

/* Called with the first physical address and length of memory whose decoded
 * code must be dropped: the whole 4 KiB page (pa page-aligned, len 4096) when
 * a write (CPU or DMA) hits a page marked as code, or a range rom_reset
 * reloaded. The page is unmarked before the call (the handler may mark it
 * again); the write itself is applied after the call. */
typedef void (*mem_code_write_fn)(void *opaque, uint64_t pa, uint64_t len);
void mem_set_code_write_handler(struct mem *m, mem_code_write_fn fn, void *opaque);
/* Optional, asked first (same opaque as the handler) for each marked page a
 * CPU or DMA write touches, with the part of the write inside that page:
 * nonzero when those bytes hold no decoded code. The write then goes ahead
 * with the page still marked and the handler is not called, so data next
 * to code costs a filter call per write instead of a page refresh. */
typedef int (*mem_code_filter_fn)(void *opaque, uint64_t pa, uint64_t len);
void mem_set_code_write_filter(struct mem *m, mem_code_filter_fn fn);
/* Mark the page holding pa as containing decoded code: mem_page_write_ptr
 * returns NULL for it from now on (a write pointer the caller cached before
 * is its own to drop). Pages at or above 4 GiB are never tracked. */
void mem_mark_code_page(struct mem *m, uint64_t pa);
/* Whether the page holding pa is marked (tests, the monitor). */
int mem_code_page_marked(const struct mem *m, uint64_t pa);

/* ---- port I/O space (0x0000-0xFFFF) ---- */

uint32_t mem_io_read(struct mem *m, uint16_t port, int size);
void mem_io_write(struct mem *m, uint16_t port, uint32_t value, int size);

/* ---- creation and regions ---- */

/* RAM below 4 GiB ends at MEM_PCI_HOLE at the most; see mem_split_ram. */
#define MEM_PCI_HOLE   0xE0000000ull
#define MEM_LOWMEM_ALIGNED 0xC0000000ull
#define MEM_4G         0x100000000ull
/* Highest physical address + 1 that regions may occupy (52-bit). */
#define MEM_ADDR_LIMIT (1ull << 52)

/* How the pc machine splits RAM around the PCI hole, as QEMU's pc_piix.c
 * pc_init1() does for gigabyte-aligned machine types: RAM smaller than
 * MEM_PCI_HOLE (3.5 GiB) lies entirely below 4 GiB; from 3.5 GiB on, only
 * 3 GiB stay below and the rest is mapped from 4 GiB. CMOS, e820, ACPI and
 * the memory map all use this one function. */
void mem_split_ram(uint64_t ram_size, uint64_t *below_4g, uint64_t *above_4g);

/* Create an address space with ram_size bytes of zero-filled RAM ("ram",
 * region id MEM_REGION_RAM), split by mem_split_ram between 0 and MEM_4G. No chipset routing (see mem_enable_i440fx). Returns NULL when
 * ram_size is 0, not a multiple of 4 KiB, or allocation fails. */
struct mem *mem_new(uint64_t ram_size);
void mem_free(struct mem *m);

#define MEM_REGION_RAM 0

/* Guest RAM as one host block (snapshots, RAM hashes, loaders). */
uint8_t *mem_ram_ptr(struct mem *m);
uint64_t mem_ram_size(const struct mem *m);

/* Every mem_add_* returns a region id (>= 0, stable for the life of m) or a
 * negative errno (-EINVAL: bad size/range/arguments, -ENOMEM). Names are
 * copied (truncated to 39 characters). Where regions overlap the highest
 * priority wins; on equal priority the later registration wins. Regions may
 * not extend past MEM_ADDR_LIMIT. Main RAM has priority 0. */

/* Extra RAM (VGA memory, ...): zero-filled, owned by m. */
int mem_add_ram(struct mem *m, const char *name, uint64_t base, uint64_t size, int priority);
/* Read-only memory: zero-filled until rom_reset copies a blob in. Guest
 * writes are dropped and counted (info roms, the rom_write hook). */
int mem_add_rom(struct mem *m, const char *name, uint64_t base, uint64_t size, int priority);
/* Map [target_offset, target_offset + size) of region `target` at base. The
 * target need not be mapped itself. MEM_ALIAS_READONLY drops writes (counted
 * like ROM writes when the target is ROM). */
#define MEM_ALIAS_READONLY 1u
int mem_add_alias(struct mem *m, const char *name, uint64_t base, uint64_t size,
		  int target, uint64_t target_offset, int priority, unsigned flags);
/* Device memory. read/write get offsets from the region start and sizes
 * 1, 2 or 4; accesses wider than max_access (1, 2 or 4; 0 means 4), or
 * crossing the region's end, are split into narrower ones. A NULL read
 * answers all-ones; a NULL write drops. */
int mem_add_mmio(struct mem *m, const char *name, uint64_t base, uint64_t size, int priority,
		 mem_read_fn read, mem_write_fn write, void *opaque, int max_access);
/* Port I/O ports [port, port + count). Same callback and splitting rules as
 * MMIO (a 16-bit access to a byte-wide region becomes two byte accesses to
 * consecutive ports, each routed on its own). count is 1..0x10000. */
int mem_add_io(struct mem *m, const char *name, uint16_t port, uint32_t count, int priority,
	       mem_read_fn read, mem_write_fn write, void *opaque, int max_access);

/* Map or unmap a region (PCI BARs, VGA windows); regions start enabled.
 * Returns 0 or -EINVAL. */
int mem_region_set_enabled(struct mem *m, int id, int enabled);
/* Move a region (memory: new base address; I/O: new first port). */
int mem_region_move(struct mem *m, int id, uint64_t base);
/* The id of the first region called name, or -1. */
int mem_region_find(const struct mem *m, const char *name);
/* Host backing of a RAM or ROM region (NULL for others), and its size. */
uint8_t *mem_region_data(struct mem *m, int id, uint64_t *size);

/* Report each open-bus access site (memory page or port) once: fn gets one
 * line without a newline (the caller adds context such as icount and
 * CS:EIP). A NULL fn (the default) disables logging. */
typedef void (*mem_log_fn)(void *opaque, const char *msg);
void mem_set_log(struct mem *m, mem_log_fn fn, void *opaque);

/* ---- i440FX PAM and SMRAM (datasheet 290549 §3.2 PAM[6:0], SMRAM) ---- */

/* Turn on the chipset routing of 0xA0000-0xFFFFF (the pc machine). Without
 * it (isapc, plain tests) those addresses follow region priorities. */
void mem_enable_i440fx(struct mem *m);

/* PAM registers: reg 0..6 is config 0x59..0x5F of 00:00.0. The byte is stored
 * as written; the nibble bits 0 (RE) and 1 (WE) route reads and writes of each
 * window. Routing is recomputed from the registers (never stored apart). The
 * pam_update hook sees every write. Out-of-range reg: ignored / reads 0xFF. */
void mem_pam_write(struct mem *m, int reg, uint8_t value);
uint8_t mem_pam_read(const struct mem *m, int reg);

/* SMRAM register (config 0x72): bit 6 D_OPEN, 5 D_CLS, 4 D_LCK, 3 G_SMRAME,
 * 2:0 C_BASE_SEG (fixed 010). Setting D_LCK clears D_OPEN and makes D_OPEN,
 * D_LCK and G_SMRAME read-only until mem_system_reset. */
#define MEM_SMRAM_D_OPEN   0x40
#define MEM_SMRAM_D_CLS    0x20
#define MEM_SMRAM_D_LCK    0x10
#define MEM_SMRAM_G_SMRAME 0x08
#define MEM_SMRAM_DEFAULT  0x02
void mem_smram_write(struct mem *m, uint8_t value);
uint8_t mem_smram_read(const struct mem *m);
/* The CPU enters (1) or leaves (0) SMM: selects the SMM view of SMRAM. */
void mem_set_smm(struct mem *m, int in_smm);

/* Restore chipset state from a snapshot: no hooks, no write masks; the
 * routing is recomputed. */
void mem_chipset_load(struct mem *m, const uint8_t pam[7], uint8_t smram);

/* System reset (0xCF9 hard reset, monitor reset, power-on): PAM -> 0,
 * SMRAM -> 0x02, SMM view off, then rom_reset. RAM is kept. A CPU INIT does
 * not call this. */
void mem_system_reset(struct mem *m);

/* ---- ROM blob registry (after QEMU's rom_add_file/rom_reset) ---- */

/* What the registry knows about one blob. */
struct rom_info {
	const char *name;
	int region;              /* target region, or -1 for an address target / none */
	uint64_t addr;           /* guest address (ROM_ADDR_NONE if not copied) */
	uint64_t size;           /* bytes of data */
	uint64_t rom_size;       /* bytes reserved at the target (>= size) */
	uint64_t hash_high, hash_low; /* XXH3-128 of the data */
	uint64_t dropped_writes; /* guest writes dropped inside this blob's range */
};
#define ROM_ADDR_NONE UINT64_MAX

/* Register a blob: the registry keeps its own pristine copy of data (the
 * caller keeps ownership of its buffer); guest memory is not touched until
 * rom_reset. Target: `addr` in guest physical memory (written through the RAM
 * or ROM region mapped there, ignoring PAM and read-only flags) or
 * ROM_ADDR_NONE for blobs served only through fw_cfg (never copied).
 * rom_size >= size (0 means size); rom_reset zero-fills the tail. Returns the
 * blob index or a negative errno. Fires the rom_load hook. */
int rom_add_blob(struct mem *m, const char *name, const void *data, uint64_t size,
		 uint64_t addr, uint64_t rom_size);
/* The same, targeting offset `offset` of region `region` (RAM or ROM). */
int rom_add_blob_region(struct mem *m, const char *name, const void *data, uint64_t size,
			int region, uint64_t offset, uint64_t rom_size);
/* Read a file and register it; -errno with a one-line message in err. */
int rom_add_file(struct mem *m, const char *path, const char *name, uint64_t addr,
		 uint64_t rom_size, char *err, size_t errlen);
/* Copy every blob into place (zero-filling to rom_size), tell the code-write
 * handler about every reloaded range, then fire the rom_reset hook. */
void rom_reset(struct mem *m);
int rom_count(const struct mem *m);
/* Fill *out for blob i (0..rom_count-1); returns 0 or -EINVAL. */
int rom_get_info(const struct mem *m, int i, struct rom_info *out);
/* Pristine data of the blob called name, or NULL (fw_cfg serves these). */
const uint8_t *rom_find(const struct mem *m, const char *name, uint64_t *size);

/* Map a validated BIOS image (see firmware_load_bios) for the pc machine:
 * ROM "pc.bios" at 4 GiB - size, read-only alias "isa-bios" of its last
 * min(size, 128 KiB) at 1 MiB - that size under the PAM windows (the ROM
 * region is called "bios"; mem_region_find finds it), i440FX
 * routing on. For isapc: the same ROM, and the low copy is writable RAM
 * loaded from the image by rom_reset. Does not call rom_reset. Returns 0 or
 * a negative errno (size not a non-zero multiple of 64 KiB, over 16 MiB). */
enum mem_machine { MEM_MACHINE_PC, MEM_MACHINE_ISAPC };
int mem_setup_bios(struct mem *m, enum mem_machine kind, const char *name,
		   const uint8_t *image, uint64_t size);

/* ---- hooks for replay and the monitor ---- */

/* All optional; each costs one branch when NULL. */
struct mem_hooks {
	void *opaque;
	void (*rom_load)(void *opaque, const struct rom_info *rom);
	void (*rom_reset)(void *opaque);
	void (*pam_update)(void *opaque, int reg, uint8_t old_value, uint8_t new_value);
	void (*smram_update)(void *opaque, uint8_t old_value, uint8_t new_value);
	/* A guest write of len bytes at pa hit ROM and was dropped. */
	void (*rom_write)(void *opaque, uint64_t pa, uint64_t len);
	/* Port I/O through mem_io_read/mem_io_write, once per call: reads after
	 * the value is known, writes before the devices see them. */
	void (*io)(void *opaque, uint16_t port, int size, int is_write, uint32_t value);
	/* A write to an MMIO region, before the device sees it: once per
	 * mem_write (size 1, 2 or 4) and once per byte of a buffer write. */
	void (*mmio_write)(void *opaque, uint64_t pa, int size, uint32_t value);
	/* A mem_read (a CPU data read) of size bytes at pa that overlaps a read
	 * watch (mem_watch_add), after the value is known. mem_fetch,
	 * mem_read_buf (DMA, the debugger) and writes never fire it. */
	void (*watch_read)(void *opaque, uint64_t pa, int size, uint32_t value);
};
/* Copy *h (NULL clears every hook). */
void mem_set_hooks(struct mem *m, const struct mem_hooks *h);

/* ---- read watches (the debugger's read watchpoints) ---- */

#define MEM_MAX_WATCH 32
/* Watch reads of physical [pa, pa+len): returns a handle >= 0, or -ENOSPC
 * (MEM_MAX_WATCH in use) / -EINVAL (len 0, or not below 4 GiB). Pages that
 * hold a watch give no fast read pointer (mem_page_read_ptr returns NULL and
 * mem_host_generation() changes, so a CPU TLB refreshes its pointers), so
 * every read there goes through mem_read, which fires the watch_read hook.
 * Watches are the debugger's, not guest state: what the guest reads, and
 * its TLB's contents, are unchanged. */
int mem_watch_add(struct mem *m, uint64_t pa, uint64_t len);
void mem_watch_remove(struct mem *m, int handle);
/* An instruction fetch or another implicit CPU read (a page-table walk):
 * mem_read without the watch_read hook. */
uint32_t mem_fetch(struct mem *m, uint64_t pa, int size);
/* For debuggers: mem_page_read_ptr as if no read watch were set (a watched
 * page's RAM or ROM is still plain memory to look at). */
const uint8_t *mem_page_peek_ptr(struct mem *m, uint64_t pa);

/* ---- monitor renderers: stable text, one item per line ---- */

/* `info mtree`: regions (range, kind, name, priority) then the flattened
 * view (range, read target, write target). */
void mem_print_mtree(struct mem *m, FILE *f);
/* `info roms`: blobs (name, address, size, rom size, XXH3-128, dropped writes). */
void mem_print_roms(struct mem *m, FILE *f);
/* `info pam`: the 13 windows (range, register, mode, read and write targets)
 * and SMRAM. */
void mem_print_pam(struct mem *m, FILE *f);
/* The same into buf (always NUL-terminated when len > 0). Return the full
 * length, like snprintf. */
size_t mem_format_mtree(struct mem *m, char *buf, size_t len);
size_t mem_format_roms(struct mem *m, char *buf, size_t len);
size_t mem_format_pam(struct mem *m, char *buf, size_t len);

/* ---- incremental RAM hashing (checkpoints, snapshots; mem/ram_hash.c) ---- */

/* Which pages of main RAM were written is tracked from mem_new on. Writes
 * are seen through mem_write, mem_write_buf, rom_reset, and
 * mem_page_write_ptr, which marks the page when it hands the pointer out: a
 * caller that caches write pointers (the CPU's TLB) must drop them after each
 * mem_ram_hash, or later writes through them go unseen. Whoever writes
 * through mem_ram_ptr must call mem_dirty_mark_all. mem_dirty_enable is
 * kept for callers that want to be explicit: returns 0 (or -ENOMEM). */
int mem_dirty_enable(struct mem *m);
/* Count every page as written (after writing through mem_ram_ptr). */
void mem_dirty_mark_all(struct mem *m);
/* Number of pages currently marked (tests, statistics). */
uint64_t mem_dirty_count(const struct mem *m);
/* Hash of main RAM: each page's XXH3-64 (rehashed only when marked since the
 * last call) h_i, combined as the sum mod 2^64 over pages i of
 * XXH3_64bits_withSeed(h_i as 8 bytes LE, seed i). Clears the marks. Enables tracking on the
 * first call. Returns 0 when out of memory (tracking cannot start). */
uint64_t mem_ram_hash(struct mem *m);
/* Whether the SMM view of SMRAM is selected (mem_set_smm), for snapshots. */
int mem_smm_active(const struct mem *m);

#endif
