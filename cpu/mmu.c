/*
 * cpu/mmu.c: linear to physical translation (32-bit paging with 4 KiB and
 * 4 MiB pages, SDM Vol. 3 §4.3 and §4.6), A20 masking, and the software TLB
 * with host-pointer fast paths from mem/. Page faults set CR2 and raise #PF
 * with the error code of SDM Vol. 3 §4.7.
 */
#include <string.h>

#include "cpu/internal.h"
#include "mem/mem.h"

#define PG_P   0x001u
#define PG_RW  0x002u
#define PG_US  0x004u
#define PG_A   0x020u
#define PG_D   0x040u
#define PG_PS  0x080u

/* Derive the fast-path tags of an entry from its tag, permissions and host
 * pointers. */
static void tlb_set_fast(struct tlb_entry *e)
{
	uint32_t t = e->tag;
	uint32_t r = e->host_r ? t : 1, w = e->host_w ? t : 1;
	e->rtag[0] = e->rtag[1] = e->rtag[2] = r;
	e->rtag[3] = (e->perm & TLB_USER_R) ? r : 1;
	e->wtag[0] = e->wtag[1] = e->wtag[2] = (e->perm & TLB_SUP_W) ? w : 1;
	e->wtag[3] = (e->perm & TLB_USER_W) ? w : 1;
}

/* Invalidate an entry (and its fast-path tags). */
static inline void tlb_clear(struct tlb_entry *e)
{
	e->tag = 1;
	e->host_r = e->host_w = NULL;
	for (int k = 0; k < 4; k++)
		e->rtag[k] = e->wtag[k] = 1;
}

void tlb_flush(struct cpu *c)
{
	c->fetch_page = 1;
	cpu_fetch_reset(c);
	for (unsigned k = 0; k < TLB_SIZE; k++)
		tlb_clear(&c->tlb[k]);
}

void tlb_flush_page(struct cpu *c, uint32_t lin)
{
	struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
	if (e->tag == (lin & ~0xfffu))
		tlb_clear(e);
	c->fetch_page = 1;
	cpu_fetch_reset(c);
}

#define TLB_ENTRY_BYTES 9

size_t cpu_tlb_state_size(void)
{
	return TLB_SIZE * TLB_ENTRY_BYTES;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void cpu_tlb_save(const struct cpu *c, uint8_t *buf)
{
	for (unsigned k = 0; k < TLB_SIZE; k++, buf += TLB_ENTRY_BYTES) {
		const struct tlb_entry *e = &c->tlb[k];
		int valid = !(e->tag & 1);
		put32(buf, valid ? e->tag : 1);
		put32(buf + 4, valid ? e->phys : 0);
		buf[8] = valid ? e->perm : 0;
	}
}

int cpu_tlb_load(struct cpu *c, const uint8_t *buf, size_t len)
{
	tlb_flush(c);
	if (len != cpu_tlb_state_size())
		return -1;
	for (unsigned k = 0; k < TLB_SIZE; k++) {
		const uint8_t *p = buf + k * TLB_ENTRY_BYTES;
		uint32_t tag = get32(p), phys = get32(p + 4);
		if (tag & 1)
			continue;
		if ((tag & 0xfffu) || ((tag >> 12) & (TLB_SIZE - 1)) != k || (phys & 0xfffu) ||
		    p[8] > (TLB_USER_R | TLB_USER_W | TLB_SUP_W)) {
			tlb_flush(c);
			return -1;
		}
		struct tlb_entry *e = &c->tlb[k];
		e->tag = tag;
		e->phys = phys;
		e->perm = p[8];
		e->host_r = mem_page_read_ptr(c->mem, phys);
		e->host_w = NULL;   /* asked again at the first write (dirty tracking) */
		tlb_set_fast(e);
	}
	c->host_gen = mem_host_generation(c->mem);
	return 0;
}

void cpu_tlb_drop_write_ptrs(struct cpu *c)
{
	/* Every checkpoint comes here; a dozen entries have a pointer. */
	for (unsigned k = 0; k < TLB_SIZE; k++) {
		struct tlb_entry *e = &c->tlb[k];
		if (!e->host_w)
			continue;
		e->host_w = NULL;
		tlb_set_fast(e);
	}
}

/* Fast pointers changed under valid translations (mem_host_generation):
 * take them again, keeping the translations (a flush would be visible to
 * the guest through accessed/dirty bits and stale entries). Write pointers
 * come back lazily, at the next write to each page. */
static void tlb_refresh_host(struct cpu *c)
{
	c->host_gen = mem_host_generation(c->mem);
	for (unsigned k = 0; k < TLB_SIZE; k++) {
		struct tlb_entry *e = &c->tlb[k];
		if (e->tag & 1)
			continue;
		e->host_r = mem_page_read_ptr(c->mem, e->phys);
		e->host_w = NULL;
		tlb_set_fast(e);
	}
}

void mmu_check_generation(struct cpu *c)
{
	if (mem_host_generation(c->mem) != c->host_gen)
		tlb_refresh_host(c);
	uint64_t g = mem_generation(c->mem);
	if (g != c->mem_gen) {
		c->mem_gen = g;
		tlb_flush(c);
		cpu_code_flush_all(c);
	}
}

/* Page-structure reads are implicit: no data read watch sees them. */
static uint32_t phys_rd32(struct cpu *c, uint32_t pa)
{
	return mem_fetch(c->mem, pa & c->a20_mask, 4);
}

static void phys_wr32(struct cpu *c, uint32_t pa, uint32_t v)
{
	mem_write(c->mem, pa & c->a20_mask, v, 4);
}

_Noreturn static void page_fault(struct cpu *c, uint32_t lin, int present, enum acc acc, int user)
{
	c->cr2 = lin;
	cpu_raise(c, EXC_PF, (present ? 1 : 0) | (acc == ACC_WRITE ? 2 : 0) | (user ? 4 : 0));
}

/* Walk the page tables; returns the physical page and the TLB permissions.
 * Sets accessed/dirty bits (SDM Vol. 3 §4.8). */
static uint32_t page_walk(struct cpu *c, uint32_t lin, enum acc acc, int user, uint8_t *perm)
{
	uint32_t pde_pa = (c->cr3 & 0xfffff000u) | ((lin >> 20) & 0xffcu);
	uint32_t pde = phys_rd32(c, pde_pa);
	if (!(pde & PG_P))
		page_fault(c, lin, 0, acc, user);
	int wp = (c->cr0 & CR0_WP) != 0;
	uint32_t phys, flags, pte_pa = 0, pte = 0;
	int big = (pde & PG_PS) && (c->cr4 & CR4_PSE);
	if (big) {
		flags = pde;
		phys = (pde & 0xffc00000u) | (lin & 0x003ff000u);
	} else {
		pte_pa = (pde & 0xfffff000u) | ((lin >> 10) & 0xffcu);
		pte = phys_rd32(c, pte_pa);
		if (!(pte & PG_P))
			page_fault(c, lin, 0, acc, user);
		flags = pte & (pde | ~(PG_RW | PG_US));
		phys = pte & 0xfffff000u;
	}
	int u_ok = (flags & PG_US) != 0, w_ok = (flags & PG_RW) != 0;
	if (user && !u_ok)
		page_fault(c, lin, 1, acc, user);
	if (acc == ACC_WRITE && !w_ok && (user || wp))
		page_fault(c, lin, 1, acc, user);
	/* Accessed and dirty bits. */
	if (!(pde & PG_A) || (big && acc == ACC_WRITE && !(pde & PG_D))) {
		pde |= PG_A;
		if (big && acc == ACC_WRITE)
			pde |= PG_D;
		phys_wr32(c, pde_pa, pde);
	}
	int dirty;
	if (big) {
		dirty = (pde & PG_D) != 0;
	} else {
		if (!(pte & PG_A) || (acc == ACC_WRITE && !(pte & PG_D))) {
			pte |= PG_A;
			if (acc == ACC_WRITE)
				pte |= PG_D;
			phys_wr32(c, pte_pa, pte);
		}
		dirty = (pte & PG_D) != 0;
	}
	uint8_t p = 0;
	if (u_ok)
		p |= TLB_USER_R;
	if (dirty) {
		if (u_ok && w_ok)
			p |= TLB_USER_W;
		if (w_ok || !wp)
			p |= TLB_SUP_W;
	}
	*perm = p;
	return phys;
}

static int tlb_allows(const struct tlb_entry *e, enum acc acc, int user)
{
	if (acc == ACC_WRITE)
		return (e->perm & (user ? TLB_USER_W : TLB_SUP_W)) != 0;
	return !user || (e->perm & TLB_USER_R);
}

static struct tlb_entry *tlb_get(struct cpu *c, uint32_t lin, enum acc acc, int user)
{
	uint32_t page = lin & ~0xfffu;
	struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
	if (e->tag == page && tlb_allows(e, acc, user))
		return e;
	uint8_t perm = TLB_USER_R | TLB_USER_W | TLB_SUP_W;
	uint32_t phys = page;
	if (c->cr0 & CR0_PG)
		phys = page_walk(c, lin, acc, user, &perm);
	phys &= c->a20_mask;
	e->tag = page;
	e->phys = phys;
	e->perm = perm;
	e->host_r = mem_page_read_ptr(c->mem, phys);
	e->host_w = mem_page_write_ptr(c->mem, phys);
	tlb_set_fast(e);
	return e;
}

uint32_t mmu_translate(struct cpu *c, uint32_t lin, enum acc acc, int user)
{
	return tlb_get(c, lin, acc, user)->phys | (lin & 0xfffu);
}

uint8_t *mmu_host_page(struct cpu *c, uint32_t lin, enum acc acc, int user)
{
	struct tlb_entry *e = tlb_get(c, lin, acc, user);
	if (acc == ACC_WRITE && !e->host_w && (e->host_w = mem_page_write_ptr(c->mem, e->phys)))
		tlb_set_fast(e);
	return acc == ACC_WRITE ? e->host_w : e->host_r;
}

static inline uint32_t host_load(const uint8_t *p, int size)
{
	if (size == 1)
		return p[0];
	if (size == 2)
		return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline void host_store(uint8_t *p, uint32_t v, int size)
{
	p[0] = (uint8_t)v;
	if (size >= 2)
		p[1] = (uint8_t)(v >> 8);
	if (size == 4) {
		p[2] = (uint8_t)(v >> 16);
		p[3] = (uint8_t)(v >> 24);
	}
}

uint32_t lin_read(struct cpu *c, uint32_t lin, int size, int user)
{
	uint32_t off = lin & 0xfffu;
	if (off + (unsigned)size <= 0x1000u) {
		struct tlb_entry *e = tlb_get(c, lin, ACC_READ, user);
		if (e->host_r)
			return host_load(e->host_r + off, size);
		return mem_read(c->mem, e->phys | off, size);
	}
	/* Crossing a page: translate both pages before reading anything. A
	 * missing second page faults with CR2 = its first byte (as Bochs). */
	uint32_t pa0 = mmu_translate(c, lin, ACC_READ, user);
	uint32_t pa1 = mmu_translate(c, (lin & ~0xfffu) + 0x1000u, ACC_READ, user);
	uint32_t v = 0;
	for (int k = 0; k < size; k++) {
		uint32_t o = off + (uint32_t)k;
		uint32_t pa = o < 0x1000u ? pa0 + (uint32_t)k : pa1 + (o - 0x1000u);
		v |= mem_read(c->mem, pa, 1) << (8 * k);
	}
	return v;
}

static void slow_write(struct cpu *c, uint32_t pa, uint32_t v, int size)
{
	mem_write(c->mem, pa, v, size);
	if (mem_generation(c->mem) != c->mem_gen)
		mmu_check_generation(c);
}

void lin_write(struct cpu *c, uint32_t lin, uint32_t v, int size, int user)
{
	uint32_t off = lin & 0xfffu;
	if (off + (unsigned)size <= 0x1000u) {
		struct tlb_entry *e = tlb_get(c, lin, ACC_WRITE, user);
		if (!e->host_w && (e->host_w = mem_page_write_ptr(c->mem, e->phys)))
			tlb_set_fast(e);   /* dropped by cpu_tlb_drop_write_ptrs */
		if (e->host_w)
			host_store(e->host_w + off, v, size);
		else
			slow_write(c, e->phys | off, v, size);
		return;
	}
	uint32_t pa0 = mmu_translate(c, lin, ACC_WRITE, user);
	uint32_t pa1 = mmu_translate(c, (lin & ~0xfffu) + 0x1000u, ACC_WRITE, user);
	for (int k = 0; k < size; k++) {
		uint32_t o = off + (uint32_t)k;
		uint32_t pa = o < 0x1000u ? pa0 + (uint32_t)k : pa1 + (o - 0x1000u);
		slow_write(c, pa, (v >> (8 * k)) & 0xffu, 1);
	}
}

void lin_check_write(struct cpu *c, uint32_t lin, int size, int user)
{
	if (!(c->cr0 & CR0_PG))
		return;
	mmu_translate(c, lin, ACC_WRITE, user);
	if ((lin & 0xfffu) + (unsigned)size > 0x1000u)
		mmu_translate(c, (lin & ~0xfffu) + 0x1000u, ACC_WRITE, user);
}

uint8_t lin_fetch8(struct cpu *c, uint32_t lin)
{
	struct tlb_entry *e = tlb_get(c, lin, ACC_EXEC, c->cpl == 3);
	if (e->host_r)
		return e->host_r[lin & 0xfffu];
	return (uint8_t)mem_fetch(c->mem, e->phys | (lin & 0xfffu), 1);
}

/* Host pointer to the code page holding lin (NULL when not plain memory),
 * and its physical address. */
const uint8_t *mmu_code_page(struct cpu *c, uint32_t lin, uint32_t *phys)
{
	struct tlb_entry *e = tlb_get(c, lin, ACC_EXEC, c->cpl == 3);
	*phys = e->phys | (lin & 0xfffu);
	return e->host_r;
}

/* A page now holds decoded code: writes through cached host pointers must
 * take the slow path so mem/ can report them. */
void tlb_drop_write_ptrs(struct cpu *c, uint32_t phys_page)
{
	for (unsigned k = 0; k < TLB_SIZE; k++)
		if (c->tlb[k].phys == phys_page) {
			c->tlb[k].host_w = NULL;
			tlb_set_fast(&c->tlb[k]);
		}
}
