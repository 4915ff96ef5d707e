/*
 * machine/info.h: the debugger's view into the machine. Side-effect-free
 * guest memory access (linear -> physical through the guest's page tables,
 * A20, plain RAM/ROM only: never a device read), the identity of a physical
 * byte behind the BIOS aliases, and the monitor's `info` renderers that need
 * struct machine internals (pci, fwcfg, devices, milestones, ivt, gdt, idt,
 * tlb). Output is stable text, one item per line.
 */
#ifndef LS_MACHINE_INFO_H
#define LS_MACHINE_INFO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct machine;

/* Whether A20 is enabled (the 8042 and port 0x92 sources, ORed). */
int machine_a20_enabled(const struct machine *m);
/* The icount cap machine_run applies when no icount target is given. */
uint64_t machine_icount_cap(const struct machine *m);

/* ---- side-effect-free guest memory ---- */

/* Translate a linear address as the CPU would now (32-bit paging with 4 KiB
 * and 4 MiB pages when CR0.PG, then the A20 mask), without faulting and
 * without setting accessed/dirty bits. Returns 0 and *pa, or -1 when the
 * page is not present. */
int machine_debug_translate(struct machine *m, uint32_t lin, uint64_t *pa);
/* Copy len bytes of physical memory. Only pages that are plain RAM or ROM
 * for reads (mem_page_read_ptr) are read; returns 0, or -1 when any byte is
 * device memory or unmapped (buf is then filled with 0xFF there). */
int machine_debug_read_phys(struct machine *m, uint64_t pa, void *buf, size_t len);
/* The same at linear addresses, page by page; -1 if any page is not present
 * or not plain memory. */
int machine_debug_read_lin(struct machine *m, uint32_t lin, void *buf, size_t len);
/* Write len bytes of physical memory as the guest would (PAM routing, ROM
 * drops, decoded code invalidated). Refuses (-1, nothing written) when any
 * page is not plain memory, so a debugger write never reaches a device. */
int machine_debug_write_phys(struct machine *m, uint64_t pa, const void *buf, size_t len);

/* What a physical address reads from now: the BIOS ROM (rom = 1, offset
 * into the image) through the high alias below 4 GiB or through the low
 * isa-bios window while PAM routes that window's reads to ROM; else the
 * address itself (rom = 0). Two addresses with equal keys are the same byte. */
struct phys_key {
	int rom;
	uint64_t offset;
};
void machine_debug_phys_key(struct machine *m, uint64_t pa, struct phys_key *key);
/* The same with the BIOS layout looked up once (the layout never changes
 * after machine_new): per-instruction breakpoint checks use this. */
struct bios_layout {
	uint64_t size;           /* BIOS image size, 0 if none */
	int low_alias;           /* the pc machine's isa-bios alias exists */
};
void machine_debug_bios_layout(struct machine *m, struct bios_layout *l);
void machine_debug_phys_key_fast(struct machine *m, const struct bios_layout *l, uint64_t pa,
				 struct phys_key *key);
/* Describe pa for a stop message, e.g. "bios ROM +0x3fff0 via the high
 * alias" or "RAM". */
void machine_debug_describe_phys(struct machine *m, uint64_t pa, char *buf, size_t len);

/* Linear base of a selector as the current mode sees it: real and V86 mode
 * sel * 16; protected mode the GDT/LDT descriptor's base. Returns 0 or -1
 * (selector outside the table, table unreadable). */
int machine_debug_selector_base(struct machine *m, uint16_t sel, uint32_t *base);

/* ---- `info` renderers ---- */

void info_print_pci(struct machine *m, FILE *f);
void info_print_fwcfg(struct machine *m, FILE *f);
void info_print_devices(struct machine *m, FILE *f);
void info_print_milestones(struct machine *m, FILE *f);
/* The 256 real-mode vectors at IDTR.base (16 lines of 4 in real mode
 * conventions, address and seg:off); `first`/`count` select a range. */
void info_print_ivt(struct machine *m, FILE *f, int first, int count);
/* Descriptor tables: one line per descriptor (index, selector, raw, base,
 * limit, type, DPL, P, D/B, G). GDT up to its limit (max 64 entries). */
void info_print_gdt(struct machine *m, FILE *f);
/* IDT gates in protected mode (selector:offset, type, DPL, P); in real mode
 * the IVT. */
void info_print_idt(struct machine *m, FILE *f);
/* Present linear -> physical mappings from the page tables (CR3), merged
 * into runs; "paging disabled" otherwise. */
void info_print_tlb(struct machine *m, FILE *f);

#endif
