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

/* ---- code-page tracking (self-modifying code, rom_reset) ---- */

/* Called with the first physical address and length of memory that was
 * written while marked as code, or that rom_reset reloaded. */
typedef void (*mem_code_write_fn)(void *opaque, uint64_t pa, uint64_t len);
void mem_set_code_write_handler(struct mem *m, mem_code_write_fn fn, void *opaque);
/* Mark the page holding pa as containing decoded code (writes then take the
 * slow path and call the handler once, which unmarks the page). */
void mem_mark_code_page(struct mem *m, uint64_t pa);

/* ---- port I/O space (0x0000-0xFFFF) ---- */

uint32_t mem_io_read(struct mem *m, uint16_t port, int size);
void mem_io_write(struct mem *m, uint16_t port, uint32_t value, int size);

#endif
