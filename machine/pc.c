/*
 * machine/pc.c: the board. Creates the memory map, the CPU, the clock and
 * every device, registers them in port and memory space, wires their IRQ
 * lines and machine-level requests (reset, A20, exit, power-off), loads the
 * firmware or a multiboot kernel, and implements power-on and system reset
 * after the PIIX3/i440FX reset table in DESIGN.md §5.
 *
 * Port map (pc): PIC 0x20/0xA0, ELCR 0x4D0, PIT 0x40 + 0x61, i8042 0x60/0x64,
 * RTC 0x70, POST 0x80, DMA 0x00/0xC0/0x81, port 0x92, APM 0xB2, IDE
 * 0x1F0/0x3F6 and 0x170/0x376, COM1 0x3F8, debugcon 0x402/0xE9, exit 0xF4,
 * fw_cfg 0x510, PCI 0xCF8/0xCFC, ACPI PM at PMBA (0x600 once SeaBIOS sets it).
 * isapc has the ISA devices and IDE only.
 */
#include "machine/pc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "machine/acpi_pm.h"
#include "machine/chardev.h"
#include "machine/clock.h"
#include "machine/debug_merge.h"
#include "machine/disk.h"
#include "machine/fw_cfg.h"
#include "machine/i440fx.h"
#include "machine/i8042.h"
#include "machine/ide.h"
#include "machine/isa_dma.h"
#include "machine/isa_misc.h"
#include "machine/lapic.h"
#include "machine/multiboot.h"
#include "machine/pci.h"
#include "machine/pic.h"
#include "machine/piix.h"
#include "machine/pit.h"
#include "machine/rtc.h"
#include "machine/uart.h"
#include "mem/firmware.h"
#include "mem/mem.h"

/* ---- requests from devices ---- */

static void req_reset(void *opaque, int kind)
{
	struct machine *m = opaque;

	/* A system reset wins over a CPU-only one requested in the same slice. */
	if (kind > m->pending_reset)
		m->pending_reset = kind;
	cpu_request_stop(m->cpu);
}

/* A20 is on while either source enables it: the 8042 output port bit 1 or
 * port 0x92 bit 1 (PIIX3 ORs the keyboard controller's A20GATE with its own). */
static void a20_update(struct machine *m)
{
	cpu_set_a20(m->cpu, m->a20_kbd || m->a20_port92);
}

static void req_a20_kbd(void *opaque, int on)
{
	struct machine *m = opaque;
	m->a20_kbd = on;
	a20_update(m);
}

static void req_a20_port92(void *opaque, int on)
{
	struct machine *m = opaque;
	m->a20_port92 = on;
	a20_update(m);
}

static void req_exit(void *opaque, int value)
{
	struct machine *m = opaque;
	m->exit_requested = 1;
	m->exit_value = value;
	cpu_request_stop(m->cpu);
}

static void req_poweroff(void *opaque)
{
	struct machine *m = opaque;
	m->poweroff = 1;
	cpu_request_stop(m->cpu);
}

static void req_smi(void *opaque)
{
	struct machine *m = opaque;
	cpu_raise_smi(m->cpu);
}

static void cpu_shutdown(void *opaque)
{
	/* Triple fault: a CPU-only reset (DESIGN.md §5). */
	req_reset(opaque, ISA_RESET_INIT);
}

/* INTA: through the local APIC when there is one (it answers fixed vectors
 * itself and asks the 8259 for ExtINT), else straight from the 8259. */
static void cpu_smm_changed(void *opaque, int in_smm)
{
	struct machine *m = opaque;
	mem_set_smm(m->mem, in_smm);
}

static int cpu_intr_ack(void *opaque)
{
	struct machine *m = opaque;
	return m->lapic ? lapic_intr_ack(m->lapic) : pic_intr_ack(m->pic);
}

static void pic_intr_line(void *opaque, int n, int level)
{
	struct machine *m = opaque;
	if (m->lapic)
		lapic_set_lint0(m->lapic, level);
	else
		cpu_set_intr(m->cpu, level);
}

static void lapic_intr(void *opaque, int level)
{
	struct machine *m = opaque;
	cpu_set_intr(m->cpu, level);
}

static void lapic_nmi(void *opaque)
{
	struct machine *m = opaque;
	cpu_raise_nmi(m->cpu);
}

static int lapic_extint_ack(void *opaque)
{
	struct machine *m = opaque;
	return pic_intr_ack(m->pic);
}

static void clock_deadline(void *opaque, uint64_t when)
{
	struct machine *m = opaque;
	cpu_set_cycle_limit(m->cpu, when);
}

static void debug_out_402(void *opaque, const uint8_t *buf, size_t len)
{
	struct machine *m = opaque;
	HOOK_FIRE(m, debug_out, 0x402, buf, len);
	debug_merge_write(&m->debug, 0, buf, len);
}

static void debug_out_e9(void *opaque, const uint8_t *buf, size_t len)
{
	struct machine *m = opaque;
	HOOK_FIRE(m, debug_out, 0xE9, buf, len);
	debug_merge_write(&m->debug, 1, buf, len);
}

static void serial_out(void *opaque, const uint8_t *buf, size_t len)
{
	struct machine *m = opaque;
	HOOK_FIRE(m, serial_out, buf, len);
	chardev_write(m->serial_out, buf, len);
}

static void log_unimp(void *opaque, const char *msg)
{
	struct machine *m = opaque;
	struct cpu_segment cs;

	if (!m->opt.log_unimp)
		return;
	cpu_get_seg(m->cpu, CPU_CS, &cs);
	fprintf(stderr, "unimp: icount=%llu cs:eip=%04x:%08x %s\n",
		(unsigned long long)cpu_icount(m->cpu), cs.selector,
		cpu_get_reg(m->cpu, CPU_EIP), msg);
}

/* ---- chipset glue: PAM and SMRAM live in mem/ ---- */

static void ops_pam_write(void *o, int reg, uint8_t v) { mem_pam_write(o, reg, v); }
static uint8_t ops_pam_read(void *o, int reg) { return mem_pam_read(o, reg); }
static void ops_smram_write(void *o, uint8_t v) { mem_smram_write(o, v); }
static uint8_t ops_smram_read(void *o) { return mem_smram_read(o); }

static uint64_t pm_now(void *opaque)
{
	struct machine *m = opaque;
	return clock_now(m->clock);
}

static void pm_deadline(void *opaque, uint64_t when)
{
	struct machine *m = opaque;
	if (when == UINT64_MAX)
		clock_timer_del(m->pm_timer);
	else
		clock_timer_mod(m->pm_timer, when);
}

static void pm_timer_fire(void *opaque)
{
	struct machine *m = opaque;
	acpi_pm_update(m->pm);
}

static void pm_io_map(void *opaque, uint16_t base, int enabled)
{
	struct machine *m = opaque;

	if (m->pm_io_region < 0) {
		if (!enabled)
			return;
		m->pm_io_region = mem_add_io(m->mem, "acpi-pm", base, ACPI_PM_IO_SIZE, 0,
					     acpi_pm_io_read, acpi_pm_io_write, m->pm, 4);
		return;
	}
	mem_region_move(m->mem, m->pm_io_region, base);
	mem_region_set_enabled(m->mem, m->pm_io_region, enabled);
}

static int dma_read(void *opaque, uint64_t pa, void *buf, size_t len)
{
	if (pa + len < pa || pa + len > MEM_ADDR_LIMIT)
		return -1;
	mem_read_buf(opaque, pa, buf, len);
	return 0;
}

static int dma_write(void *opaque, uint64_t pa, const void *buf, size_t len)
{
	if (pa + len < pa || pa + len > MEM_ADDR_LIMIT)
		return -1;
	mem_write_buf(opaque, pa, buf, len);
	return 0;
}

static void ide_read_hook(void *opaque, int drive, uint64_t lba, uint32_t count)
{
	struct machine *m = opaque;

	if (drive == m->boot_disk && lba == 0 &&
	    m->milestone_icount[MILESTONE_INT19] != UINT64_MAX &&
	    m->milestone_icount[MILESTONE_BOOT_READ] == UINT64_MAX)
		machine_milestone(m, MILESTONE_BOOT_READ);
}

/* ---- construction ---- */

static int io(struct machine *m, const char *name, uint16_t port, uint32_t count,
	      mem_read_fn rd, mem_write_fn wr, void *opaque, int width)
{
	int r = mem_add_io(m->mem, name, port, count, 0, rd, wr, opaque, width);
	return r < 0 ? r : 0;
}

static struct irq_line pic_line(struct machine *m, int irq)
{
	return (struct irq_line){ .set = pic_irq_handler, .opaque = m->pic, .n = irq };
}

static int add_isa_devices(struct machine *m, char *err, size_t errlen)
{
	const struct isa_log *log = &m->log;
	struct i8042_callbacks kcb = { .a20_set = req_a20_kbd, .reset_request = req_reset, .opaque = m };
	int r = 0;

	m->pic = pic_new((struct irq_line){ .set = pic_intr_line, .opaque = m }, log);
	if (!m->pic)
		goto nomem;
	m->pit = pit_new(m->clock, pic_line(m, 0), log);
	m->rtc = rtc_new(m->clock, m->cfg.rtc_start, pic_line(m, 8), log);
	m->kbd = i8042_new(pic_line(m, 1), pic_line(m, 12), &kcb, log);
	m->uart = uart_new(m->clock, pic_line(m, 4), serial_out, m, log);
	m->debugcon = debugcon_new(debug_out_402, m);
	m->debugcon_e9 = debugcon_new(debug_out_e9, m);
	m->post = post_port_new();
	m->dexit = debug_exit_new(req_exit, m);
	m->port92 = port92_new(req_a20_port92, req_reset, m);
	m->dma = isa_dma_new();
	m->ide[0] = ide_new(0, pic_line(m, 14), log);
	m->ide[1] = ide_new(1, pic_line(m, 15), log);
	if (!m->pit || !m->rtc || !m->kbd || !m->uart || !m->debugcon || !m->debugcon_e9 || !m->post || !m->dexit ||
	    !m->port92 || !m->dma || !m->ide[0] || !m->ide[1])
		goto nomem;

	r |= io(m, "pic-master", 0x20, 2, pic_master_io_read, pic_master_io_write, m->pic, 1);
	r |= io(m, "pic-slave", 0xA0, 2, pic_slave_io_read, pic_slave_io_write, m->pic, 1);
	r |= io(m, "elcr", 0x4D0, 2, pic_elcr_io_read, pic_elcr_io_write, m->pic, 1);
	r |= io(m, "pit", 0x40, 4, pit_io_read, pit_io_write, m->pit, 1);
	r |= io(m, "port61", 0x61, 1, pit_port61_io_read, pit_port61_io_write, m->pit, 1);
	r |= io(m, "i8042-data", 0x60, 1, i8042_data_io_read, i8042_data_io_write, m->kbd, 1);
	r |= io(m, "i8042-cmd", 0x64, 1, i8042_cmd_io_read, i8042_cmd_io_write, m->kbd, 1);
	r |= io(m, "rtc", 0x70, 2, rtc_io_read, rtc_io_write, m->rtc, 1);
	r |= io(m, "post", 0x80, 1, post_port_io_read, post_port_io_write, m->post, 1);
	r |= io(m, "dma1", 0x00, 16, isa_dma1_io_read, isa_dma1_io_write, m->dma, 1);
	r |= io(m, "dma-page", 0x81, 15, isa_dma_page_io_read, isa_dma_page_io_write, m->dma, 1);
	r |= io(m, "dma2", 0xC0, 32, isa_dma2_io_read, isa_dma2_io_write, m->dma, 1);
	r |= io(m, "port92", 0x92, 1, port92_io_read, port92_io_write, m->port92, 1);
	r |= io(m, "com1", 0x3F8, 8, uart_io_read, uart_io_write, m->uart, 1);
	r |= io(m, "debugcon", 0x402, 1, debugcon_io_read, debugcon_io_write, m->debugcon, 1);
	r |= io(m, "debugcon-e9", 0xE9, 1, debugcon_io_read, debugcon_io_write, m->debugcon_e9, 1);
	r |= io(m, "debug-exit", 0xF4, 1, debug_exit_io_read, debug_exit_io_write, m->dexit, 1);
	r |= io(m, "ide0", 0x1F0, 8, ide_read_cmd, ide_write_cmd, m->ide[0], 4);
	r |= io(m, "ide0-ctl", 0x3F6, 1, ide_read_ctl, ide_write_ctl, m->ide[0], 1);
	r |= io(m, "ide1", 0x170, 8, ide_read_cmd, ide_write_cmd, m->ide[1], 4);
	r |= io(m, "ide1-ctl", 0x376, 1, ide_read_ctl, ide_write_ctl, m->ide[1], 1);
	if (r) {
		snprintf(err, errlen, "cannot register the ISA ports");
		return -1;
	}
	for (int i = 0; i < 2; i++)
		ide_set_read_hook(m->ide[i], ide_read_hook, m);
	return 0;
nomem:
	snprintf(err, errlen, "out of memory creating the devices");
	return -1;
}

static int add_pci_devices(struct machine *m, char *err, size_t errlen)
{
	struct i440fx_chipset_ops ops = {
		.pam_write = ops_pam_write, .pam_read = ops_pam_read,
		.smram_write = ops_smram_write, .smram_read = ops_smram_read, .opaque = m->mem,
	};
	struct acpi_pm_callbacks pmcb = {
		.now = pm_now, .power_off = req_poweroff, .smi = req_smi,
		.deadline = pm_deadline, .opaque = m,
	};
	struct piix_callbacks pcb = { .reset_request = req_reset, .pm_io_map = pm_io_map, .opaque = m };
	struct fw_cfg_dma_ops dops = { .read = dma_read, .write = dma_write, .opaque = m->mem };
	struct pc_fw_cfg_params p;
	int r = 0;

	struct lapic_callbacks lcb = {
		.intr = lapic_intr, .nmi = lapic_nmi, .extint_ack = lapic_extint_ack, .opaque = m,
	};

	m->lapic = lapic_new(m->clock, &lcb, &m->log);
	if (!m->lapic || mem_add_mmio(m->mem, "lapic", LAPIC_BASE, LAPIC_SIZE, 1, lapic_mmio_read,
				      lapic_mmio_write, m->lapic, 4) < 0)
		goto nomem;
	m->pm_timer = clock_timer_new(m->clock, "acpi-pm", pm_timer_fire, m);
	m->pci = pci_bus_new();
	m->pm = acpi_pm_new(&pmcb, pic_line(m, 9), &m->log);
	if (!m->pm_timer || !m->pci || !m->pm)
		goto nomem;
	m->i440fx = i440fx_new(m->pci, &ops);
	m->piix = piix_new(m->pci, &pcb, m->pm, &m->log);
	m->fw_cfg = fw_cfg_new(&dops);
	if (!m->i440fx || !m->piix || !m->fw_cfg)
		goto nomem;
	r |= io(m, "pci-addr", 0xCF8, 4, pci_cfg_addr_io_read, pci_cfg_addr_io_write, m->pci, 4);
	r |= io(m, "pci-data", 0xCFC, 4, pci_cfg_data_io_read, pci_cfg_data_io_write, m->pci, 4);
	r |= io(m, "apm", 0xB2, 2, acpi_pm_apm_io_read, acpi_pm_apm_io_write, m->pm, 1);
	r |= io(m, "fw_cfg", FW_CFG_IO_BASE, FW_CFG_IO_SIZE, fw_cfg_io_read, fw_cfg_io_write,
		m->fw_cfg, 4);
	if (r) {
		snprintf(err, errlen, "cannot register the PCI ports");
		return -1;
	}
	fw_cfg_pc_params_init(&p, m->cfg.ram_size);
	if (fw_cfg_setup_pc(m->fw_cfg, &p)) {
		snprintf(err, errlen, "cannot build the fw_cfg contents");
		return -1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory creating the PCI devices");
	return -1;
}

static int add_option_roms(struct machine *m, char *err, size_t errlen)
{
	for (int i = 0; i < m->cfg.noption_roms; i++) {
		const char *path = m->cfg.option_roms[i], *base = strrchr(path, '/');
		char name[80], e[512];
		uint8_t *data;
		uint64_t size;

		if (firmware_read(path, 16u << 20, &data, &size, e, sizeof(e))) {
			snprintf(err, errlen, "--option-rom %s", e);
			return -1;
		}
		if (!m->fw_cfg) {
			free(data);
			snprintf(err, errlen, "--option-rom %s: the isapc machine has no fw_cfg", path);
			return -1;
		}
		snprintf(name, sizeof(name), "genroms/%s", base ? base + 1 : path);
		if (fw_cfg_add_file(m->fw_cfg, name, data, size)) {
			free(data);
			snprintf(err, errlen, "--option-rom %s: cannot add %s to fw_cfg", path, name);
			return -1;
		}
		free(data);
	}
	return 0;
}

static int attach_disks(struct machine *m, char *err, size_t errlen)
{
	struct rtc_pc_cmos cmos;
	uint64_t lo, hi;

	memset(&cmos, 0, sizeof(cmos));
	m->boot_disk = 0;
	for (int i = 0; i < m->cfg.ndisks; i++) {
		char e[512];
		struct disk *d = disk_open(m->cfg.disks[i], m->opt.disk_rw ? DISK_RW : DISK_SNAPSHOT,
					   e, sizeof(e));
		unsigned c, h, s;

		if (!d) {
			snprintf(err, errlen, "--disk %s", e);
			return -1;
		}
		m->disks[i] = d;
		/* Disk i goes to channel i / 2, device i % 2 (master, then slave). */
		if (ide_attach(m->ide[i / 2], i % 2, d)) {
			snprintf(err, errlen, "--disk %s: cannot attach", m->cfg.disks[i]);
			return -1;
		}
		ide_default_geometry(disk_sectors(d), &c, &h, &s);
		cmos.ide[i].present = 1;
		cmos.ide[i].cylinders = c;
		cmos.ide[i].heads = h;
		cmos.ide[i].sectors = s;
	}
	mem_split_ram(m->cfg.ram_size, &lo, &hi);
	cmos.ram_below_4g = lo;
	cmos.ram_above_4g = hi;
	cmos.cpus = 1;
	cmos.fd_bootchk = 1;
	rtc_cmos_init_pc(m->rtc, &cmos);
	return 0;
}

static int load_bios(struct machine *m, char *err, size_t errlen)
{
	char e[1024];
	char *path = firmware_find(m->cfg.bios ? m->cfg.bios : "bios.bin", e, sizeof(e));
	uint8_t *data;
	uint64_t size;
	const char *base;
	int r;

	if (!path || firmware_load_bios(path, &data, &size, e, sizeof(e))) {
		snprintf(err, errlen, "%s", e);
		free(path);
		return -1;
	}
	base = strrchr(path, '/');
	r = mem_setup_bios(m->mem, m->cfg.kind == MACHINE_PC ? MEM_MACHINE_PC : MEM_MACHINE_ISAPC,
			   base ? base + 1 : path, data, size);
	free(data);
	if (r < 0)
		snprintf(err, errlen, "%s: cannot map the BIOS image (%s)", path, strerror(-r));
	free(path);
	return r < 0 ? -1 : 0;
}

/* Multiboot: no BIOS; the kernel starts in flat protected mode (spec §3.2). */
static int load_kernel(struct machine *m, char *err, size_t errlen)
{
	struct multiboot_image mb;
	uint8_t *img, info[4096];
	uint64_t size, lo, hi;
	char e[512];
	size_t n;

	if (firmware_read(m->cfg.kernel, 256u << 20, &img, &size, e, sizeof(e))) {
		snprintf(err, errlen, "--kernel %s", e);
		return -1;
	}
	if (multiboot_parse(img, size, &mb, e, sizeof(e))) {
		snprintf(err, errlen, "--kernel %s: %s", m->cfg.kernel, e);
		free(img);
		return -1;
	}
	mem_split_ram(m->cfg.ram_size, &lo, &hi);
	for (int i = 0; i < mb.nsegments; i++) {
		const struct multiboot_segment *s = &mb.seg[i];
		if ((uint64_t)s->paddr + s->memsz > lo) {
			snprintf(err, errlen, "--kernel %s: segment at 0x%x (+%u bytes) does not fit "
				 "in %llu MiB of RAM", m->cfg.kernel, s->paddr, s->memsz,
				 (unsigned long long)(lo >> 20));
			free(img);
			return -1;
		}
		mem_write_buf(m->mem, s->paddr, img + s->offset, s->filesz);
	}
	free(img);
	n = multiboot_build_info(info, sizeof(info), lo, hi, m->cfg.kernel);
	if (!n) {
		snprintf(err, errlen, "--kernel %s: command line too long", m->cfg.kernel);
		return -1;
	}
	mem_write_buf(m->mem, MULTIBOOT_INFO_ADDR, info, n);

	struct cpu_segment code = { .selector = 0x08, .attr = 0xC09B, .base = 0, .limit = 0xFFFFFFFF };
	struct cpu_segment data = { .selector = 0x10, .attr = 0xC093, .base = 0, .limit = 0xFFFFFFFF };
	cpu_set_seg(m->cpu, CPU_CS, &code);
	for (int s = CPU_ES; s <= CPU_GS; s++)
		if (s != CPU_CS)
			cpu_set_seg(m->cpu, s, &data);
	cpu_set_reg(m->cpu, CPU_CR0, 0x60000011);
	cpu_set_reg(m->cpu, CPU_EFLAGS, 0x2);
	cpu_set_reg(m->cpu, CPU_EAX, MULTIBOOT_BOOT_MAGIC);
	cpu_set_reg(m->cpu, CPU_EBX, MULTIBOOT_INFO_ADDR);
	cpu_set_reg(m->cpu, CPU_EIP, mb.entry);
	cpu_flush_caches(m->cpu);
	return 0;
}

struct machine *machine_new(const struct machine_config *cfg, const struct machine_options *opt,
			    char *err, size_t errlen)
{
	struct machine *m = calloc(1, sizeof(*m));
	struct cpu_bus bus;
	struct cpu_model model;
	char e[512];

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->cfg = *cfg;
	if (opt)
		m->opt = *opt;
	if (!m->opt.icount_cap)
		m->opt.icount_cap = MACHINE_DEFAULT_ICOUNT_CAP;
	if (!m->opt.vtime_cap)
		m->opt.vtime_cap = MACHINE_DEFAULT_VTIME_CAP;
	m->pm_io_region = -1;
	m->log = (struct isa_log){ .fn = log_unimp, .opaque = m };

	m->serial_out = chardev_open(cfg->serial, m->opt.serial_raw, e, sizeof(e));
	if (!m->serial_out) {
		snprintf(err, errlen, "--serial %s", e);
		goto fail;
	}
	m->debug_out = chardev_open(cfg->debugcon, m->opt.serial_raw, e, sizeof(e));
	if (!m->debug_out) {
		snprintf(err, errlen, "--debugcon %s", e);
		goto fail;
	}
	debug_merge_init(&m->debug, m->debug_out);
	m->mem = mem_new(cfg->ram_size);
	if (!m->mem) {
		snprintf(err, errlen, "cannot allocate %llu MiB of guest RAM",
			 (unsigned long long)(cfg->ram_size >> 20));
		goto fail;
	}
	if (m->opt.log_unimp)
		mem_set_log(m->mem, log_unimp, m);
	bus = (struct cpu_bus){ .opaque = m, .intr_ack = cpu_intr_ack, .shutdown = cpu_shutdown,
				.smm_changed = cpu_smm_changed };
	cpu_model_default(&model);
	if (cfg->kind == MACHINE_PC)
		model.features_edx |= CPU_FEAT_APIC;   /* the pc machine has a local APIC */
	m->cpu = cpu_new(m->mem, &bus, &model);
	m->clock = m->cpu ? clock_new(cpu_cycles_ptr(m->cpu)) : NULL;
	if (!m->cpu || !m->clock) {
		snprintf(err, errlen, "out of memory creating the CPU");
		goto fail;
	}
	clock_set_deadline_notify(m->clock, clock_deadline, m);
	if (add_isa_devices(m, err, errlen))
		goto fail;
	if (cfg->kind == MACHINE_PC && add_pci_devices(m, err, errlen))
		goto fail;
	if (add_option_roms(m, err, errlen) || attach_disks(m, err, errlen))
		goto fail;
	if (!cfg->kernel && load_bios(m, err, errlen))
		goto fail;
	machine_install_cpu_hooks(m);
	machine_system_reset(m, 0);
	if (cfg->kernel && load_kernel(m, err, errlen))
		goto fail;
	return m;
fail:
	machine_free(m);
	return NULL;
}

void machine_free(struct machine *m)
{
	if (!m)
		return;
	/* The bus goes before the functions it holds (piix.h, i440fx.h). */
	pci_bus_free(m->pci);
	piix_free(m->piix);
	i440fx_free(m->i440fx);
	acpi_pm_free(m->pm);
	fw_cfg_free(m->fw_cfg);
	for (int i = 0; i < 2; i++)
		ide_free(m->ide[i]);
	for (int i = 0; i < CONFIG_MAX_DISKS; i++)
		disk_free(m->disks[i]);
	isa_dma_free(m->dma);
	port92_free(m->port92);
	debug_exit_free(m->dexit);
	post_port_free(m->post);
	debugcon_free(m->debugcon);
	debugcon_free(m->debugcon_e9);
	uart_free(m->uart);
	i8042_free(m->kbd);
	rtc_free(m->rtc);
	pit_free(m->pit);
	pic_free(m->pic);
	lapic_free(m->lapic);
	if (m->pm_timer)
		clock_timer_free(m->pm_timer);
	clock_free(m->clock);
	cpu_free(m->cpu);
	mem_free(m->mem);
	debug_merge_flush(&m->debug);
	chardev_close(m->serial_out);
	chardev_close(m->debug_out);
	free(m);
}

/* Power-on and system reset (DESIGN.md §5): chipset and devices to their
 * reset state, rom_reset, CPU reset, A20 on. RAM and CMOS survive. */
void machine_system_reset(struct machine *m, int cause)
{
	if (cause)
		m->boot++;
	mem_system_reset(m->mem);
	if (m->pci) {
		i440fx_reset(m->i440fx);
		piix_reset(m->piix);
		acpi_pm_reset(m->pm);
		fw_cfg_reset(m->fw_cfg);
		if (m->pm_io_region >= 0)
			mem_region_set_enabled(m->mem, m->pm_io_region, 0);
	}
	pic_reset(m->pic);
	pit_reset(m->pit);
	rtc_reset(m->rtc);
	i8042_reset(m->kbd);
	uart_reset(m->uart);
	debugcon_reset(m->debugcon);
	debugcon_reset(m->debugcon_e9);
	post_port_reset(m->post);
	debug_exit_reset(m->dexit);
	port92_reset(m->port92);
	isa_dma_reset(m->dma);
	for (int i = 0; i < 2; i++)
		ide_reset(m->ide[i]);
	if (m->lapic)
		lapic_reset(m->lapic);
	cpu_set_intr(m->cpu, 0);
	/* After reset the 8042 drives A20 on and port 0x92 reads 0x02. */
	m->a20_kbd = 1;
	m->a20_port92 = 1;
	a20_update(m);
	cpu_reset(m->cpu);
	machine_boot_begin(m);
	HOOK_FIRE(m, system_reset, cause);
}

void machine_init_reset(struct machine *m)
{
	/* INIT resets the processor, its local APIC included (SDM 10.4.7.3). */
	if (m->lapic)
		lapic_reset(m->lapic);
	cpu_init(m->cpu);   /* keeps SMBASE, as INIT does on hardware */
	HOOK_FIRE0(m, cpu_reset);
}

void machine_flush_output(struct machine *m)
{
	debug_merge_flush(&m->debug);
	chardev_flush(m->serial_out);
}

struct cpu *machine_cpu(struct machine *m) { return m->cpu; }
struct mem *machine_mem(struct machine *m) { return m->mem; }
uint64_t machine_vtime(const struct machine *m) { return clock_now(m->clock); }
int machine_exit_value(const struct machine *m) { return m->exit_value; }
uint8_t machine_post_code(const struct machine *m) { return post_port_get(m->post); }
uint32_t machine_boot_count(const struct machine *m) { return m->boot; }
