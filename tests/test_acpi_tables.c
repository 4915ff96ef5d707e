/* tests/test_acpi_tables.c: the pc's ACPI tables and table-loader script
 * (machine/acpi_tables.c). A loader here applies the script the way SeaBIOS
 * src/fw/romfile_loader.c does, then the tables are checked in "memory"
 * against the ACPI 1.0b/2.0 layouts. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "machine/acpi_tables.h"
#include "machine/fw_cfg.h"

/* ---- test-side loader over a 1 MiB fake memory ---- */
#define MEM_SIZE (1u << 20)
#define HIGH_BASE 0x80000u    /* "ZoneHigh": allocations grow up from here */
#define FSEG_BASE 0xf0000u    /* "ZoneFSeg" */

struct file {
	const char *name;
	const uint8_t *data;
	uint32_t len;
	uint32_t addr;       /* 0 until allocated */
};

struct loader {
	uint8_t *mem;
	uint32_t high, fseg;
	struct file files[3];
	int errors;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static struct file *find(struct loader *ld, const uint8_t *name)
{
	/* romfile_loader_find: the name must be NUL-terminated within 56 bytes. */
	if (name[ACPI_LOADER_FILESZ - 1])
		return NULL;
	for (int i = 0; i < 3; i++)
		if (strcmp(ld->files[i].name, (const char *)name) == 0)
			return &ld->files[i];
	return NULL;
}

static void cmd_allocate(struct loader *ld, const uint8_t *e)
{
	struct file *f = find(ld, e + 4);
	uint32_t align = le32(e + 60), *zone;

	if (!f || f->addr || !align || (align & (align - 1))) {
		ld->errors++;
		return;
	}
	zone = e[64] == ACPI_LOADER_ZONE_HIGH ? &ld->high
	     : e[64] == ACPI_LOADER_ZONE_FSEG ? &ld->fseg : NULL;
	if (!zone) {
		ld->errors++;
		return;
	}
	*zone = (*zone + align - 1) & ~(align - 1);
	f->addr = *zone;
	*zone += f->len;
	cr_assert_leq(*zone, e[64] == ACPI_LOADER_ZONE_FSEG ? MEM_SIZE : FSEG_BASE);
	memcpy(ld->mem + f->addr, f->data, f->len);
}

static void cmd_add_pointer(struct loader *ld, const uint8_t *e)
{
	struct file *dst = find(ld, e + 4), *src = find(ld, e + 60);
	uint32_t off = le32(e + 116);
	uint8_t size = e[120];
	uint64_t v = 0;

	if (!dst || !src || !dst->addr || !src->addr || size < 1 || size > 8 ||
	    (size & (size - 1)) || off + size < off || off + size > dst->len) {
		ld->errors++;
		return;
	}
	for (int i = size - 1; i >= 0; i--)
		v = v << 8 | ld->mem[dst->addr + off + (uint32_t)i];
	v += src->addr;
	for (int i = 0; i < size; i++)
		ld->mem[dst->addr + off + (uint32_t)i] = (uint8_t)(v >> (8 * i));
}

static void cmd_add_checksum(struct loader *ld, const uint8_t *e)
{
	struct file *f = find(ld, e + 4);
	uint32_t off = le32(e + 60), start = le32(e + 64), len = le32(e + 68);

	if (!f || !f->addr || off >= f->len || start + len < start || start + len > f->len) {
		ld->errors++;
		return;
	}
	ld->mem[f->addr + off] -= acpi_checksum(ld->mem + f->addr + start, len);
}

static void load(struct loader *ld, const struct acpi_blobs *b)
{
	memset(ld, 0, sizeof(*ld));
	ld->mem = calloc(1, MEM_SIZE);
	cr_assert(ld->mem);
	ld->high = HIGH_BASE;
	ld->fseg = FSEG_BASE;
	ld->files[0] = (struct file){ ACPI_TABLES_FILE, b->tables, b->tables_len, 0 };
	ld->files[1] = (struct file){ ACPI_RSDP_FILE, b->rsdp, b->rsdp_len, 0 };
	ld->files[2] = (struct file){ ACPI_LOADER_FILE, b->loader, b->loader_len, 0 };
	cr_assert_eq(b->loader_len % ACPI_LOADER_ENTRY_SIZE, 0);
	for (uint32_t off = 0; off < b->loader_len; off += ACPI_LOADER_ENTRY_SIZE) {
		const uint8_t *e = b->loader + off;
		switch (le32(e)) {
		case ACPI_LOADER_ALLOCATE: cmd_allocate(ld, e); break;
		case ACPI_LOADER_ADD_POINTER: cmd_add_pointer(ld, e); break;
		case ACPI_LOADER_ADD_CHECKSUM: cmd_add_checksum(ld, e); break;
		default: ld->errors++; break;
		}
	}
}

/* A table in memory whose header is sane and whose checksum sums to 0. */
static const uint8_t *table_at(struct loader *ld, uint32_t addr, const char *sig)
{
	cr_assert_lt(addr, MEM_SIZE - ACPI_HEADER_SIZE, "%s at %#x", sig, addr);
	const uint8_t *t = ld->mem + addr;
	cr_assert_eq(memcmp(t, sig, 4), 0, "expected %s at %#x", sig, addr);
	uint32_t len = le32(t + 4);
	cr_assert_geq(len, ACPI_HEADER_SIZE);
	cr_assert_leq(addr + len, MEM_SIZE);
	cr_expect_eq(acpi_checksum(t, len), 0, "%s checksum", sig);
	return t;
}

struct loaded {
	struct acpi_blobs b;
	struct loader ld;
	const uint8_t *rsdp, *rsdt, *fadt, *madt, *dsdt, *facs;
	uint32_t dsdt_len;
};

static void build_and_load(struct loaded *L, uint64_t ram_below_4g, int lapic)
{
	struct acpi_pc_config c;

	memset(L, 0, sizeof(*L));
	acpi_pc_config_init(&c, ram_below_4g);
	c.has_lapic = lapic;
	cr_assert_eq(acpi_tables_build(&c, &L->b), 0);
	load(&L->ld, &L->b);
	cr_assert_eq(L->ld.errors, 0, "loader script applies cleanly");

	uint32_t rsdp_addr = L->ld.files[1].addr;
	cr_assert(rsdp_addr >= 0xe0000 && rsdp_addr % 16 == 0, "RSDP in the F segment, aligned");
	L->rsdp = L->ld.mem + rsdp_addr;
	L->rsdt = table_at(&L->ld, le32(L->rsdp + 16), "RSDT");
	uint32_t n = (le32(L->rsdt + 4) - ACPI_HEADER_SIZE) / 4;
	cr_assert_eq(n, lapic ? 2u : 1u);
	L->fadt = table_at(&L->ld, le32(L->rsdt + 36), "FACP");
	if (lapic)
		L->madt = table_at(&L->ld, le32(L->rsdt + 40), "APIC");
	L->dsdt = table_at(&L->ld, le32(L->fadt + 40), "DSDT");
	L->dsdt_len = le32(L->dsdt + 4);
	uint32_t facs = le32(L->fadt + 36);
	cr_assert_lt(facs, MEM_SIZE - 64);
	L->facs = L->ld.mem + facs;
	cr_expect_eq(facs % 64, 0, "FACS 64-byte aligned (ACPI 2.0 5.2.9)");
}

static void loaded_free(struct loaded *L)
{
	free(L->ld.mem);
	acpi_blobs_free(&L->b);
}

Test(acpi_tables, rsdp_points_at_checksummed_tables)
{
	struct loaded L;

	build_and_load(&L, 128u << 20, 1);
	cr_expect_eq(memcmp(L.rsdp, "RSD PTR ", 8), 0);
	cr_expect_eq(acpi_checksum(L.rsdp, 20), 0, "RSDP checksum over 20 bytes");
	cr_expect_eq(L.rsdp[15], 0, "ACPI 1.0 RSDP");
	cr_expect_eq(L.b.rsdp_len, 20);
	cr_expect_eq(memcmp(L.facs, "FACS", 4), 0);
	cr_expect_eq(le32(L.facs + 4), 64);
	cr_expect_eq(L.fadt[8], 1, "FADT revision 1 like QEMU's PIIX4 pc");
	cr_expect_eq(le32(L.fadt + 4), 116);
	loaded_free(&L);
}

Test(acpi_tables, fadt_describes_piix4_pm)
{
	struct loaded L;

	build_and_load(&L, 128u << 20, 1);
	const uint8_t *f = L.fadt;
	cr_expect_eq(le16(f + 46), 9, "SCI_INT");
	cr_expect_eq(le32(f + 48), 0xb2, "SMI_CMD");
	cr_expect_eq(f[52], 0xf1, "ACPI_ENABLE");
	cr_expect_eq(f[53], 0xf0, "ACPI_DISABLE");
	cr_expect_eq(le32(f + 56), 0x600, "PM1a_EVT_BLK");
	cr_expect_eq(le32(f + 60), 0, "no PM1b");
	cr_expect_eq(le32(f + 64), 0x604, "PM1a_CNT_BLK");
	cr_expect_eq(le32(f + 76), 0x608, "PM_TMR_BLK");
	cr_expect_eq(le32(f + 80), 0x60c, "GPE0_BLK: PIIX4 GPSTS/GPEN");
	cr_expect_eq(f[92], 4, "GPE0_BLK_LEN");
	cr_expect_eq(f[88], 4, "PM1_EVT_LEN");
	cr_expect_eq(f[89], 2, "PM1_CNT_LEN");
	cr_expect_eq(f[91], 4, "PM_TMR_LEN");
	cr_expect_eq(f[108], 0x32, "CENTURY");
	cr_expect_eq(le32(f + 112) & (1u << 8), 0, "24-bit PM timer");
	loaded_free(&L);
}

Test(acpi_tables, madt_one_enabled_lapic_no_ioapic)
{
	struct loaded L;

	build_and_load(&L, 128u << 20, 1);
	const uint8_t *m = L.madt;
	uint32_t len = le32(m + 4);
	cr_expect_eq(le32(m + 36), ACPI_LAPIC_BASE);
	cr_expect_eq(le32(m + 40) & 1, 1, "PCAT_COMPAT");
	int lapics = 0, ioapics = 0, nmis = 0;
	for (uint32_t o = 44; o < len;) {
		cr_assert_geq(m[o + 1], 2);
		if (m[o] == 0) {
			lapics++;
			cr_expect_eq(m[o + 3], 0, "APIC id 0");
			cr_expect_eq(le32(m + o + 4) & 1, 1, "enabled");
		} else if (m[o] == 1) {
			ioapics++;
		} else if (m[o] == 4) {
			nmis++;
			cr_expect_eq(m[o + 5], 1, "LINT1");
		}
		o += m[o + 1];
		cr_assert_leq(o, len);
	}
	cr_expect_eq(lapics, 1);
	cr_expect_eq(ioapics, 0);
	cr_expect_eq(nmis, 1);
	loaded_free(&L);
}

Test(acpi_tables, no_madt_without_lapic)
{
	struct loaded L;

	build_and_load(&L, 128u << 20, 0);
	cr_expect_null(L.madt);
	loaded_free(&L);
}

/* EisaId("PNP0A03") as AML stores it (ACPI 2.0 18.5.30 EISAID): the bytes
 * compressed-vendor (5 bits per letter, big-endian) then product id, read as
 * a little-endian integer; iasl then picks the shortest integer encoding
 * (BytePrefix 0x0A, WordPrefix 0x0B, DWordPrefix 0x0C; 16.2.3). */
static int dsdt_has_hid(const uint8_t *d, uint32_t len, const char *id)
{
	uint16_t v = (uint16_t)(((id[0] - 0x40) << 10) | ((id[1] - 0x40) << 5) | (id[2] - 0x40));
	unsigned prod = (unsigned)strtoul(id + 3, NULL, 16);
	uint32_t want = (uint32_t)(v >> 8) | (uint32_t)(v & 0xff) << 8 |
			(uint32_t)(prod >> 8) << 16 | (uint32_t)(prod & 0xff) << 24;

	for (uint32_t i = 0; i + 9 <= len; i++) {
		uint32_t got;
		if (memcmp(d + i, "_HID", 4) != 0)
			continue;
		switch (d[i + 4]) {
		case 0x0a: got = d[i + 5]; break;
		case 0x0b: got = le16(d + i + 5); break;
		case 0x0c: got = le32(d + i + 5); break;
		default: continue;
		}
		if (got == want)
			return 1;
	}
	return 0;
}

static int find_bytes(const uint8_t *d, uint32_t len, const void *pat, size_t n)
{
	for (uint32_t i = 0; i + n <= len; i++)
		if (memcmp(d + i, pat, n) == 0)
			return (int)i;
	return -1;
}

Test(acpi_tables, dsdt_declares_pc_devices)
{
	struct loaded L;
	static const char *ids[] = { "PNP0A03", "PNP0303", "PNP0501", "PNP0B00", "PNP0100",
				     "PNP0000" };

	build_and_load(&L, 128u << 20, 1);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		cr_expect(dsdt_has_hid(L.dsdt, L.dsdt_len, ids[i]), "_HID %s", ids[i]);
	cr_expect(!dsdt_has_hid(L.dsdt, L.dsdt_len, "PNP0F13"), "the matcher can say no");
	cr_expect_geq(find_bytes(L.dsdt, L.dsdt_len, "QEMU0002", 8), 0, "fw_cfg device");
	/* Name (_S5, Package (4) { 0, ... }): NameOp, "_S5_", PackageOp,
	 * PkgLength, NumElements 4, then ZeroOp for SLP_TYP. */
	int s5 = find_bytes(L.dsdt, L.dsdt_len, "\x08_S5_\x12", 6);
	cr_assert_geq(s5, 0);
	cr_expect_eq(L.dsdt[s5 + 7], 4);
	cr_expect_eq(L.dsdt[s5 + 8], 0x00, "SLP_TYP 0 = soft off, as QEMU's PIIX4");
	loaded_free(&L);
}

Test(acpi_tables, dsdt_pci_window_follows_ram)
{
	struct loaded L;
	uint8_t pat[10] = { 0x08, 'P', '0', 'S', '_', 0x0c, 0x00, 0x00, 0x00, 0x08 };

	build_and_load(&L, 128u << 20, 1);
	cr_expect_geq(find_bytes(L.dsdt, L.dsdt_len, pat, sizeof(pat)), 0, "P0S = 0x08000000");
	loaded_free(&L);
	build_and_load(&L, 0xc0000000u, 1);
	pat[9] = 0xc0;
	cr_expect_geq(find_bytes(L.dsdt, L.dsdt_len, pat, sizeof(pat)), 0, "P0S = 0xC0000000");
	loaded_free(&L);
}

Test(acpi_tables, compiled_dsdt_is_valid)
{
	size_t len;
	const uint8_t *d = acpi_dsdt_aml(&len);

	cr_assert_gt(len, ACPI_HEADER_SIZE);
	cr_expect_eq(memcmp(d, "DSDT", 4), 0);
	cr_expect_eq(le32(d + 4), len);
	cr_expect_eq(acpi_checksum(d, len), 0, "iasl's checksum");
	cr_expect_eq(d[8], 1, "compliance revision 1: 32-bit integers");
}

Test(acpi_tables, aml_patch_needs_exactly_one_name)
{
	uint8_t a[] = { 0x08, 'A', 'B', 'C', 'D', 0x0c, 1, 2, 3, 4, 0x08, 'E', 'F', 'G', 'H', 0x0c,
			1, 2, 3, 4, 0x08, 'E', 'F', 'G', 'H', 0x0c, 1, 2, 3, 4 };

	cr_expect_eq(acpi_aml_patch_dword(a, sizeof(a), "ABCD", 0x11223344), 0);
	cr_expect_eq(a[6], 0x44);
	cr_expect_eq(a[9], 0x11);
	cr_expect_eq(acpi_aml_patch_dword(a, sizeof(a), "EFGH", 0), -1, "twice");
	cr_expect_eq(acpi_aml_patch_dword(a, sizeof(a), "WXYZ", 0), -1, "absent");
	cr_expect_eq(acpi_aml_patch_dword(a, 9, "ABCD", 0), -1, "truncated");
}

Test(acpi_tables, loader_script_shape)
{
	struct acpi_pc_config c;
	struct acpi_blobs b;

	acpi_pc_config_init(&c, 128u << 20);
	cr_assert_eq(acpi_tables_build(&c, &b), 0);
	cr_assert_gt(b.loader_len, 0);
	/* First command allocates the tables in high memory, 64-aligned. */
	cr_expect_eq(le32(b.loader), ACPI_LOADER_ALLOCATE);
	cr_expect_str_eq((const char *)b.loader + 4, ACPI_TABLES_FILE);
	cr_expect_eq(le32(b.loader + 60), 64);
	cr_expect_eq(b.loader[64], ACPI_LOADER_ZONE_HIGH);
	int rsdp_alloc = 0, checksums = 0, pointers = 0;
	for (uint32_t o = 0; o < b.loader_len; o += ACPI_LOADER_ENTRY_SIZE) {
		const uint8_t *e = b.loader + o;
		if (le32(e) == ACPI_LOADER_ALLOCATE && !strcmp((const char *)e + 4, ACPI_RSDP_FILE)) {
			rsdp_alloc = 1;
			cr_expect_eq(e[64], ACPI_LOADER_ZONE_FSEG);
		}
		checksums += le32(e) == ACPI_LOADER_ADD_CHECKSUM;
		pointers += le32(e) == ACPI_LOADER_ADD_POINTER;
	}
	cr_expect(rsdp_alloc);
	cr_expect_eq(checksums, 5, "DSDT, FADT, MADT, RSDT, RSDP");
	cr_expect_eq(pointers, 5, "FACS, DSDT, 2 x RSDT entries, RSDT in RSDP");
	acpi_blobs_free(&b);
}

/* End to end: the tables as fw_cfg serves them for a 128M pc. */
Test(acpi_tables, served_by_fw_cfg_pc)
{
	struct fw_cfg *fw = fw_cfg_new(NULL);
	struct pc_fw_cfg_params p;
	struct acpi_blobs b;
	uint32_t tl, rl, ll;

	fw_cfg_pc_params_init(&p, 128u << 20);
	cr_assert_eq(fw_cfg_setup_pc(fw, &p), 0);
	b.tables = (uint8_t *)fw_cfg_find_file(fw, ACPI_TABLES_FILE, NULL, &tl);
	b.rsdp = (uint8_t *)fw_cfg_find_file(fw, ACPI_RSDP_FILE, NULL, &rl);
	b.loader = (uint8_t *)fw_cfg_find_file(fw, ACPI_LOADER_FILE, NULL, &ll);
	cr_assert(b.tables && b.rsdp && b.loader);
	b.tables_len = tl;
	b.rsdp_len = rl;
	b.loader_len = ll;
	struct loader ld;
	load(&ld, &b);
	cr_expect_eq(ld.errors, 0);
	const uint8_t *rsdp = ld.mem + ld.files[1].addr;
	const uint8_t *rsdt = table_at(&ld, le32(rsdp + 16), "RSDT");
	table_at(&ld, le32(rsdt + 36), "FACP");
	free(ld.mem);
	fw_cfg_free(fw);
}
