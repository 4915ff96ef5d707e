/*
 * machine/i440fx.h: the Intel 82441FX PCI and Memory Controller (PMC), the
 * i440FX host bridge at 00:00.0 (82441FX datasheet §3.2, register
 * descriptions). Config space with QEMU's subsystem IDs; the PAM registers
 * (0x59-0x5F) and SMRAM (0x72) are state of mem/ and reached through
 * struct i440fx_chipset_ops; this file implements their config-space
 * semantics (which bits exist, D_LCK).
 */
#ifndef LS_MACHINE_I440FX_H
#define LS_MACHINE_I440FX_H

#include <stddef.h>
#include <stdint.h>

#include "machine/pci.h"

#define I440FX_VENDOR_ID      0x8086
#define I440FX_DEVICE_ID      0x1237
#define I440FX_REVISION       0x02
/* QEMU's subsystem IDs (Red Hat, QEMU): SeaBIOS keys fw_cfg on them. */
#define I440FX_SUBSYS_VENDOR  0x1af4
#define I440FX_SUBSYS_ID      0x1100

#define I440FX_PAMCON         0x58  /* not a PAM register: plain storage */
#define I440FX_PAM0           0x59  /* PAM0..PAM6 = 0x59..0x5F */
#define I440FX_PAM_COUNT      7
#define I440FX_SMRAM          0x72

/* SMRAM control register bits (82441FX SMRAM, offset 72h). */
#define I440FX_SMRAM_D_OPEN    0x40
#define I440FX_SMRAM_D_CLS     0x20
#define I440FX_SMRAM_D_LCK     0x10
#define I440FX_SMRAM_G_SMRAME  0x08
#define I440FX_SMRAM_C_BASE    0x02  /* C_BASE_SEG = 010b: 0xA0000, read-only */
#define I440FX_SMRAM_DEFAULT   0x02

/* Where PAM and SMRAM state lives (the board points these at mem/). reg is
 * 0..6 for PAM0..PAM6. Any pointer may be NULL: reads then give 0 and writes
 * are dropped. */
struct i440fx_chipset_ops {
	void (*pam_write)(void *o, int reg, uint8_t v);
	uint8_t (*pam_read)(void *o, int reg);
	void (*smram_write)(void *o, uint8_t v);
	uint8_t (*smram_read)(void *o);
	void *opaque;
};

struct i440fx;

/* Create the host bridge and register it at 00:00.0 on bus. ops is copied.
 * Returns NULL on allocation failure or if 00:00.0 is taken. */
struct i440fx *i440fx_new(struct pci_bus *bus, const struct i440fx_chipset_ops *ops);
/* Free the bridge; the bus must be freed first or not used any more. */
void i440fx_free(struct i440fx *h);
/* System reset: config space back to power-on values. PAM (all 0) and SMRAM
 * (0x02, lock cleared) are reset by mem/ itself, which owns them. */
void i440fx_reset(struct i440fx *h);
struct pci_function *i440fx_function(struct i440fx *h);

struct state_io;
/* Snapshot state (machine/state_io.h). PAM and SMRAM live in mem/ and are
 * saved with it. */
void i440fx_state_visit(struct i440fx *h, struct state_io *s);

#endif
