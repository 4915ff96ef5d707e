/*
 * machine/rtc.h: the Motorola MC146818A real-time clock and its CMOS RAM
 * (ports 0x70 index / NMI mask, 0x71 data), IRQ 8.
 *
 * The time is a configured start (seconds since 1970-01-01 UTC) plus virtual
 * time; nothing reads host time. The 128-byte CMOS RAM (14 clock registers
 * and 114 bytes of NVRAM) survives a system reset: rtc_reset() only does what
 * the chip's RESET pin does (datasheet: clears PIE, AIE, UIE, SQWE and the
 * register C flags); the machine creates a new rtc only at power-on.
 */
#ifndef LS_MACHINE_RTC_H
#define LS_MACHINE_RTC_H

#include <stdint.h>

#include "machine/clock.h"
#include "machine/irq.h"
#include "machine/isa_dev.h"

#define RTC_REG_A 0x0A
#define RTC_REG_B 0x0B
#define RTC_REG_C 0x0C
#define RTC_REG_D 0x0D
#define RTC_CENTURY 0x32   /* IBM century byte, part of the time */

struct rtc;

/* An RTC on clock clk whose time is start_sec at virtual time clock_now(clk),
 * with register A = 0x26 (32.768 kHz, 1024 Hz periodic rate), B = 0x02 (24h,
 * BCD), C = 0, D = 0x80 (valid RAM and time), the rest of the CMOS zero.
 * irq8 receives the IRQ output (active high). log may be NULL. Returns NULL
 * on allocation failure. */
struct rtc *rtc_new(struct clock *clk, int64_t start_sec, struct irq_line irq8,
		    const struct isa_log *log);
/* System reset (RESET pin): PIE, AIE, UIE, SQWE and the flags cleared, IRQ
 * low. Time, registers A and D, alarms and all NVRAM are kept. */
void rtc_reset(struct rtc *r);
void rtc_free(struct rtc *r);

/* Port 0x70 (offset 0: write index bits 6-0 and NMI mask bit 7; reads 0xFF)
 * and 0x71 (offset 1: data of the selected register). */
uint32_t rtc_io_read(void *opaque, uint32_t offset, int size);
void rtc_io_write(void *opaque, uint32_t offset, uint32_t value, int size);

/* Raw CMOS byte access for the machine (no side effects, index & 0x7F).
 * Meant for NVRAM (0x0E-0x7F); clock registers read this way may be stale. */
void rtc_cmos_set(struct rtc *r, int index, uint8_t value);
uint8_t rtc_cmos_get(const struct rtc *r, int index);

/* 1 when the last write to port 0x70 set bit 7 (NMI disabled). */
int rtc_nmi_masked(const struct rtc *r);

/* The current time in seconds since the epoch as the clock counts it (the
 * start plus virtual time, or whatever the guest set). */
int64_t rtc_time(struct rtc *r);

/* What QEMU's pc_cmos_init()/pc_cmos_init_late() put in CMOS (hw/i386/pc.c),
 * which SeaBIOS and the Bochs BIOS read. */
struct rtc_pc_disk {
	int present;
	uint16_t cylinders;      /* logical (BIOS) geometry */
	uint8_t heads, sectors;
	uint8_t translation;     /* 0 none, 1 LBA, 2 large, 3 r-echs */
};

struct rtc_pc_cmos {
	uint64_t ram_below_4g;   /* bytes */
	uint64_t ram_above_4g;   /* bytes */
	int cpus;
	const char *boot_order;  /* up to 3 of a (floppy) c (disk) d (cd) n (net);
				    NULL means QEMU's default "cad" */
	int fd_bootchk;          /* 1: check the floppy boot signature (default) */
	uint8_t floppy_type[2];  /* CMOS drive types: 0 none, 4 1.44M, 5 2.88M ... */
	struct rtc_pc_disk ide[4];  /* primary master, primary slave, secondary ... */
};

/* Fill the CMOS bytes (documented in rtc.c and docs/devices.md):
 * 0x10 floppy types, 0x12 hard disk types, 0x14 equipment, 0x15-0x16 base
 * memory KiB, 0x17-0x18 and 0x30-0x31 extended KiB (max 65535), 0x19/0x1A
 * disk types and 0x1B-0x23/0x24-0x2C disk geometry, 0x34-0x35 64 KiB blocks
 * over 16 MiB, 0x38/0x3D boot order, 0x39 ATA translation, 0x5B-0x5D 64 KiB
 * blocks above 4 GiB, 0x5F CPU count - 1. */
void rtc_cmos_init_pc(struct rtc *r, const struct rtc_pc_cmos *cfg);

struct state_io;
/* Snapshot state (machine/state_io.h): hash, save and load alike. The
 * timer is the clock's (clock_state_visit). */
void rtc_state_visit(struct rtc *r, struct state_io *s);

#endif
