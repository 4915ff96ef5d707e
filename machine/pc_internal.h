/*
 * machine/pc_internal.h: struct machine, shared by the board wiring
 * (machine/pc.c) and the run loop (machine/run.c). Nothing outside machine/
 * sees it.
 */
#ifndef LS_MACHINE_PC_INTERNAL_H
#define LS_MACHINE_PC_INTERNAL_H

#include <signal.h>
#include <stdint.h>

#include "machine/config.h"
#include "machine/debug_merge.h"
#include "machine/isa_dev.h"
#include "machine/machine.h"

struct acpi_pm;
struct chardev;
struct clock;
struct clock_timer;
struct cpu;
struct debug_exit;
struct debugcon;
struct disk;
struct fw_cfg;
struct i440fx;
struct i8042;
struct ide;
struct isa_dma;
struct lapic;
struct mem;
struct pci_bus;
struct pic;
struct piix;
struct pit;
struct port92;
struct post_port;
struct rtc;
struct uart;

struct machine {
	struct machine_config cfg;
	struct machine_options opt;
	struct machine_hooks hooks[MACHINE_MAX_HOOKS];
	int hook_used[MACHINE_MAX_HOOKS];
	unsigned hook_mask;           /* HOOK_* bits: which members any set has */

	struct mem *mem;
	struct cpu *cpu;
	struct clock *clock;
	struct isa_log log;

	/* ISA */
	struct pic *pic;
	struct lapic *lapic;           /* pc only */
	struct pit *pit;
	struct rtc *rtc;
	struct i8042 *kbd;
	struct uart *uart;
	struct debugcon *debugcon;     /* port 0x402 */
	struct debugcon *debugcon_e9;  /* port 0xE9 */
	struct post_port *post;
	struct debug_exit *dexit;
	struct port92 *port92;
	struct isa_dma *dma;
	struct ide *ide[2];
	struct disk *disks[CONFIG_MAX_DISKS];
	int boot_disk;                /* drive index (channel * 2 + device) of disk 0 */

	/* PCI (pc only) */
	struct pci_bus *pci;
	struct i440fx *i440fx;
	struct piix *piix;
	struct acpi_pm *pm;
	struct clock_timer *pm_timer;
	int pm_io_region;             /* mem region id of the PM block, or -1 */
	struct fw_cfg *fw_cfg;

	struct chardev *serial_out;
	struct chardev *debug_out;
	struct debug_merge debug;

	/* Requests from devices, handled between cpu_run slices. */
	int a20_kbd, a20_port92;      /* the two A20 sources, ORed */
	int pending_reset;            /* 0, ISA_RESET_INIT or ISA_RESET_SYSTEM */
	int exit_requested;
	int exit_value;
	int poweroff;
	volatile sig_atomic_t stop_requested;
	volatile sig_atomic_t stop_signal;

	/* Milestones of the current boot. */
	uint32_t boot;
	uint64_t milestone_icount[MILESTONE_COUNT];
	int pam_unlocked;
	int until_hit;                /* the run target was reached by a hook */
	enum until_kind until_kind;
	int retire_hook_on;
	int shadow_watch;             /* between pam-unlock and shadow-done */
	int compat;                   /* trace format the machine behaves as (machine_set_compat) */

	/* Reset-loop detection. */
	uint64_t last_reset_icount;
	int quick_resets;
};

/* One bit per struct machine_hooks member, so an unhooked event costs one test. */
enum {
	HOOK_milestone = 1u << 0, HOOK_system_reset = 1u << 1, HOOK_cpu_reset = 1u << 2,
	HOOK_io = 1u << 3, HOOK_interrupt = 1u << 4, HOOK_cr_write = 1u << 5,
	HOOK_pam = 1u << 6, HOOK_smram = 1u << 7, HOOK_rom_reset = 1u << 8,
	HOOK_debug_out = 1u << 9, HOOK_serial_out = 1u << 10, HOOK_retire = 1u << 11,
	HOOK_mmio_write = 1u << 12, HOOK_smm = 1u << 13, HOOK_watch_read = 1u << 14,
};

#define HOOK_FIRE(m, member, ...)                                                   \
	do {                                                                        \
		if ((m)->hook_mask & HOOK_##member)                                 \
			for (int hk_ = 0; hk_ < MACHINE_MAX_HOOKS; hk_++)           \
				if ((m)->hook_used[hk_] && (m)->hooks[hk_].member)  \
					(m)->hooks[hk_].member((m)->hooks[hk_].opaque, \
							       __VA_ARGS__);        \
	} while (0)
#define HOOK_FIRE0(m, member)                                                       \
	do {                                                                        \
		if ((m)->hook_mask & HOOK_##member)                                 \
			for (int hk_ = 0; hk_ < MACHINE_MAX_HOOKS; hk_++)           \
				if ((m)->hook_used[hk_] && (m)->hooks[hk_].member)  \
					(m)->hooks[hk_].member((m)->hooks[hk_].opaque); \
	} while (0)

/* machine/pc.c: a CPU-only INIT reset (the CPU and its local APIC). */
void machine_init_reset(struct machine *m);

/* machine/run.c: milestone bookkeeping. */
void machine_milestone(struct machine *m, enum milestone id);
/* machine/hooks.c: (re)install the CPU and memory hooks the machine needs
 * now (its own milestones plus what attached sets ask for). */
void machine_install_cpu_hooks(struct machine *m);
/* A new boot begins (power-on, system or INIT reset): milestones restart. */
void machine_boot_begin(struct machine *m);

#endif
