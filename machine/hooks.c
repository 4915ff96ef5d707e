/*
 * machine/hooks.c: observation hooks. The machine owns the CPU's and the
 * memory map's hooks; it uses them for its own milestones (int19, the jump to
 * 0:7C00, PAM unlock/lock) and fans events out to the hook sets that replay
 * and the monitor attach. CPU hooks that no one needs stay unset, so they
 * cost the CPU one branch.
 */
#include "machine/pc_internal.h"

#include <string.h>

#include "cpu/cpu.h"
#include "mem/mem.h"

/* Do CPU reads of physical address pa (0xC0000-0xFFFFF) come from shadow
 * RAM? The read-enable bit of its PAM nibble (i440FX datasheet §3.2.18). */
static int pam_reads_ram(struct machine *m, uint32_t pa)
{
	int reg, nibble;

	if (pa >= 0xF0000) {
		reg = 0;
		nibble = 1;
	} else {
		reg = 1 + (int)((pa - 0xC0000) >> 15);
		nibble = (int)((pa >> 14) & 1);
	}
	return (mem_pam_read(m->mem, reg) >> (4 * nibble)) & 1;
}

/* After each retired instruction and each delivery, the machine watches
 * CS.base+EIP, the next instruction, between pam-unlock and the first
 * instruction taken from shadow RAM (paging off, 0xC0000-0xFFFFF, PAM
 * routing reads there to RAM), and between int19 and the jump to 0:7C00. */
static void check_next(struct machine *m, struct cpu *cpu)
{
	if (!m->retire_hook_on && !m->shadow_watch)
		return;
	struct cpu_segment seg;
	cpu_get_seg(cpu, CPU_CS, &seg);
	uint32_t next = seg.base + cpu_get_reg(cpu, CPU_EIP);
	if (m->shadow_watch && next >= 0xC0000 && next < 0x100000 &&
	    !(cpu_get_reg(cpu, CPU_CR0) & 0x80000000u) && pam_reads_ram(m, next)) {
		m->shadow_watch = 0;
		machine_install_cpu_hooks(m);
		machine_milestone(m, MILESTONE_SHADOW_DONE);
	}
	if (m->retire_hook_on && next == 0x7C00) {
		m->retire_hook_on = 0;
		machine_install_cpu_hooks(m);
		machine_milestone(m, MILESTONE_MBR);
	}
}

static void on_retire(void *opaque, struct cpu *cpu, uint16_t cs, uint32_t eip)
{
	struct machine *m = opaque;

	HOOK_FIRE(m, retire, cs, eip);
	check_next(m, cpu);
}

static void on_interrupt(void *opaque, struct cpu *cpu, int vector, enum cpu_int_kind kind,
			 int error, uint16_t cs, uint32_t eip, uint16_t new_cs, uint32_t new_eip)
{
	struct machine *m = opaque;

	HOOK_FIRE(m, interrupt, vector, (int)kind, error, cs, eip, new_cs, new_eip);
	if (vector == 0x19 && m->milestone_icount[MILESTONE_INT19] == UINT64_MAX) {
		m->retire_hook_on = 1;
		machine_install_cpu_hooks(m);
		machine_milestone(m, MILESTONE_INT19);
	}
	/* A delivery that is not an instruction (IRQ, exception) retires
	 * nothing: the handler's first instruction is the next one now (after
	 * int19 itself, when vector 0x19 came that way). A software INT
	 * retires, and on_retire looks then. Format 1 looked only there. */
	if (kind != CPU_INT_SOFT && m->compat != 1)
		check_next(m, cpu);
}

static void on_cr_write(void *opaque, struct cpu *cpu, int cr, uint32_t old, uint32_t value)
{
	struct machine *m = opaque;
	HOOK_FIRE(m, cr_write, cr, old, value);
}

/* PAM0's high nibble routes 0xF0000-0xFFFFF: its WE bit (bit 1 of the nibble)
 * decides whether the BIOS segment is writable. */
static void on_pam_update(void *opaque, int reg, uint8_t old_value, uint8_t new_value)
{
	struct machine *m = opaque;
	int writable = (new_value >> 4) & 2;

	HOOK_FIRE(m, pam, reg, old_value, new_value);
	if (reg != 0)
		return;
	if (writable && !m->pam_unlocked) {
		m->pam_unlocked = 1;
		if (m->compat != 1) {
			m->shadow_watch = 1;
			machine_install_cpu_hooks(m);
		}
		machine_milestone(m, MILESTONE_PAM_UNLOCK);
	} else if (!writable && m->pam_unlocked &&
		   m->milestone_icount[MILESTONE_PAM_LOCK] == UINT64_MAX) {
		machine_milestone(m, MILESTONE_PAM_LOCK);
	}
}

static void on_smram_update(void *opaque, uint8_t old_value, uint8_t new_value)
{
	struct machine *m = opaque;
	HOOK_FIRE(m, smram, old_value, new_value);
}

static void on_rom_reset(void *opaque)
{
	struct machine *m = opaque;
	HOOK_FIRE0(m, rom_reset);
}

static void on_io(void *opaque, uint16_t port, int size, int is_write, uint32_t value)
{
	struct machine *m = opaque;
	HOOK_FIRE(m, io, port, size, is_write, value);
}

static void on_mmio_write(void *opaque, uint64_t pa, int size, uint32_t value)
{
	struct machine *m = opaque;
	HOOK_FIRE(m, mmio_write, pa, size, value);
}

static void on_watch_read(void *opaque, uint64_t pa, int size, uint32_t value)
{
	struct machine *m = opaque;
	HOOK_FIRE(m, watch_read, pa, size, value);
}

static void on_smm(void *opaque, struct cpu *cpu, int enter, uint32_t smbase, uint16_t cs,
		   uint32_t eip)
{
	struct machine *m = opaque;
	(void)cpu;
	HOOK_FIRE(m, smm, enter, smbase, cs, eip);
}

void machine_install_cpu_hooks(struct machine *m)
{
	struct cpu_hooks h = {
		.opaque = m,
		.interrupt = on_interrupt,
		.retire = (m->retire_hook_on || m->shadow_watch || (m->hook_mask & HOOK_retire)) ?
			on_retire : NULL,
		.cr_write = (m->hook_mask & HOOK_cr_write) ? on_cr_write : NULL,
		.smm = (m->hook_mask & HOOK_smm) ? on_smm : NULL,
	};
	struct mem_hooks mh = {
		.opaque = m,
		.pam_update = on_pam_update,
		.smram_update = (m->hook_mask & HOOK_smram) ? on_smram_update : NULL,
		.rom_reset = (m->hook_mask & HOOK_rom_reset) ? on_rom_reset : NULL,
		.io = (m->hook_mask & HOOK_io) ? on_io : NULL,
		.mmio_write = (m->hook_mask & HOOK_mmio_write) ? on_mmio_write : NULL,
		.watch_read = (m->hook_mask & HOOK_watch_read) ? on_watch_read : NULL,
	};

	cpu_set_hooks(m->cpu, &h);
	mem_set_hooks(m->mem, &mh);
}

static void update_mask(struct machine *m)
{
	unsigned mask = 0;

	for (int i = 0; i < MACHINE_MAX_HOOKS; i++) {
		const struct machine_hooks *h = &m->hooks[i];
		if (!m->hook_used[i])
			continue;
		mask |= (h->milestone ? HOOK_milestone : 0) | (h->system_reset ? HOOK_system_reset : 0) |
			(h->cpu_reset ? HOOK_cpu_reset : 0) | (h->io ? HOOK_io : 0) |
			(h->interrupt ? HOOK_interrupt : 0) | (h->cr_write ? HOOK_cr_write : 0) |
			(h->pam ? HOOK_pam : 0) | (h->smram ? HOOK_smram : 0) |
			(h->rom_reset ? HOOK_rom_reset : 0) | (h->debug_out ? HOOK_debug_out : 0) |
			(h->serial_out ? HOOK_serial_out : 0) | (h->retire ? HOOK_retire : 0) |
			(h->mmio_write ? HOOK_mmio_write : 0) | (h->smm ? HOOK_smm : 0) |
			(h->watch_read ? HOOK_watch_read : 0);
	}
	m->hook_mask = mask;
	machine_install_cpu_hooks(m);
}

int machine_add_hooks(struct machine *m, const struct machine_hooks *h)
{
	for (int i = 0; i < MACHINE_MAX_HOOKS; i++)
		if (!m->hook_used[i]) {
			m->hooks[i] = *h;
			m->hook_used[i] = 1;
			update_mask(m);
			return i;
		}
	return -1;
}

void machine_set_hooks(struct machine *m, int handle, const struct machine_hooks *h)
{
	if (handle < 0 || handle >= MACHINE_MAX_HOOKS)
		return;
	if (h)
		m->hooks[handle] = *h;
	else
		memset(&m->hooks[handle], 0, sizeof(m->hooks[handle]));
	m->hook_used[handle] = h != NULL;
	update_mask(m);
}

void machine_boot_begin(struct machine *m)
{
	for (int i = 0; i < MILESTONE_COUNT; i++)
		m->milestone_icount[i] = UINT64_MAX;
	m->pam_unlocked = 0;
	m->retire_hook_on = 0;
	m->shadow_watch = 0;
	machine_install_cpu_hooks(m);
	machine_milestone(m, MILESTONE_RESET);
	/* The next instruction is the reset vector's. */
	machine_milestone(m, MILESTONE_RESET_VECTOR);
}

void machine_set_compat(struct machine *m, int version)
{
	m->compat = version;
	if (version == 1 && m->shadow_watch) {
		m->shadow_watch = 0;
		machine_install_cpu_hooks(m);
	}
}
