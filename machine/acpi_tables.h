/*
 * machine/acpi_tables.h: the ACPI tables of the PC machine and the QEMU
 * table-loader script that installs them (QEMU hw/acpi/bios-linker-loader.c,
 * consumed by SeaBIOS src/fw/romfile_loader.c). The tables are built from
 * the machine configuration: RSDP, RSDT, FADT, FACS, DSDT (machine/dsdt.asl,
 * compiled by iasl) and MADT. Layouts follow the ACPI 1.0b/2.0 spec
 * (section numbers next to each builder). docs/fw_cfg.md describes them.
 */
#ifndef LS_MACHINE_ACPI_TABLES_H
#define LS_MACHINE_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* fw_cfg file names (QEMU ACPI_BUILD_*_FILE). */
#define ACPI_TABLES_FILE "etc/acpi/tables"
#define ACPI_RSDP_FILE   "etc/acpi/rsdp"
#define ACPI_LOADER_FILE "etc/table-loader"

/* Table-loader script: a sequence of 128-byte little-endian commands
 * (BiosLinkerLoaderEntry). Offsets of the fields inside one command: */
#define ACPI_LOADER_ENTRY_SIZE   128
#define ACPI_LOADER_FILESZ       56
#define ACPI_LOADER_ALLOCATE     1   /* file @4, align u32 @60, zone u8 @64 */
#define ACPI_LOADER_ADD_POINTER  2   /* dest @4, src @60, offset u32 @116, size u8 @120 */
#define ACPI_LOADER_ADD_CHECKSUM 3   /* file @4, offset u32 @60, start u32 @64, length u32 @68 */
#define ACPI_LOADER_ZONE_HIGH    1
#define ACPI_LOADER_ZONE_FSEG    2

/* ACPI table header (ACPI 2.0 5.2.6): 36 bytes, checksum at offset 9. */
#define ACPI_HEADER_SIZE         36
#define ACPI_CHECKSUM_OFFSET     9

/* Addresses the MADT reports. */
#define ACPI_LAPIC_BASE          0xfee00000u
/* The 32-bit PCI window ends below the IO-APIC page, as in QEMU's pc. */
#define ACPI_PCI_WINDOW_END      0xfebfffffu

struct acpi_pc_config {
	uint16_t pm_base;         /* PIIX4 PM I/O: PM1a_EVT +0, PM1a_CNT +4, PM_TMR +8 */
	uint16_t sci_irq;         /* ISA IRQ of the SCI */
	uint16_t smi_cmd;         /* APM control port taking the enable/disable commands */
	uint8_t acpi_enable;      /* value written to smi_cmd to enter ACPI mode */
	uint8_t acpi_disable;     /* ... and to leave it */
	uint32_t pci_hole_start;  /* first address above low RAM: PCI0._CRS window start */
	int has_lapic;            /* emit a MADT with one local APIC (id 0) */
};

/* Defaults matching QEMU's pc and SeaBIOS: PM base 0x600, SCI IRQ 9, SMI
 * command port 0xB2 with enable 0xF1 / disable 0xF0, a local APIC, and the
 * PCI window starting at the end of ram_below_4g. */
void acpi_pc_config_init(struct acpi_pc_config *c, uint64_t ram_below_4g);

/* The three fw_cfg files. Buffers are malloc'd; free with acpi_blobs_free. */
struct acpi_blobs {
	uint8_t *tables;          /* ACPI_TABLES_FILE: FACS, DSDT, FADT, MADT, RSDT */
	uint32_t tables_len;
	uint8_t *rsdp;            /* ACPI_RSDP_FILE: ACPI 1.0 RSDP, 20 bytes */
	uint32_t rsdp_len;
	uint8_t *loader;          /* ACPI_LOADER_FILE: the table-loader script */
	uint32_t loader_len;
};

/* Build the tables for configuration c. Pointer fields hold offsets into
 * their target file until the firmware's loader (ADD_POINTER) adds the
 * address it allocated; every table gets an ADD_CHECKSUM after its pointers.
 * Returns 0, or -ENOMEM (out is then empty). */
int acpi_tables_build(const struct acpi_pc_config *c, struct acpi_blobs *out);
void acpi_blobs_free(struct acpi_blobs *b);

/* The DSDT as iasl compiled it (before patching). */
const uint8_t *acpi_dsdt_aml(size_t *len);

/* Replace the value of `Name (XXXX, <32-bit constant>)` in AML: finds the
 * only NameOp + 4-character name + DWordPrefix sequence for seg and stores
 * value there. Returns 0, or -1 when seg occurs zero or several times. */
int acpi_aml_patch_dword(uint8_t *aml, size_t len, const char seg[4], uint32_t value);

/* 8-bit sum of len bytes (0 for a valid ACPI table). */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
