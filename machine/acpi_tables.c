/*
 * machine/acpi_tables.c: builds the PC's ACPI tables and the table-loader
 * script (QEMU hw/acpi/bios-linker-loader.c format). Table layouts cite the
 * ACPI 1.0b / 2.0 specification; the set and the values follow QEMU's pc
 * (hw/i386/acpi-build.c: FADT revision 1 for PIIX4, "w2k requires FADT(rev1)").
 */
#include "machine/acpi_tables.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "machine/dsdt_aml.h"   /* generated in the build dir from dsdt.asl */

#define OEM_ID        "LCKSTP"   /* 6 characters */
#define OEM_TABLE_PFX "LSPC"     /* + the table signature: 8 characters */
#define CREATOR_ID    "LSTP"

#define FACS_SIZE     64         /* ACPI 2.0 5.2.9 (ACPI 1.0 layout) */
#define FADT_SIZE     116        /* ACPI 1.0b 5.2.5, revision 1 */
#define RSDP_SIZE     20         /* ACPI 1.0 RSDP (revision 0) */

/* A growing byte buffer; on allocation failure `failed` is set and further
 * appends are dropped, so builders check once at the end. */
struct blob {
	uint8_t *p;
	size_t len, cap;
	int failed;
};

static size_t blob_reserve(struct blob *b, size_t n)
{
	size_t off = b->len;

	if (b->failed)
		return 0;
	if (b->len + n > b->cap) {
		size_t ncap = b->cap ? b->cap : 1024;
		uint8_t *np;
		while (ncap < b->len + n)
			ncap *= 2;
		np = realloc(b->p, ncap);
		if (!np) {
			b->failed = 1;
			return 0;
		}
		b->p = np;
		b->cap = ncap;
	}
	memset(b->p + off, 0, n);
	b->len += n;
	return off;
}

static void blob_align(struct blob *b, size_t align)
{
	if (b->len % align)
		blob_reserve(b, align - b->len % align);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	int i;
	for (i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;
	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

const uint8_t *acpi_dsdt_aml(size_t *len)
{
	*len = sizeof(dsdt_aml);
	return dsdt_aml;
}

int acpi_aml_patch_dword(uint8_t *aml, size_t len, const char seg[4], uint32_t value)
{
	size_t i, at = 0;
	int found = 0;

	/* NameOp (0x08) NameSeg DWordPrefix (0x0C) dword: ACPI 2.0 16.2.5.1/16.2.3. */
	for (i = 0; i + 10 <= len; i++) {
		if (aml[i] == 0x08 && memcmp(aml + i + 1, seg, 4) == 0 && aml[i + 5] == 0x0c) {
			found++;
			at = i + 6;
		}
	}
	if (found != 1)
		return -1;
	put_le32(aml + at, value);
	return 0;
}

/* The common header (ACPI 2.0 5.2.6); the checksum is set by table_finish. */
static void table_header(uint8_t *h, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(h, sig, 4);
	put_le32(h + 4, len);
	h[8] = rev;
	memcpy(h + 10, OEM_ID, 6);
	memcpy(h + 16, OEM_TABLE_PFX, 4);
	memcpy(h + 20, sig, 4);
	put_le32(h + 24, 1);              /* OEM revision */
	memcpy(h + 28, CREATOR_ID, 4);
	put_le32(h + 32, 1);              /* creator revision */
}

/* ---- the table-loader script ---- */

static uint8_t *loader_entry(struct blob *l, uint32_t command)
{
	size_t off = blob_reserve(l, ACPI_LOADER_ENTRY_SIZE);

	if (l->failed)
		return NULL;
	put_le32(l->p + off, command);
	return l->p + off;
}

/* Names are compile-time constants shorter than ACPI_LOADER_FILESZ. */
static void loader_name(uint8_t *dst, const char *name)
{
	memcpy(dst, name, strlen(name));
}

static void loader_allocate(struct blob *l, const char *file, uint32_t align, uint8_t zone)
{
	uint8_t *e = loader_entry(l, ACPI_LOADER_ALLOCATE);
	if (!e)
		return;
	loader_name(e + 4, file);
	put_le32(e + 60, align);
	e[64] = zone;
}

static void loader_add_pointer(struct blob *l, const char *dest, const char *src,
			       uint32_t offset, uint8_t size)
{
	uint8_t *e = loader_entry(l, ACPI_LOADER_ADD_POINTER);
	if (!e)
		return;
	loader_name(e + 4, dest);
	loader_name(e + 60, src);
	put_le32(e + 116, offset);
	e[120] = size;
}

static void loader_add_checksum(struct blob *l, const char *file, uint32_t start,
				uint32_t length, uint32_t cksum_offset)
{
	uint8_t *e = loader_entry(l, ACPI_LOADER_ADD_CHECKSUM);
	if (!e)
		return;
	loader_name(e + 4, file);
	put_le32(e + 60, cksum_offset);
	put_le32(e + 64, start);
	put_le32(e + 68, length);
}

/* Set the checksum of the table at t[start] and ask the loader to redo it
 * once the pointers in it are patched. */
static void table_finish(struct blob *t, struct blob *l, size_t start)
{
	uint8_t *h;
	uint32_t len;

	if (t->failed)
		return;
	h = t->p + start;
	len = (uint32_t)(t->len - start);
	h[ACPI_CHECKSUM_OFFSET] = 0;
	h[ACPI_CHECKSUM_OFFSET] = (uint8_t)-acpi_checksum(h, len);
	loader_add_checksum(l, ACPI_TABLES_FILE, (uint32_t)start, len,
			    (uint32_t)start + ACPI_CHECKSUM_OFFSET);
}

/* A pointer field in etc/acpi/tables holding the offset of another table. */
static void table_pointer(struct blob *t, struct blob *l, size_t field, size_t target)
{
	if (t->failed)
		return;
	put_le32(t->p + field, (uint32_t)target);
	loader_add_pointer(l, ACPI_TABLES_FILE, ACPI_TABLES_FILE, (uint32_t)field, 4);
}

/* ---- the tables ---- */

/* FACS (ACPI 2.0 5.2.9): signature, length, everything else 0. It has no
 * checksum. 64-byte aligned (it sits at offset 0 of a 64-aligned file). */
static size_t build_facs(struct blob *t)
{
	size_t off;

	blob_align(t, 64);
	off = blob_reserve(t, FACS_SIZE);
	if (t->failed)
		return 0;
	memcpy(t->p + off, "FACS", 4);
	put_le32(t->p + off + 4, FACS_SIZE);
	return off;
}

/* DSDT: the compiled machine/dsdt.asl with P0S set to the PCI window start. */
static size_t build_dsdt(struct blob *t, struct blob *l, const struct acpi_pc_config *c)
{
	size_t off;

	blob_align(t, 8);
	off = blob_reserve(t, sizeof(dsdt_aml));
	if (t->failed)
		return 0;
	memcpy(t->p + off, dsdt_aml, sizeof(dsdt_aml));
	/* dsdt.asl declares P0S exactly once; a failure is a build bug. */
	if (acpi_aml_patch_dword(t->p + off, sizeof(dsdt_aml), "P0S_", c->pci_hole_start)) {
		t->failed = 1;
		return 0;
	}
	table_finish(t, l, off);
	return off;
}

/* FADT revision 1 (ACPI 1.0b 5.2.5 Table 5-5; field offsets in comments). */
static size_t build_fadt(struct blob *t, struct blob *l, const struct acpi_pc_config *c,
			 size_t facs, size_t dsdt)
{
	size_t off;
	uint8_t *f;

	blob_align(t, 8);
	off = blob_reserve(t, FADT_SIZE);
	if (t->failed)
		return 0;
	f = t->p + off;
	table_header(f, "FACP", FADT_SIZE, 1);
	f[44] = 0;                                /* INT_MODEL: dual PIC (no IO-APIC) */
	put_le16(f + 46, c->sci_irq);             /* SCI_INT */
	put_le32(f + 48, c->smi_cmd);             /* SMI_CMD */
	f[52] = c->acpi_enable;                   /* ACPI_ENABLE */
	f[53] = c->acpi_disable;                  /* ACPI_DISABLE */
	put_le32(f + 56, c->pm_base);             /* PM1a_EVT_BLK */
	put_le32(f + 64, c->pm_base + 0x04u);     /* PM1a_CNT_BLK */
	put_le32(f + 76, c->pm_base + 0x08u);     /* PM_TMR_BLK */
	/* GPE0_BLK: PIIX4 GPSTS/GPEN at PMBA+0Ch/0Eh (82371AB PM I/O space). */
	put_le32(f + 80, c->pm_base + 0x0cu);
	f[92] = 4;                                /* GPE0_BLK_LEN */
	f[88] = 4;                                /* PM1_EVT_LEN */
	f[89] = 2;                                /* PM1_CNT_LEN */
	f[91] = 4;                                /* PM_TMR_LEN */
	put_le16(f + 96, 0x0fff);                 /* P_LVL2_LAT: C2 not supported */
	put_le16(f + 98, 0x0fff);                 /* P_LVL3_LAT: C3 not supported */
	f[108] = 0x32;                            /* CENTURY: CMOS index of the century */
	/* Flags (Table 5-6): WBINVD, PROC_C1, SLP_BUTTON (no fixed sleep
	 * button), RTC_S4; TMR_VAL_EXT clear: the PM timer is 24-bit. */
	put_le32(f + 112, (1u << 0) | (1u << 2) | (1u << 5) | (1u << 7));
	table_pointer(t, l, off + 36, facs);      /* FIRMWARE_CTRL */
	table_pointer(t, l, off + 40, dsdt);      /* DSDT */
	table_finish(t, l, off);
	return off;
}

/* MADT (ACPI 2.0 5.2.10.4): the local APIC at ACPI_LAPIC_BASE, PCAT_COMPAT
 * (8259s present), one enabled processor (ACPI id 0, APIC id 0) and its
 * LINT1 wired to NMI (5.2.10.7). No IO-APIC is emulated, so there are no
 * IO-APIC or interrupt source override entries. */
static size_t build_madt(struct blob *t, struct blob *l)
{
	const uint32_t len = ACPI_HEADER_SIZE + 8 + 8 + 6;
	size_t off;
	uint8_t *m;

	blob_align(t, 8);
	off = blob_reserve(t, len);
	if (t->failed)
		return 0;
	m = t->p + off;
	table_header(m, "APIC", len, 1);
	put_le32(m + 36, ACPI_LAPIC_BASE);
	put_le32(m + 40, 1);                      /* PCAT_COMPAT */
	m += 44;
	m[0] = 0;                                 /* Processor Local APIC */
	m[1] = 8;
	m[2] = 0;                                 /* ACPI processor id */
	m[3] = 0;                                 /* APIC id */
	put_le32(m + 4, 1);                       /* enabled */
	m += 8;
	m[0] = 4;                                 /* Local APIC NMI */
	m[1] = 6;
	m[2] = 0xff;                              /* all processors */
	put_le16(m + 3, 0);                       /* flags: conforms to the bus */
	m[5] = 1;                                 /* LINT1 */
	table_finish(t, l, off);
	return off;
}

/* RSDT (ACPI 1.0b 5.2.7): 32-bit pointers to the FADT and the MADT. */
static size_t build_rsdt(struct blob *t, struct blob *l, const size_t *tables, int n)
{
	uint32_t len = ACPI_HEADER_SIZE + 4u * (uint32_t)n;
	size_t off;
	int i;

	blob_align(t, 8);
	off = blob_reserve(t, len);
	if (t->failed)
		return 0;
	table_header(t->p + off, "RSDT", len, 1);
	for (i = 0; i < n; i++)
		table_pointer(t, l, off + ACPI_HEADER_SIZE + 4u * (uint32_t)i, tables[i]);
	table_finish(t, l, off);
	return off;
}

/* RSDP revision 0 (ACPI 1.0b 5.2.4): signature, checksum over 20 bytes,
 * OEM id, revision, RSDT address. Allocated in the F segment so the OS's
 * scan of 0xE0000-0xFFFFF finds it. */
static void build_rsdp(struct blob *r, struct blob *l, size_t rsdt)
{
	size_t off = blob_reserve(r, RSDP_SIZE);

	if (r->failed)
		return;
	memcpy(r->p + off, "RSD PTR ", 8);
	memcpy(r->p + off + 9, OEM_ID, 6);
	r->p[off + 15] = 0;                       /* revision 0: ACPI 1.0 */
	put_le32(r->p + off + 16, (uint32_t)rsdt);
	r->p[off + 8] = (uint8_t)-acpi_checksum(r->p + off, RSDP_SIZE);
	loader_allocate(l, ACPI_RSDP_FILE, 16, ACPI_LOADER_ZONE_FSEG);
	loader_add_pointer(l, ACPI_RSDP_FILE, ACPI_TABLES_FILE, 16, 4);
	loader_add_checksum(l, ACPI_RSDP_FILE, 0, RSDP_SIZE, 8);
}

void acpi_pc_config_init(struct acpi_pc_config *c, uint64_t ram_below_4g)
{
	memset(c, 0, sizeof(*c));
	c->pm_base = 0x600;
	c->sci_irq = 9;
	c->smi_cmd = 0xb2;
	c->acpi_enable = 0xf1;
	c->acpi_disable = 0xf0;
	c->pci_hole_start = ram_below_4g > ACPI_PCI_WINDOW_END ? ACPI_PCI_WINDOW_END
							     : (uint32_t)ram_below_4g;
	c->has_lapic = 1;
}

int acpi_tables_build(const struct acpi_pc_config *c, struct acpi_blobs *out)
{
	struct blob t = { 0 }, r = { 0 }, l = { 0 };
	size_t facs, dsdt, rsdt, list[2];
	int n = 0;

	memset(out, 0, sizeof(*out));
	/* The tables file first, as QEMU: 64-byte aligned for the FACS. */
	loader_allocate(&l, ACPI_TABLES_FILE, 64, ACPI_LOADER_ZONE_HIGH);
	facs = build_facs(&t);
	dsdt = build_dsdt(&t, &l, c);
	list[n++] = build_fadt(&t, &l, c, facs, dsdt);
	if (c->has_lapic)
		list[n++] = build_madt(&t, &l);
	rsdt = build_rsdt(&t, &l, list, n);
	build_rsdp(&r, &l, rsdt);
	if (t.failed || r.failed || l.failed) {
		free(t.p);
		free(r.p);
		free(l.p);
		return -ENOMEM;
	}
	out->tables = t.p;
	out->tables_len = (uint32_t)t.len;
	out->rsdp = r.p;
	out->rsdp_len = (uint32_t)r.len;
	out->loader = l.p;
	out->loader_len = (uint32_t)l.len;
	return 0;
}

void acpi_blobs_free(struct acpi_blobs *b)
{
	free(b->tables);
	free(b->rsdp);
	free(b->loader);
	memset(b, 0, sizeof(*b));
}
