/*
 * machine/pci.c: PCI bus 0, configuration mechanism #1 and the generic
 * type 0 configuration space (PCI Local Bus Specification 3.0 §3.2.2.3.2,
 * §6.1, §6.2). Device-specific semantics come from the owning device's hooks.
 */
#include "machine/pci.h"
#include "machine/state_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PCI_CONFIG_SIZE 256
/* CONFIG_ADDRESS: bit 31 enable, 30:24 reserved (read 0), 23:16 bus,
 * 15:11 device, 10:8 function, 7:2 register, 1:0 read 0 (PCI 3.0 §3.2.2.3.2). */
#define PCI_CONFIG_ADDRESS_MASK 0x80fffffcu
#define PCI_CONFIG_ENABLE       0x80000000u

struct pci_function {
	char name[32];
	uint8_t cfg[PCI_CONFIG_SIZE];
	uint8_t defaults[PCI_CONFIG_SIZE];
	uint8_t wmask[PCI_CONFIG_SIZE];
	uint8_t w1cmask[PCI_CONFIG_SIZE];
	uint32_t bar_size[PCI_BAR_COUNT + 1];   /* 0 = absent; [PCI_ROM_SLOT] = ROM */
	const struct pci_function_ops *ops;
	void *opaque;
	int on_bus;
};

struct pci_bus {
	struct pci_function *fn[256];
	uint32_t config_address;
	mem_read_fn cf9_read;
	mem_write_fn cf9_write;
	void *cf9_opaque;
};

static void bytes_put(uint8_t *p, uint8_t reg, uint32_t value, int size)
{
	for (int i = 0; i < size && reg + i < PCI_CONFIG_SIZE; i++)
		p[reg + i] = (uint8_t)(value >> (8 * i));
}

static uint32_t bytes_get(const uint8_t *p, uint8_t reg, int size)
{
	uint32_t v = 0;
	for (int i = 0; i < size; i++) {
		uint32_t b = reg + i < PCI_CONFIG_SIZE ? p[reg + i] : 0xff;
		v |= b << (8 * i);
	}
	return v;
}

struct pci_function *pci_function_new(const char *name, uint16_t vendor, uint16_t device,
				      uint8_t revision, uint32_t class_code)
{
	struct pci_function *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	snprintf(f->name, sizeof(f->name), "%s", name ? name : "");
	pci_function_set_default(f, PCI_VENDOR_ID, vendor, 2);
	pci_function_set_default(f, PCI_DEVICE_ID, device, 2);
	pci_function_set_default(f, PCI_REVISION_ID, revision, 1);
	pci_function_set_default(f, PCI_CLASS_PROG, class_code & 0xffffff, 3);
	pci_function_set_wmask(f, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
			       PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR, 2);
	pci_function_set_w1cmask(f, PCI_STATUS, PCI_STATUS_W1C, 2);
	pci_function_set_wmask(f, PCI_CACHE_LINE_SIZE, 0xff, 1);
	pci_function_set_wmask(f, PCI_LATENCY_TIMER, 0xff, 1);
	pci_function_set_wmask(f, PCI_INTERRUPT_LINE, 0xff, 1);
	memset(f->wmask + 0x40, 0xff, PCI_CONFIG_SIZE - 0x40);
	return f;
}

void pci_function_free(struct pci_function *f)
{
	free(f);
}

void pci_function_set_ops(struct pci_function *f, const struct pci_function_ops *ops,
			  void *opaque)
{
	f->ops = ops;
	f->opaque = opaque;
}

void pci_function_set_default(struct pci_function *f, uint8_t reg, uint32_t value, int size)
{
	bytes_put(f->defaults, reg, value, size);
	bytes_put(f->cfg, reg, value, size);
}

void pci_function_set_wmask(struct pci_function *f, uint8_t reg, uint32_t mask, int size)
{
	bytes_put(f->wmask, reg, mask, size);
}

void pci_function_set_w1cmask(struct pci_function *f, uint8_t reg, uint32_t mask, int size)
{
	bytes_put(f->w1cmask, reg, mask, size);
}

static int is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int pci_function_add_bar(struct pci_function *f, int bar, uint32_t size, unsigned kind)
{
	uint32_t low;
	if (bar < 0 || bar >= PCI_BAR_COUNT || !is_pow2(size))
		return -EINVAL;
	if (kind == PCI_BAR_IO)
		low = 0x3;
	else if (kind == PCI_BAR_MEM || kind == PCI_BAR_MEM_PREFETCH)
		low = 0xf;
	else
		return -EINVAL;
	if (size <= low)
		return -EINVAL;
	uint8_t reg = (uint8_t)(PCI_BASE_ADDRESS_0 + 4 * bar);
	f->bar_size[bar] = size;
	pci_function_set_default(f, reg, kind, 4);
	pci_function_set_wmask(f, reg, ~(size - 1) & ~low, 4);
	return 0;
}

int pci_function_add_rom(struct pci_function *f, uint32_t size)
{
	if (!is_pow2(size) || size < 2048)
		return -EINVAL;
	f->bar_size[PCI_ROM_SLOT] = size;
	pci_function_set_default(f, PCI_ROM_ADDRESS, 0, 4);
	pci_function_set_wmask(f, PCI_ROM_ADDRESS, ~(size - 1) | PCI_ROM_ENABLE, 4);
	return 0;
}

int pci_function_bar_mapping(const struct pci_function *f, int bar, uint32_t *base,
			     uint32_t *size)
{
	uint16_t cmd = (uint16_t)pci_function_get(f, PCI_COMMAND, 2);
	uint32_t v, addr;

	if (bar < 0 || bar > PCI_ROM_SLOT || !f->bar_size[bar])
		return 0;
	if (bar == PCI_ROM_SLOT) {
		v = pci_function_get(f, PCI_ROM_ADDRESS, 4);
		addr = v & ~(f->bar_size[bar] - 1);
		if (!(v & PCI_ROM_ENABLE) || !(cmd & PCI_COMMAND_MEMORY))
			return 0;
	} else {
		v = pci_function_get(f, (uint8_t)(PCI_BASE_ADDRESS_0 + 4 * bar), 4);
		if (v & PCI_BAR_IO) {
			addr = v & ~3u;
			if (!(cmd & PCI_COMMAND_IO))
				return 0;
		} else {
			addr = v & ~0xfu;
			if (!(cmd & PCI_COMMAND_MEMORY))
				return 0;
		}
	}
	if (!addr)
		return 0;
	*base = addr;
	*size = f->bar_size[bar];
	return 1;
}

uint32_t pci_function_get(const struct pci_function *f, uint8_t reg, int size)
{
	return bytes_get(f->cfg, reg, size);
}

void pci_function_set(struct pci_function *f, uint8_t reg, uint32_t value, int size)
{
	bytes_put(f->cfg, reg, value, size);
}

uint32_t pci_function_config_read(struct pci_function *f, uint8_t reg, int size)
{
	uint32_t v = bytes_get(f->cfg, reg, size);
	if (f->ops && f->ops->config_read)
		v = f->ops->config_read(f->opaque, f, reg, size, v);
	return v;
}

void pci_function_config_write(struct pci_function *f, uint8_t reg, uint32_t value, int size)
{
	uint8_t old[4] = { 0xff, 0xff, 0xff, 0xff };
	int n = 0;

	for (int i = 0; i < size && reg + i < PCI_CONFIG_SIZE; i++, n++) {
		int a = reg + i;
		uint8_t v = (uint8_t)(value >> (8 * i));
		old[i] = f->cfg[a];
		f->cfg[a] = (uint8_t)((f->cfg[a] & ~f->wmask[a]) | (v & f->wmask[a]));
		f->cfg[a] &= (uint8_t)~(v & f->w1cmask[a]);
	}
	if (n && f->ops && f->ops->config_write)
		f->ops->config_write(f->opaque, f, reg, value, n, old);
}

void pci_function_reset(struct pci_function *f)
{
	memcpy(f->cfg, f->defaults, sizeof(f->cfg));
}

const char *pci_function_name(const struct pci_function *f)
{
	return f->name;
}

/* ---- the bus ---- */

struct pci_bus *pci_bus_new(void)
{
	return calloc(1, sizeof(struct pci_bus));
}

void pci_bus_free(struct pci_bus *b)
{
	if (!b)
		return;
	for (int i = 0; i < 256; i++)
		if (b->fn[i])
			b->fn[i]->on_bus = 0;
	free(b);
}

void pci_bus_reset(struct pci_bus *b)
{
	b->config_address = 0;
}

int pci_register(struct pci_bus *b, uint8_t devfn, struct pci_function *f)
{
	if (f->on_bus)
		return -EINVAL;
	if (b->fn[devfn])
		return -EBUSY;
	b->fn[devfn] = f;
	f->on_bus = 1;
	return 0;
}

struct pci_function *pci_bus_function(const struct pci_bus *b, uint8_t devfn)
{
	return b->fn[devfn];
}

static uint32_t ones(int size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

uint32_t pci_bus_config_read(struct pci_bus *b, uint8_t bus, uint8_t devfn, uint8_t reg,
			     int size)
{
	/* No PCI-to-PCI bridge: only bus 0 exists; nobody claims the cycle, the
	 * host bridge ends it with master abort and returns all-ones (§3.7.4). */
	if (bus != 0 || !b->fn[devfn])
		return ones(size);
	return pci_function_config_read(b->fn[devfn], reg, size);
}

void pci_bus_config_write(struct pci_bus *b, uint8_t bus, uint8_t devfn, uint8_t reg,
			  uint32_t value, int size)
{
	if (bus != 0 || !b->fn[devfn])
		return;
	pci_function_config_write(b->fn[devfn], reg, value, size);
}

void pci_bus_set_cf9_handler(struct pci_bus *b, mem_read_fn read, mem_write_fn write,
			     void *opaque)
{
	b->cf9_read = read;
	b->cf9_write = write;
	b->cf9_opaque = opaque;
}

uint32_t pci_cfg_addr_io_read(void *opaque, uint32_t offset, int size)
{
	struct pci_bus *b = opaque;
	uint32_t v = 0;

	if (offset == 0 && size == 4)
		return b->config_address;
	/* Not a CONFIG_ADDRESS access: an ordinary I/O cycle, byte by byte. */
	for (int i = 0; i < size; i++) {
		uint32_t byte = 0xff;
		if (offset + i == 1 && b->cf9_read)
			byte = b->cf9_read(b->cf9_opaque, 0, 1) & 0xff;
		v |= byte << (8 * i);
	}
	return v;
}

void pci_cfg_addr_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct pci_bus *b = opaque;

	if (offset == 0 && size == 4) {
		b->config_address = value & PCI_CONFIG_ADDRESS_MASK;
		return;
	}
	for (int i = 0; i < size; i++)
		if (offset + i == 1 && b->cf9_write)
			b->cf9_write(b->cf9_opaque, 0, (value >> (8 * i)) & 0xff, 1);
}

uint32_t pci_cfg_data_io_read(void *opaque, uint32_t offset, int size)
{
	struct pci_bus *b = opaque;
	uint32_t ca = b->config_address;
	int lane = (int)(offset & 3);
	int n = size < 4 - lane ? size : 4 - lane;

	if (!(ca & PCI_CONFIG_ENABLE))
		return ones(size);
	/* Bytes past 0xCFF are not ours: they read as open bus. */
	uint32_t v = pci_bus_config_read(b, (uint8_t)(ca >> 16), (uint8_t)(ca >> 8),
					 (uint8_t)((ca & 0xfc) + lane), n);
	return v | (ones(size) & ~ones(n));
}

void pci_cfg_data_io_write(void *opaque, uint32_t offset, uint32_t value, int size)
{
	struct pci_bus *b = opaque;
	uint32_t ca = b->config_address;
	int lane = (int)(offset & 3);
	int n = size < 4 - lane ? size : 4 - lane;

	if (!(ca & PCI_CONFIG_ENABLE))
		return;
	pci_bus_config_write(b, (uint8_t)(ca >> 16), (uint8_t)(ca >> 8),
			     (uint8_t)((ca & 0xfc) + lane), value & ones(n), n);
}

/* ---- monitor and state hash ---- */

static void render_bar(const struct pci_function *f, int bar, FILE *out)
{
	uint32_t base, size;
	uint32_t v = bar == PCI_ROM_SLOT ? pci_function_get(f, PCI_ROM_ADDRESS, 4)
		: pci_function_get(f, (uint8_t)(PCI_BASE_ADDRESS_0 + 4 * bar), 4);
	int on = pci_function_bar_mapping(f, bar, &base, &size);

	if (bar == PCI_ROM_SLOT)
		fprintf(out, "    ROM: memory at 0x%08x [size %u]%s\n",
			v & ~(f->bar_size[bar] - 1), f->bar_size[bar], on ? "" : " (disabled)");
	else if (v & PCI_BAR_IO)
		fprintf(out, "    BAR%d: I/O at 0x%04x [size %u]%s\n", bar, v & ~3u,
			f->bar_size[bar], on ? "" : " (disabled)");
	else
		fprintf(out, "    BAR%d: %smemory at 0x%08x [size %u]%s\n", bar,
			(v & PCI_BAR_MEM_PREFETCH) ? "prefetchable " : "", v & ~0xfu,
			f->bar_size[bar], on ? "" : " (disabled)");
}

void pci_bus_render(const struct pci_bus *b, FILE *out)
{
	for (int devfn = 0; devfn < 256; devfn++) {
		const struct pci_function *f = b->fn[devfn];
		if (!f)
			continue;
		uint32_t class_code = pci_function_get(f, PCI_CLASS_PROG, 3);
		fprintf(out, "00:%02x.%d %s: %04x:%04x rev %02x class %04x prog-if %02x\n",
			PCI_DEVFN_DEV(devfn), PCI_DEVFN_FN(devfn), f->name,
			pci_function_get(f, PCI_VENDOR_ID, 2), pci_function_get(f, PCI_DEVICE_ID, 2),
			pci_function_get(f, PCI_REVISION_ID, 1), class_code >> 8, class_code & 0xff);
		fprintf(out, "    command %04x status %04x header %02x irq line %u pin %u\n",
			pci_function_get(f, PCI_COMMAND, 2), pci_function_get(f, PCI_STATUS, 2),
			pci_function_get(f, PCI_HEADER_TYPE, 1),
			pci_function_get(f, PCI_INTERRUPT_LINE, 1),
			pci_function_get(f, PCI_INTERRUPT_PIN, 1));
		for (int bar = 0; bar <= PCI_ROM_SLOT; bar++)
			if (f->bar_size[bar])
				render_bar(f, bar, out);
	}
}

void pci_function_state_visit(struct pci_function *f, struct state_io *s)
{
	state_io_bytes(s, f->cfg, sizeof(f->cfg));
}

void pci_bus_state_visit(struct pci_bus *b, struct state_io *s)
{
	state_io_tag(s, "pci-bus");
	state_io_u32(s, &b->config_address);
}
