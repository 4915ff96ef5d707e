/*
 * machine/pci.h: PCI bus 0 behind configuration mechanism #1 (ports 0xCF8 and
 * 0xCFC-0xCFF) and the generic configuration-space function every PCI device
 * of the board is built from (PCI Local Bus Specification 2.1/3.0: §3.2.2.3.2
 * for mechanism #1, §6.1-§6.2 for the type 0 header, §6.2.5 for BARs and the
 * expansion ROM BAR).
 *
 * A struct pci_function is 256 bytes of configuration space plus, per byte,
 * a write mask (which bits the guest may change) and a write-1-to-clear mask
 * (status bits). Generic header rules (read-only IDs, command/status, BAR and
 * ROM BAR sizing) live here; device-specific registers are handled by the
 * owning device through pci_function_ops hooks. The whole state is the config
 * bytes: there is nothing derived to save. See docs/pci.md.
 */
#ifndef LS_MACHINE_PCI_H
#define LS_MACHINE_PCI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mem/mem.h"

struct pci_bus;
struct pci_function;

#define PCI_DEVFN(dev, fn) ((uint8_t)(((dev) << 3) | (fn)))
#define PCI_DEVFN_DEV(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_DEVFN_FN(devfn) ((devfn) & 7)

/* Type 0 header offsets (PCI 3.0 §6.1, figure 6-1). */
#define PCI_VENDOR_ID            0x00
#define PCI_DEVICE_ID            0x02
#define PCI_COMMAND              0x04
#define PCI_STATUS               0x06
#define PCI_REVISION_ID          0x08
#define PCI_CLASS_PROG           0x09
#define PCI_CLASS_DEVICE         0x0a
#define PCI_CACHE_LINE_SIZE      0x0c
#define PCI_LATENCY_TIMER        0x0d
#define PCI_HEADER_TYPE          0x0e
#define PCI_BIST                 0x0f
#define PCI_BASE_ADDRESS_0       0x10
#define PCI_SUBSYSTEM_VENDOR_ID  0x2c
#define PCI_SUBSYSTEM_ID         0x2e
#define PCI_ROM_ADDRESS          0x30
#define PCI_CAPABILITY_LIST      0x34
#define PCI_INTERRUPT_LINE       0x3c
#define PCI_INTERRUPT_PIN        0x3d
#define PCI_MIN_GNT              0x3e
#define PCI_MAX_LAT              0x3f

/* Command register bits (PCI 3.0 §6.2.2). */
#define PCI_COMMAND_IO           0x0001
#define PCI_COMMAND_MEMORY       0x0002
#define PCI_COMMAND_MASTER       0x0004
#define PCI_COMMAND_SPECIAL      0x0008
#define PCI_COMMAND_INVALIDATE   0x0010
#define PCI_COMMAND_PARITY       0x0040
#define PCI_COMMAND_SERR         0x0100
#define PCI_COMMAND_FAST_BACK    0x0200

/* Status register: the error bits are write-1-to-clear (PCI 3.0 §6.2.3). */
#define PCI_STATUS_FAST_BACK     0x0080
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200
#define PCI_STATUS_W1C           0xf900

#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80

/* BAR kinds for pci_function_add_bar (the low bits of the BAR, §6.2.5.1). */
#define PCI_BAR_MEM              0x0
#define PCI_BAR_IO               0x1
#define PCI_BAR_MEM_PREFETCH     0x8
#define PCI_BAR_COUNT            6
#define PCI_ROM_SLOT             6   /* the expansion ROM BAR at 0x30 */
#define PCI_ROM_ENABLE           0x1

/* Per-function hooks of the owning device. Both may be NULL. */
struct pci_function_ops {
	/* A config read of [reg, reg+size): value is the generic result from
	 * the config bytes; return what the guest sees (e.g. overlay registers
	 * whose state lives elsewhere, without caching them in config space). */
	uint32_t (*config_read)(void *opaque, struct pci_function *f, uint8_t reg, int size,
				uint32_t value);
	/* After the generic masked update of [reg, reg+size). value is what the
	 * guest wrote (unmasked, in the low size bytes); old[i] is the previous
	 * content of byte reg+i. Bytes with a zero write mask were not changed:
	 * the hook may give them its own semantics. */
	void (*config_write)(void *opaque, struct pci_function *f, uint8_t reg,
			     uint32_t value, int size, const uint8_t *old);
};

/* ---- a function's configuration space ---- */

/* A function with the given IDs and 24-bit class code (class << 16 |
 * subclass << 8 | prog-if), header type 0, every BAR absent, no ROM, command
 * bits IO/MEMORY/MASTER/PARITY/SERR writable, cache line size, latency timer
 * and interrupt line writable, device-specific bytes 0x40-0xFF plain
 * read/write storage (narrow them with pci_function_set_wmask). name is
 * copied (for `info pci` and log lines). Returns NULL on allocation failure. */
struct pci_function *pci_function_new(const char *name, uint16_t vendor, uint16_t device,
				      uint8_t revision, uint32_t class_code);
/* Frees f; the caller must not leave it registered on a live bus. */
void pci_function_free(struct pci_function *f);
void pci_function_set_ops(struct pci_function *f, const struct pci_function_ops *ops,
			  void *opaque);

/* Power-on value of the size (1, 2, 4) bytes at reg: sets the default and
 * the current value. */
void pci_function_set_default(struct pci_function *f, uint8_t reg, uint32_t value, int size);
/* Which bits of the size bytes at reg the guest may write / write-1-to-clear. */
void pci_function_set_wmask(struct pci_function *f, uint8_t reg, uint32_t mask, int size);
void pci_function_set_w1cmask(struct pci_function *f, uint8_t reg, uint32_t mask, int size);

/* Declare BAR bar (0..5) of size bytes (a power of two, >= 4 for I/O, >= 16
 * for memory) of the given kind: the BAR reads kind, its address bits
 * (~(size-1)) become writable. Returns 0, or -EINVAL. */
int pci_function_add_bar(struct pci_function *f, int bar, uint32_t size, unsigned kind);
/* Declare an expansion ROM of size bytes (power of two, >= 2 KiB): the ROM
 * BAR's address bits and enable bit become writable. Returns 0 or -EINVAL.
 * Without it the ROM BAR reads 0 whatever is written (no ROM). */
int pci_function_add_rom(struct pci_function *f, uint32_t size);

/* Current decode of BAR bar (0..5, or PCI_ROM_SLOT). Returns 1 and fills
 * *base and *size when the BAR exists, has a non-zero address and is enabled
 * by the command register (and, for the ROM, its enable bit); else 0. */
int pci_function_bar_mapping(const struct pci_function *f, int bar, uint32_t *base,
			     uint32_t *size);

/* Raw access to the config bytes, bypassing masks and hooks (device code). */
uint32_t pci_function_get(const struct pci_function *f, uint8_t reg, int size);
void pci_function_set(struct pci_function *f, uint8_t reg, uint32_t value, int size);

/* The guest's view: size 1, 2 or 4 bytes at reg, with hooks and masks.
 * Bytes past 0xFF read 0xFF and are not written. */
uint32_t pci_function_config_read(struct pci_function *f, uint8_t reg, int size);
void pci_function_config_write(struct pci_function *f, uint8_t reg, uint32_t value, int size);

/* Every byte back to its power-on value (masks and BARs are configuration,
 * not state, and stay). Hooks are not called. */
void pci_function_reset(struct pci_function *f);
const char *pci_function_name(const struct pci_function *f);

/* ---- bus 0 and configuration mechanism #1 ---- */

/* An empty bus. Returns NULL on allocation failure. */
struct pci_bus *pci_bus_new(void);
/* Frees the bus; registered functions are not freed (their devices own them). */
void pci_bus_free(struct pci_bus *b);
/* CONFIG_ADDRESS back to 0. Functions are reset by their devices. */
void pci_bus_reset(struct pci_bus *b);

/* Put f at devfn on bus 0. Returns 0, -EBUSY if devfn is taken, -EINVAL if
 * f is already on a bus. The bus keeps a pointer; f must outlive it there. */
int pci_register(struct pci_bus *b, uint8_t devfn, struct pci_function *f);
/* The function at devfn, or NULL. */
struct pci_function *pci_bus_function(const struct pci_bus *b, uint8_t devfn);

/* Config access by address (monitor, board). Absent functions and buses
 * other than 0 read all-ones; writes to them are dropped. */
uint32_t pci_bus_config_read(struct pci_bus *b, uint8_t bus, uint8_t devfn, uint8_t reg,
			     int size);
void pci_bus_config_write(struct pci_bus *b, uint8_t bus, uint8_t devfn, uint8_t reg,
			  uint32_t value, int size);

/* Port callbacks (opaque = the bus). Register 0xCF8-0xCFB with the addr
 * pair: only dword accesses at 0xCF8 reach CONFIG_ADDRESS; other accesses
 * there are ISA cycles, and their byte at 0xCF9 goes to the handler set with
 * pci_bus_set_cf9_handler (PIIX3 reset control), the rest read 0xFF.
 * Register 0xCFC-0xCFF with the data pair: byte, word and dword accesses at
 * any offset hit the config register CONFIG_ADDRESS selects, at byte
 * (CONFIG_ADDRESS & 0xFC) + offset, when its bit 31 (enable) is set. */
uint32_t pci_cfg_addr_io_read(void *opaque, uint32_t offset, int size);
void pci_cfg_addr_io_write(void *opaque, uint32_t offset, uint32_t value, int size);
uint32_t pci_cfg_data_io_read(void *opaque, uint32_t offset, int size);
void pci_cfg_data_io_write(void *opaque, uint32_t offset, uint32_t value, int size);
/* The byte port 0xCF9 (handlers called with offset 0, size 1). */
void pci_bus_set_cf9_handler(struct pci_bus *b, mem_read_fn read, mem_write_fn write,
			     void *opaque);

/* `info pci`: one block per function in devfn order (IDs, class, command,
 * BARs and their decode). */
void pci_bus_render(const struct pci_bus *b, FILE *out);

struct state_io;
/* Snapshot state (machine/state_io.h): the config bytes / the CONFIG_ADDRESS
 * register. Loading stores the bytes raw (no hooks): the owner re-derives
 * what depends on them. */
void pci_function_state_visit(struct pci_function *f, struct state_io *s);
void pci_bus_state_visit(struct pci_bus *b, struct state_io *s);

#endif
