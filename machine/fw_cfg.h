/*
 * machine/fw_cfg.h: QEMU's firmware configuration device (fw_cfg) at I/O
 * ports 0x510-0x51B, with the DMA interface. Follows QEMU
 * docs/specs/fw_cfg.rst and the behaviour of QEMU hw/nvram/fw_cfg.c, which is
 * what SeaBIOS src/fw/paravirt.c consumes. docs/fw_cfg.md has the details.
 *
 * The device owns a set of items (selector key -> bytes). Items are copied
 * in at setup and never change afterwards; the guest-visible state is the
 * selected key, the data offset and the DMA address register. Files (keys
 * 0x20 and up) are kept sorted by name, as QEMU does for current machine
 * types, so a file's key depends only on the set of names, never on the
 * order of the fw_cfg_add_file() calls.
 */
#ifndef LS_MACHINE_FW_CFG_H
#define LS_MACHINE_FW_CFG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* I/O placement on the PC (docs/specs/fw_cfg.rst "Register Locations"). The
 * board registers one port region of FW_CFG_IO_SIZE bytes at FW_CFG_IO_BASE:
 * offset 0 selector (16-bit write), offset 1 data (8-bit), offsets 4-11 the
 * big-endian 64-bit DMA address (0x514 high half, 0x518 low half). */
#define FW_CFG_IO_BASE 0x510
#define FW_CFG_IO_SIZE 12

/* Selector keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h and
 * include/hw/i386/fw_cfg.h). */
#define FW_CFG_SIGNATURE      0x00
#define FW_CFG_ID             0x01
#define FW_CFG_UUID           0x02
#define FW_CFG_RAM_SIZE       0x03
#define FW_CFG_NOGRAPHIC      0x04
#define FW_CFG_NB_CPUS        0x05
#define FW_CFG_NUMA           0x0d
#define FW_CFG_BOOT_MENU      0x0e
#define FW_CFG_MAX_CPUS       0x0f
#define FW_CFG_FILE_DIR       0x19
#define FW_CFG_FILE_FIRST     0x20
#define FW_CFG_WRITE_CHANNEL  0x4000
#define FW_CFG_ARCH_LOCAL     0x8000
#define FW_CFG_ENTRY_MASK     0x3fff
#define FW_CFG_ACPI_TABLES    (FW_CFG_ARCH_LOCAL + 0)
#define FW_CFG_SMBIOS_ENTRIES (FW_CFG_ARCH_LOCAL + 1)
#define FW_CFG_IRQ0_OVERRIDE  (FW_CFG_ARCH_LOCAL + 2)
#define FW_CFG_E820_TABLE     (FW_CFG_ARCH_LOCAL + 3)

/* FW_CFG_ID feature bits. */
#define FW_CFG_VERSION        0x01
#define FW_CFG_VERSION_DMA    0x02

/* FWCfgDmaAccess.control bits (fw_cfg.rst "Guest-side DMA Interface"). */
#define FW_CFG_DMA_CTL_ERROR  0x01
#define FW_CFG_DMA_CTL_READ   0x02
#define FW_CFG_DMA_CTL_SKIP   0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE  0x10

/* A file name is at most 55 characters (the directory holds char name[56]). */
#define FW_CFG_MAX_FILE_PATH  56
/* One directory entry: be32 size, be16 select, be16 reserved, name[56]. */
#define FW_CFG_FILE_ENTRY_SIZE 64

/* e820 entry types (etc/e820 holds {le64 address, le64 length, le32 type}). */
#define FW_CFG_E820_RAM       1
#define FW_CFG_E820_RESERVED  2
#define FW_CFG_E820_ENTRY_SIZE 20

/* Guest memory access for DMA. Both return 0 when the whole range
 * [pa, pa+len) was accessed, non-zero to refuse it (then the transfer stops
 * with the error bit set). A refusing callback must not touch buf (read) or
 * guest memory (write). The board points them at mem_read_buf and
 * mem_write_buf through small wrappers. */
typedef int (*fw_cfg_dma_read_fn)(void *opaque, uint64_t pa, void *buf, size_t len);
typedef int (*fw_cfg_dma_write_fn)(void *opaque, uint64_t pa, const void *buf, size_t len);

struct fw_cfg_dma_ops {
	fw_cfg_dma_read_fn read;     /* guest memory -> host buffer */
	fw_cfg_dma_write_fn write;   /* host buffer -> guest memory */
	void *opaque;
};

struct fw_cfg;

/* A device serving FW_CFG_SIGNATURE ("QEMU"), FW_CFG_ID (3: traditional
 * interface and DMA) and an empty file directory. ops is copied; with
 * ops->read or ops->write NULL the DMA interface is not offered (FW_CFG_ID
 * is 1 and the DMA registers ignore writes). Returns NULL when out of memory. */
struct fw_cfg *fw_cfg_new(const struct fw_cfg_dma_ops *ops);
void fw_cfg_free(struct fw_cfg *fw);
/* System reset: selects FW_CFG_SIGNATURE at offset 0 and clears the DMA
 * address register. Items are kept. */
void fw_cfg_reset(struct fw_cfg *fw);

/* Add an item under a numeric key (below FW_CFG_FILE_FIRST, or an
 * arch-local key 0x8000-0xbfff); the data is copied. The write-channel bit
 * is ignored, as by the device. Returns 0, -EINVAL (key in the file range or
 * out of range, len >= 4 GiB), -EEXIST or -ENOMEM. */
int fw_cfg_add_bytes(struct fw_cfg *fw, uint16_t key, const void *data, size_t len);
/* Little-endian integers, as QEMU's fw_cfg_add_i16/i32/i64. */
int fw_cfg_add_i16(struct fw_cfg *fw, uint16_t key, uint16_t value);
int fw_cfg_add_i32(struct fw_cfg *fw, uint16_t key, uint32_t value);
int fw_cfg_add_i64(struct fw_cfg *fw, uint16_t key, uint64_t value);
/* Add a named file (copied). Files get keys FW_CFG_FILE_FIRST + their index
 * in strcmp order of names; adding a file renumbers the ones after it.
 * Returns 0, -EINVAL (empty name or longer than 55 characters, len >= 4 GiB,
 * too many files), -EEXIST (same name) or -ENOMEM. */
int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data, size_t len);

/* Look up an item. Return a pointer to its bytes (valid until the next add
 * or fw_cfg_free) and its length in *len, or NULL when absent. */
const uint8_t *fw_cfg_find_key(const struct fw_cfg *fw, uint16_t key, uint32_t *len);
const uint8_t *fw_cfg_find_file(const struct fw_cfg *fw, const char *name,
				uint16_t *key, uint32_t *len);

/* Port callbacks (mem.h mem_read_fn/mem_write_fn); offset is from
 * FW_CFG_IO_BASE. Reads of the data port return the next byte of the
 * selected item and advance the offset; past the end (or for an absent
 * item) they return 0. Accesses the device does not decode read as open bus
 * (all ones) and writes to them are dropped. A 32-bit write to offset 8
 * (0x518) runs a DMA transfer before returning. */
uint32_t fw_cfg_io_read(void *opaque, uint32_t offset, int size);
void fw_cfg_io_write(void *opaque, uint32_t offset, uint32_t value, int size);

/* Guest-visible state, for snapshots (items are configuration, rebuilt from
 * the machine configuration, not saved). */
struct fw_cfg_state {
	uint16_t key;        /* as last selected (write-channel bit included) */
	uint32_t offset;     /* data offset within the selected item */
	uint64_t dma_addr;   /* DMA address register */
};
void fw_cfg_get_state(const struct fw_cfg *fw, struct fw_cfg_state *st);
void fw_cfg_set_state(struct fw_cfg *fw, const struct fw_cfg_state *st);

/* Human-readable listing for the monitor's `info fwcfg`: the state, then
 * one line per item (key, name, size, a short preview). */
void fw_cfg_render(const struct fw_cfg *fw, FILE *out);

/* ---- what the pc machine serves (machine/fw_cfg_pc.c) ---- */

struct pc_fw_cfg_params {
	uint64_t ram_below_4g;      /* RAM mapped at 0 */
	uint64_t ram_above_4g;      /* RAM mapped at 4 GiB */
	uint16_t cpus;              /* boot CPUs = max CPUs */
	int has_vga;                /* 0: etc/sercon-port = 0x3F8 (console on COM1) */
	int has_lapic;              /* MADT lists the local APIC */
	int has_ioapic;             /* FW_CFG_IRQ0_OVERRIDE (IRQ0 -> IO-APIC pin 2) */
	uint32_t boot_fail_wait;    /* etc/boot-fail-wait: seconds, or 0xFFFFFFFF: never reboot */
	const char *bootorder;      /* NULL, or the bootorder text (served with its NUL, as QEMU) */
	uint16_t pm_base;           /* ACPI PM I/O base the FADT announces */
};

/* Defaults for a machine with ram_size bytes: the split above, 1 CPU, no
 * VGA, a local APIC, no IO-APIC, no reboot on boot failure, PM base 0x600. */
void fw_cfg_pc_params_init(struct pc_fw_cfg_params *p, uint64_t ram_size);

/* Add every item the pc machine serves (docs/fw_cfg.md has the list):
 * RAM size, CPU counts, NUMA, boot menu (0), nographic, IRQ0 override,
 * legacy ACPI/SMBIOS counts (0), etc/e820, etc/boot-fail-wait,
 * etc/sercon-port, bootorder, and the ACPI tables with their loader script.
 * Option ROMs are added by the caller (fw_cfg_add_file "genroms/NAME").
 * Returns 0 or a negative errno from the first add that failed. */
int fw_cfg_setup_pc(struct fw_cfg *fw, const struct pc_fw_cfg_params *p);

#endif
