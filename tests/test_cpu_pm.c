/* tests/test_cpu_pm.c: the x86 core in protected mode: the bench payload in
 * flat 32-bit mode, mode switches and big real mode, IDT delivery with a
 * privilege change, paging with A/D bits and #PF error codes, I/O bitmap. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "tests/cpu_vm.h"
#include "tests/testutil.h"

static uint32_t port_log[64];
static int nports;

/* GDT fixtures: entries 5 (0x28), 6 (0x30) and 7 (0x38) after the flat
 * ones of vm_write_gdt; GDTR covers 8 entries. */
static uint64_t tss_desc(uint32_t base, uint32_t limit, unsigned type)
{
	return (limit & 0xffffu) | ((uint64_t)(base & 0xffffffu) << 16) |
	       ((uint64_t)(0x80u | type) << 40) | ((uint64_t)((limit >> 16) & 0xfu) << 48) |
	       ((uint64_t)(base >> 24) << 56);
}

static void gdt_put(struct vm *v, int idx, uint64_t d)
{
	mem_write(v->m, 0x800 + 8 * (uint32_t)idx, (uint32_t)d, 4);
	mem_write(v->m, 0x804 + 8 * (uint32_t)idx, (uint32_t)(d >> 32), 4);
	struct cpu_segment gd = { 0, 0, 0x800, 8 * 8 - 1 };
	cpu_set_seg(v->c, CPU_GDTR, &gd);
}

/* A handler for vector vec at 0x3000 that halts. */
static void idt_hlt(struct vm *v, int vec)
{
	vm_idt_gate(v, vec, 0x3000);
	mem_write(v->m, 0x3000, 0xf4, 1);
}

/* Page directory at 0x100000 (its first entry with pde_flags), one table at
 * 0x101000 mapping 0-4 MiB identically, read/write. */
static void identity_paging(struct vm *v, uint32_t pde_flags)
{
	mem_write(v->m, 0x100000, 0x101000 | pde_flags, 4);
	for (uint32_t k = 0; k < 1024; k++)
		mem_write(v->m, 0x101000 + 4 * k, (k << 12) | 3, 4);
}

/* Ring 3 from flat mode at 0x2000: GDT entries ring-3 code 0x2b (5), ring-3
 * data 0x33 (6), a TSS 0x38 (7) at 0x4000 with limit tss_limit, ESP0 0x8800
 * and SS0 0x10; the ring-0 code at 0x2000 loads TR and IRETs to ring 3 at
 * 0x2b:0x2500 with SS:ESP 0x33:0x7000. */
static void ring3_setup(struct vm *v, uint32_t tss_limit)
{
	/* ltr; push ss3, esp3, eflags, cs3, eip3; iretd */
	static const uint8_t code[] = {
		0x66, 0xb8, 0x38, 0x00, 0x0f, 0x00, 0xd8,    /* mov ax,0x38; ltr ax */
		0x6a, 0x33, 0x68, 0x00, 0x70, 0x00, 0x00,    /* push 0x33; push 0x7000 */
		0x6a, 0x02, 0x6a, 0x2b, 0x68, 0x00, 0x25, 0x00, 0x00, /* push 2; push 0x2b; push 0x2500 */
		0xcf,                                        /* iretd */
	};
	gdt_put(v, 5, 0x00cffa000000ffffull);
	gdt_put(v, 6, 0x00cff2000000ffffull);
	gdt_put(v, 7, tss_desc(0x4000, tss_limit, 9));
	mem_write(v->m, 0x4004, 0x8800, 4);   /* ESP0 */
	mem_write(v->m, 0x4008, 0x10, 4);     /* SS0 */
	vm_load(v, 0x2000, code, sizeof(code));
}

/* The workload of /work/shared/guests/bench, entered at 0x10000 in flat
 * protected mode like its boot sector does; returns its checksum in EAX. */
Test(cpu_pm, bench_payload_checksum)
{
	char *img = tu_shared_path("guests/bench/bench-1.img");
	size_t size = 0;
	uint8_t *data = tu_read_file(img, &size);
	free(img);
	if (!data)
		cr_skip_test("bench-1.img not found (set LOCKSTEP_SHARED)");
	cr_assert_geq(size, 512 + 0x10000);
	struct vm v;
	vm_init(&v, 4u << 20);
	vm_flat32(&v, 0x10000);
	vm_load(&v, 0x10000, data + 512, 0x10000);
	free(data);
	/* Return address 0x500 -> hlt. */
	mem_write(v.m, 0x500, 0xf4, 1);
	cpu_set_reg(v.c, CPU_ESP, 0x8ffc);
	mem_write(v.m, 0x8ffc, 0x500, 4);
	enum cpu_stop st = vm_run(&v, 20000000);
	cr_assert_eq(st, CPU_STOP_HLT, "stopped with %d at eip %x", (int)st, vm_reg(&v, CPU_EIP));
	cr_expect_eq(vm_reg(&v, CPU_EAX), 0x0b8bb7fau, "checksum %08x", vm_reg(&v, CPU_EAX));
	cr_expect_eq(v.nints, 0);
	vm_fini(&v);
}

/* Real mode -> protected mode -> load a 4 GiB data segment -> back to real
 * mode: DS keeps its 4 GiB limit (big real mode, SDM Vol. 3 §9.9.2). */
Test(cpu_pm, big_real_mode)
{
	static const uint8_t code[] = {
		0x66, 0x0f, 0x01, 0x16, 0x00, 0x06,       /* lgdtd [0x600] */
		0x0f, 0x20, 0xc0,                         /* mov eax, cr0 */
		0x0c, 0x01,                               /* or al, 1 */
		0x0f, 0x22, 0xc0,                         /* mov cr0, eax */
		0xea, 0x13, 0x10, 0x18, 0x00,             /* jmp 0x18:0x1013 (16-bit code) */
		0xbb, 0x10, 0x00,                         /* 1013: mov bx, 0x10 */
		0x8e, 0xdb,                               /* mov ds, bx */
		0x24, 0xfe,                               /* and al, 0xfe */
		0x0f, 0x22, 0xc0,                         /* mov cr0, eax */
		0xea, 0x22, 0x10, 0x00, 0x00,             /* jmp 0:0x1022 */
		0x31, 0xdb,                               /* 1022: xor bx, bx */
		0x8e, 0xdb,                               /* mov ds, bx */
		0x67, 0x66, 0x8b, 0x0d, 0x00, 0x00, 0x20, 0x00, /* mov ecx, [0x200000] */
		0xf4,
	};
	struct vm v;
	vm_init(&v, 4u << 20);
	vm_real(&v, 0, 0x1000);
	vm_write_gdt(&v);
	/* pseudo-descriptor at 0x600 -> the GDT at 0x800 */
	mem_write(v.m, 0x600, 5 * 8 - 1, 2);
	mem_write(v.m, 0x602, 0x800, 4);
	mem_write(v.m, 0x200000, 0xcafef00d, 4);
	vm_load(&v, 0x1000, code, sizeof(code));
	cr_assert_eq(vm_run(&v, 40), CPU_STOP_HLT, "eip %x vec %d", vm_reg(&v, CPU_EIP), v.last_vec);
	cr_expect_eq(vm_reg(&v, CPU_ECX), 0xcafef00du);
	cr_expect_eq(v.nints, 0);
	struct cpu_segment ds;
	cpu_get_seg(v.c, CPU_DS, &ds);
	cr_expect_eq(ds.limit, 0xffffffffu);
	cr_expect_eq(ds.base, 0);
	cr_expect_eq(vm_reg(&v, CPU_CR0) & 1, 0);
	vm_fini(&v);
}

Test(cpu_pm, segment_load_checks)
{
	/* mov ax, 0x28 (beyond the GDT limit): #GP(0x28) */
	static const uint8_t code[] = { 0x66, 0xb8, 0x28, 0x00, 0x8e, 0xd8, 0xf4 };
	struct vm v;
	vm_init(&v, 2u << 20);
	vm_flat32(&v, 0x2000);
	idt_hlt(&v, 13);
	vm_load(&v, 0x2000, code, sizeof(code));
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(v.last_vec, 13);
	cr_expect_eq(v.last_err, 0x28);
	cr_expect_eq(mem_read(v.m, 0x9000 - 16, 4), 0x28, "error code pushed");
	cr_expect_eq(mem_read(v.m, 0x9000 - 12, 4), 0x2004, "EIP of the faulting mov");
	/* Loading SS with a null selector: #GP(0). */
	static const uint8_t code2[] = { 0x31, 0xc0, 0x8e, 0xd0 };
	vm_flat32(&v, 0x2000);
	vm_load(&v, 0x2000, code2, sizeof(code2));
	vm_run(&v, 3);
	cr_expect_eq(v.last_vec, 13);
	cr_expect_eq(v.last_err, 0);
	vm_fini(&v);
}

/* One data access through DS (set to the given attributes and limit, base
 * 0x10000) at offset off: 1 when it raised #GP, 0 when it completed. */
static int ds_access_faults(uint16_t attr, uint32_t limit, uint32_t off, int size, int write)
{
	/* mov eax/ax/al, [esi] or mov [esi], eax/ax/al; hlt */
	uint8_t code[8];
	size_t n = 0;
	if (size == 2)
		code[n++] = 0x66;
	code[n++] = (uint8_t)((write ? 0x88 : 0x8a) | (size > 1));
	code[n++] = 0x06;       /* ModRM: [esi], al/ax/eax */
	code[n++] = 0xf4;
	struct vm v;
	vm_init(&v, 2u << 20);
	vm_flat32(&v, 0x2000);
	idt_hlt(&v, 13);
	vm_load(&v, 0x2000, code, n);
	vm_seg(&v, CPU_DS, 0x10, 0x10000, limit, attr);
	cpu_set_reg(v.c, CPU_ESI, off);
	cr_assert_eq(vm_run(&v, 3), CPU_STOP_HLT);
	int faulted = v.last_vec == 13;
	vm_fini(&v);
	return faulted;
}

/* Data segment limits and rights on every access size (SDM Vol. 3 §5.3):
 * expand-up, expand-down (32- and 16-bit), read-only, execute-only. */
Test(cpu_pm, segment_limit_checks)
{
	/* Expand-up, byte-granular limit 0xfff, read/write. */
	cr_expect(!ds_access_faults(0x4093, 0xfff, 0xffc, 4, 0));
	cr_expect(ds_access_faults(0x4093, 0xfff, 0xffd, 4, 0), "dword straddles the limit");
	cr_expect(!ds_access_faults(0x4093, 0xfff, 0xffe, 2, 1));
	cr_expect(ds_access_faults(0x4093, 0xfff, 0xfff, 2, 1));
	cr_expect(!ds_access_faults(0x4093, 0xfff, 0xfff, 1, 1));
	cr_expect(ds_access_faults(0x4093, 0xfff, 0x1000, 1, 0));
	/* Flat 4 GiB: only an access wrapping past 4 GiB faults. */
	cr_expect(!ds_access_faults(0xc093, 0xffffffffu, 0x1000, 4, 0));
	cr_expect(ds_access_faults(0xc093, 0xffffffffu, 0xfffffffeu, 4, 0));
	/* Expand-down, B = 1, limit 0xfff: valid offsets 0x1000-0xffffffff. */
	cr_expect(ds_access_faults(0x4097, 0xfff, 0xfff, 1, 0));
	cr_expect(ds_access_faults(0x4097, 0xfff, 0, 4, 1));
	cr_expect(!ds_access_faults(0x4097, 0xfff, 0x1000, 4, 1));
	/* Expand-down, B = 0, limit 0xfff: valid offsets 0x1000-0xffff. */
	cr_expect(!ds_access_faults(0x0097, 0xfff, 0xfffc, 4, 0));
	cr_expect(ds_access_faults(0x0097, 0xfff, 0xfffd, 4, 0));
	cr_expect(ds_access_faults(0x0097, 0xfff, 0x10000, 1, 0));
	/* Expand-down, B = 0, limit 0xffff: no valid offset at all. */
	cr_expect(ds_access_faults(0x0097, 0xffff, 0xffff, 1, 0));
	cr_expect(ds_access_faults(0x0097, 0xffff, 0x10000, 1, 0));
	/* Read-only data: reads pass, writes fault. */
	cr_expect(!ds_access_faults(0x4091, 0xfff, 0x10, 4, 0));
	cr_expect(ds_access_faults(0x4091, 0xfff, 0x10, 4, 1));
	/* Execute-only code in DS: reads fault; execute/read code reads. */
	cr_expect(ds_access_faults(0x4099, 0xfff, 0x10, 1, 0));
	cr_expect(!ds_access_faults(0x409b, 0xfff, 0x10, 1, 0));
	cr_expect(ds_access_faults(0x409b, 0xfff, 0x10, 1, 1));
}

/* A taken near jump (JMP rel32, JZ rel8) beyond the CS limit, inside a
 * block that runs whole: #GP(0) with the jump's own EIP pushed, the jump
 * not retired, the instructions before it retired (SDM Vol. 2, JMP). */
Test(cpu_pm, near_jump_beyond_cs_limit)
{
	static const uint8_t jmp[] = {
		0xb9, 0x05, 0x00, 0x00, 0x00,             /* 2000: mov ecx, 5 */
		0xe9, 0xfb, 0x10, 0x00, 0x00,             /* 2005: jmp 0x3105 */
	};
	static const uint8_t jz[] = {
		0xb9, 0x05, 0x00, 0x00, 0x00,             /* 2000: mov ecx, 5 */
		0x31, 0xc0,                               /* 2005: xor eax, eax */
		0x74, 0x7f,                               /* 2007: jz 0x2088 */
	};
	const struct { const uint8_t *code; size_t n; uint32_t limit, at; uint64_t before; } t[] = {
		{ jmp, sizeof(jmp), 0x2fff, 0x2005, 1 },
		{ jz, sizeof(jz), 0x2087, 0x2007, 2 },
	};
	for (unsigned k = 0; k < 2; k++) {
		struct vm v;
		vm_init(&v, 2u << 20);
		vm_flat32(&v, 0x2000);
		idt_hlt(&v, 13);
		vm_load(&v, 0x2000, t[k].code, t[k].n);
		vm_seg(&v, CPU_CS, 0x08, 0, t[k].limit, 0x409b);
		cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
		cr_expect_eq(v.last_vec, 13, "case %u", k);
		cr_expect_eq(v.last_err, 0, "case %u", k);
		cr_expect_eq(mem_read(v.m, 0x9000 - 12, 4), t[k].at, "case %u: EIP of the jump", k);
		cr_expect_eq(vm_reg(&v, CPU_ECX), 5, "case %u", k);
		cr_expect_eq(cpu_icount(v.c), t[k].before + 1, "case %u: the jump did not retire", k);
		vm_fini(&v);
	}
}

/* Paging: 4 KiB pages, A/D bits, #PF error code and CR2 (SDM Vol. 3 §4.7). */
Test(cpu_pm, paging_faults_and_dirty_bits)
{
	struct vm v;
	vm_init(&v, 4u << 20);
	vm_flat32(&v, 0x2000);
	/* Page directory at 0x100000, one table at 0x101000 mapping 0-4 MiB
	 * identically, except 0x400000+ absent and linear 0x5000 read-only/user. */
	identity_paging(&v, 7);
	mem_write(v.m, 0x101000 + 4 * 5, 0x5000 | 5, 4);     /* user, read-only */
	mem_write(v.m, 0x101000 + 4 * 6, 0x7000 | 3, 4);     /* linear 0x6000 -> phys 0x7000 */
	/* mov cr3,0x100000; mov cr0 |= PG|WP; mov byte [0x6000],0x5a; mov al,[0x5000];
	 * mov byte [0x5000],1 (#PF: present, write) */
	static const uint8_t code[] = {
		0xb8, 0x00, 0x00, 0x10, 0x00, 0x0f, 0x22, 0xd8,
		0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x01, 0x80, 0x0f, 0x22, 0xc0,
		0xc6, 0x05, 0x00, 0x60, 0x00, 0x00, 0x5a,
		0xa0, 0x00, 0x50, 0x00, 0x00,
		0xc6, 0x05, 0x00, 0x50, 0x00, 0x00, 0x01,
	};
	vm_load(&v, 0x2000, code, sizeof(code));
	idt_hlt(&v, 14);
	cr_assert_eq(vm_run(&v, 20), CPU_STOP_HLT);
	cr_expect_eq(mem_read(v.m, 0x7000, 1), 0x5a, "linear 0x6000 maps to 0x7000");
	uint32_t pte6 = mem_read(v.m, 0x101000 + 4 * 6, 4);
	cr_expect_eq(pte6 & 0x60, 0x60, "accessed and dirty set");
	uint32_t pte5 = mem_read(v.m, 0x101000 + 4 * 5, 4);
	cr_expect_eq(pte5 & 0x60, 0x20, "read: accessed only");
	cr_expect_eq(v.last_vec, 14);
	cr_expect_eq(v.last_err, 3, "present | write, supervisor");
	cr_expect_eq(vm_reg(&v, CPU_CR2), 0x5000);
	/* Without CR0.WP a supervisor write to a read-only page succeeds. */
	vm_fini(&v);
}

/* The accessed bit of a PTE is set on a walk only: after the guest clears
 * it without INVLPG, a TLB hit leaves it clear. Hashing RAM at a checkpoint
 * (cpu_tlb_drop_write_ptrs) must not change that, or runs with different
 * checkpoint intervals would differ; a real flush (rewriting CR3) does. */
static uint32_t pte_after_stale_hit(int flush_how)
{
	struct vm v;
	vm_init(&v, 4u << 20);
	vm_flat32(&v, 0x2000);
	identity_paging(&v, 3);
	/* paging on; mov al,[0x6000]; and dword [PTE 6],~0x20; mov al,[0x6000]; hlt */
	static const uint8_t code[] = {
		0xb8, 0x00, 0x00, 0x10, 0x00, 0x0f, 0x22, 0xd8,
		0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0,
		0xa0, 0x00, 0x60, 0x00, 0x00,
		0x81, 0x25, 0x18, 0x10, 0x10, 0x00, 0xdf, 0xff, 0xff, 0xff,
		0xa0, 0x00, 0x60, 0x00, 0x00,
		0xf4,
	};
	vm_load(&v, 0x2000, code, sizeof(code));
	cr_assert_eq(vm_run(&v, 7), CPU_STOP_DEADLINE);
	cr_assert_eq(mem_read(v.m, 0x101018, 4) & 0x20, 0, "the guest cleared A");
	if (flush_how == 1)
		cpu_tlb_drop_write_ptrs(v.c);
	else if (flush_how == 2)
		cpu_set_reg(v.c, CPU_CR3, cpu_get_reg(v.c, CPU_CR3));
	else if (flush_how == 3) {
		/* What a snapshot does: save, drop every cache, load. */
		uint8_t tlb[8192];
		cr_assert_leq(cpu_tlb_state_size(), sizeof(tlb));
		cpu_tlb_save(v.c, tlb);
		cpu_flush_caches(v.c);
		cr_assert_eq(cpu_tlb_load(v.c, tlb, cpu_tlb_state_size()), 0);
		tlb[9 * 6] = 0x34;   /* entry 6's tag no longer matches its slot */
		cr_assert_eq(cpu_tlb_load(v.c, tlb, cpu_tlb_state_size()), -1);
		tlb[9 * 6] = 0;
		cr_assert_eq(cpu_tlb_load(v.c, tlb, cpu_tlb_state_size()), 0);
	}
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	uint32_t pte = mem_read(v.m, 0x101018, 4);
	vm_fini(&v);
	return pte;
}

Test(cpu_pm, stale_tlb_entry_survives_a_ram_hash)
{
	cr_expect_eq(pte_after_stale_hit(0) & 0x20, 0, "a TLB hit does not set A");
	cr_expect_eq(pte_after_stale_hit(1) & 0x20, 0, "dropping write pointers keeps the entry");
	cr_expect_eq(pte_after_stale_hit(2) & 0x20, 0x20, "a flush walks again and sets A");
	cr_expect_eq(pte_after_stale_hit(3) & 0x20, 0, "a snapshot keeps the TLB's entries");
}

Test(cpu_pm, paging_not_present_and_invlpg)
{
	struct vm v;
	vm_init(&v, 4u << 20);
	vm_flat32(&v, 0x2000);
	identity_paging(&v, 3);
	mem_write(v.m, 0x101000 + 4 * 10, 0, 4);              /* 0xa000 not present */
	cpu_set_reg(v.c, CPU_CR3, 0x100000);
	cpu_set_reg(v.c, CPU_CR0, 0xe0000011u);
	/* mov eax,[0xa004] */
	static const uint8_t code[] = { 0xa1, 0x04, 0xa0, 0x00, 0x00, 0xf4 };
	vm_load(&v, 0x2000, code, sizeof(code));
	idt_hlt(&v, 14);
	cr_assert_eq(vm_run(&v, 5), CPU_STOP_HLT);
	cr_expect_eq(v.last_vec, 14);
	cr_expect_eq(v.last_err, 0);
	cr_expect_eq(vm_reg(&v, CPU_CR2), 0xa004);
	/* Map it; the guest then changes the PTE itself: the cached translation
	 * stays until INVLPG (SDM Vol. 3 §4.10.4). */
	vm_flat32(&v, 0x2200);
	cpu_set_reg(v.c, CPU_CR3, 0x100000);
	cpu_set_reg(v.c, CPU_CR0, 0xe0000011u);
	mem_write(v.m, 0x101000 + 4 * 10, 0xa000 | 3, 4);
	mem_write(v.m, 0xa004, 0x600d, 4);
	mem_write(v.m, 0xb004, 0xbad, 4);
	static const uint8_t code3[] = {
		0xa1, 0x04, 0xa0, 0x00, 0x00,                          /* mov eax,[0xa004] */
		0x89, 0xc3,                                            /* mov ebx,eax */
		0xc7, 0x05, 0x28, 0x10, 0x10, 0x00, 0x03, 0xb0, 0x00, 0x00, /* pte[10] = 0xb003 */
		0xa1, 0x04, 0xa0, 0x00, 0x00, 0x89, 0xc1,              /* mov eax,[0xa004]; mov ecx,eax */
		0x0f, 0x01, 0x3d, 0x04, 0xa0, 0x00, 0x00,              /* invlpg [0xa004] */
		0xa1, 0x04, 0xa0, 0x00, 0x00, 0xf4 };
	vm_load(&v, 0x2200, code3, sizeof(code3));
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT, "vec %d", v.last_vec);
	cr_expect_eq(vm_reg(&v, CPU_ECX), 0x600d, "stale translation before INVLPG");
	cr_expect_eq(vm_reg(&v, CPU_EBX), 0x600d, "cached translation before INVLPG");
	cr_expect_eq(vm_reg(&v, CPU_EAX), 0xbad, "new translation after INVLPG");
	vm_fini(&v);
}

Test(cpu_pm, pse_4mib_page)
{
	struct vm v;
	vm_init(&v, 8u << 20);
	vm_flat32(&v, 0x2000);
	mem_write(v.m, 0x100000, 0x00000083, 4);   /* 0-4 MiB: 4 MiB page */
	mem_write(v.m, 0x100004, 0x00000083, 4);   /* 4-8 MiB -> 0-4 MiB */
	cpu_set_reg(v.c, CPU_CR3, 0x100000);
	cpu_set_reg(v.c, CPU_CR4, 0x10);
	cpu_set_reg(v.c, CPU_CR0, 0xe0000011u);
	/* mov eax,[0x400800] */
	static const uint8_t code[] = { 0xa1, 0x00, 0x08, 0x40, 0x00, 0xf4 };
	vm_load(&v, 0x2000, code, sizeof(code));
	mem_write(v.m, 0x800, 0x13572468, 4);
	cr_assert_eq(vm_run(&v, 5), CPU_STOP_HLT);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 0x13572468u);
	cr_expect_eq(mem_read(v.m, 0x100004, 4) & 0x20, 0x20, "PDE accessed");
	vm_fini(&v);
}

/* INT from ring 3 through a DPL-3 interrupt gate switches to the ring-0
 * stack from the TSS and IRET returns (SDM Vol. 3 §6.12.1). */
Test(cpu_pm, ring3_interrupt_stack_switch)
{
	struct vm v;
	vm_init(&v, 2u << 20);
	vm_flat32(&v, 0x2000);
	ring3_setup(&v, 0x67);
	static const uint8_t user[] = { 0xcd, 0x40, 0x43, 0xeb, 0xfe };   /* int 0x40; inc ebx; jmp $ */
	static const uint8_t h[] = { 0x41, 0xcf };                        /* inc ecx; iretd */
	vm_load(&v, 0x2500, user, sizeof(user));
	vm_load(&v, 0x3000, h, sizeof(h));
	vm_idt_gate(&v, 0x40, 0x3000);
	mem_write(v.m, 0x1000 + 8 * 0x40 + 5, 0xee, 1);   /* gate DPL 3 */
	vm_run(&v, 9 + 3);
	cr_expect_eq(v.last_vec, 0x40);
	cr_expect_eq(vm_reg(&v, CPU_ECX), 1, "handler ran");
	cr_expect_eq(vm_reg(&v, CPU_EBX), 1, "back in ring 3 after iret");
	struct cpu_segment cs;
	cpu_get_seg(v.c, CPU_CS, &cs);
	cr_expect_eq(cs.selector, 0x2b);
	cr_expect_eq(vm_reg(&v, CPU_ESP), 0x7000);
	/* The ring-0 frame: SS3 ESP3 EFLAGS CS3 EIP. */
	cr_expect_eq(mem_read(v.m, 0x8800 - 4, 4), 0x33);
	cr_expect_eq(mem_read(v.m, 0x8800 - 8, 4), 0x7000);
	cr_expect_eq(mem_read(v.m, 0x8800 - 16, 4), 0x2b);
	cr_expect_eq(mem_read(v.m, 0x8800 - 20, 4), 0x2502);
	vm_fini(&v);
}

static uint32_t io_read(void *o, uint32_t off, int size)
{
	(void)o; (void)size;
	port_log[nports++ & 63] = off;
	return 0x12;
}

/* IN at CPL 3 with IOPL 0 consults the TSS I/O bitmap (SDM Vol. 1 §18.5.2). */
Test(cpu_pm, io_bitmap)
{
	struct vm v;
	vm_init(&v, 2u << 20);
	mem_add_io(v.m, "t", 0x60, 2, 0, io_read, NULL, NULL, 1);
	vm_flat32(&v, 0x2000);
	ring3_setup(&v, 0xff);
	mem_write(v.m, 0x4066, 0x80, 2);            /* bitmap at TSS+0x80 */
	for (int k = 0; k < 16; k++)
		mem_write(v.m, 0x4080 + (uint32_t)k, 0xff, 1);
	mem_write(v.m, 0x408c, 0xfe, 1);            /* port 0x60 allowed, 0x61 not */
	static const uint8_t user[] = { 0xe4, 0x60, 0xe4, 0x61, 0xeb, 0xfe };
	vm_load(&v, 0x2500, user, sizeof(user));
	idt_hlt(&v, 13);
	nports = 0;
	cr_assert_eq(vm_run(&v, 20), CPU_STOP_HLT);
	cr_expect_eq(nports, 1, "only port 0x60 was read");
	cr_expect_eq(vm_reg(&v, CPU_EAX) & 0xff, 0x12);
	cr_expect_eq(v.last_vec, 13);
	cr_expect_eq(mem_read(v.m, 0x8800 - 20, 4), 0x2502, "#GP at the second IN");
	vm_fini(&v);
}

/* IRETD with VM set enters virtual-8086 mode; INT n there (IOPL 3) goes
 * through the IDT to ring 0 with the V86 frame, and the data segment
 * registers are nulled (SDM Vol. 3 §20.3.1, §6.12.1). */
Test(cpu_pm, v86_enter_and_interrupt)
{
	struct vm v;
	vm_init(&v, 2u << 20);
	vm_flat32(&v, 0x2000);
	uint64_t tss = 0x0000890040000067ull;
	mem_write(v.m, 0x800 + 8 * 5, (uint32_t)tss, 4);
	mem_write(v.m, 0x804 + 8 * 5, (uint32_t)(tss >> 32), 4);
	struct cpu_segment gd = { 0, 0, 0x800, 6 * 8 - 1 };
	cpu_set_seg(v.c, CPU_GDTR, &gd);
	mem_write(v.m, 0x4004, 0x8800, 4);   /* ESP0 */
	mem_write(v.m, 0x4008, 0x10, 4);     /* SS0 */
	/* ltr 0x28; push gs fs ds es ss esp eflags(VM|IOPL3) cs eip; iretd */
	static const uint8_t code[] = {
		0x66, 0xb8, 0x28, 0x00, 0x0f, 0x00, 0xd8,
		0x6a, 0x00, 0x6a, 0x00, 0x68, 0x00, 0x03, 0x00, 0x00, 0x6a, 0x00,  /* gs fs ds=0x300 es */
		0x6a, 0x00, 0x68, 0x00, 0x70, 0x00, 0x00,                          /* ss=0 esp=0x7000 */
		0x68, 0x02, 0x30, 0x02, 0x00,                                      /* eflags 0x23002 */
		0x6a, 0x00, 0x68, 0x00, 0x25, 0x00, 0x00,                          /* cs=0 eip=0x2500 */
		0xcf,
	};
	/* V86 code: mov ax,[0x10] (DS=0x300 -> linear 0x3010); int 0x40 */
	static const uint8_t user[] = { 0xa1, 0x10, 0x00, 0xcd, 0x40 };
	vm_load(&v, 0x2000, code, sizeof(code));
	vm_load(&v, 0x2500, user, sizeof(user));
	mem_write(v.m, 0x3010, 0xbeef, 2);
	vm_idt_gate(&v, 0x40, 0x3100);
	mem_write(v.m, 0x1000 + 8 * 0x40 + 5, 0xee, 1);
	mem_write(v.m, 0x3100, 0xf4, 1);
	cr_assert_eq(vm_run(&v, 30), CPU_STOP_HLT, "vec %d eip %x", v.last_vec, vm_reg(&v, CPU_EIP));
	cr_expect_eq(vm_reg(&v, CPU_EAX) & 0xffff, 0xbeef, "V86 segment arithmetic");
	cr_expect_eq(v.last_vec, 0x40);
	cr_expect_eq(vm_reg(&v, CPU_EFLAGS) & 0x20000, 0, "VM cleared in the handler");
	/* Frame on the ring-0 stack: GS FS DS ES SS ESP EFLAGS CS EIP. */
	cr_expect_eq(mem_read(v.m, 0x8800 - 12, 4), 0x300, "DS pushed");
	cr_expect_eq(mem_read(v.m, 0x8800 - 28, 4) & 0x20000, 0x20000, "EFLAGS.VM pushed");
	cr_expect_eq(mem_read(v.m, 0x8800 - 36, 4), 0x2505, "return EIP after INT");
	struct cpu_segment ds;
	cpu_get_seg(v.c, CPU_DS, &ds);
	cr_expect_eq(ds.selector, 0, "DS nulled on exit from V86");
	vm_fini(&v);
}

/* Task-switch fixtures: flat mode at 0x2000; a 32-bit TSS at 0x4000 is GDT
 * entry 5 (0x28), one at 0x4100 of type b_type and limit b_limit is entry 6
 * (0x30); entry 7 (0x38) is spare. */
static void task_vm_init(struct vm *v, uint32_t b_limit, unsigned b_type)
{
	vm_init(v, 2u << 20);
	vm_flat32(v, 0x2000);
	gdt_put(v, 5, tss_desc(0x4000, 0x67, 9));
	gdt_put(v, 6, tss_desc(0x4100, b_limit, b_type));
}

/* A 32-bit TSS at base: EIP, EFLAGS, ESP; CS 0x08, the data segments 0x10. */
static void tss32_put(struct vm *v, uint32_t base, uint32_t eip, uint32_t eflags, uint32_t esp)
{
	mem_write(v->m, base + 0x20, eip, 4);
	mem_write(v->m, base + 0x24, eflags, 4);
	mem_write(v->m, base + 0x38, esp, 4);
	for (int k = 0; k < 6; k++)
		mem_write(v->m, base + 0x48 + 4 * (uint32_t)k, k == 1 ? 0x08 : 0x10, 4);
}

/* The first task's code at 0x2000, the one it switches to at 0x2600; run
 * until a HLT. */
static void run_tasks(struct vm *v, const uint8_t *code, size_t ncode, const uint8_t *taskb,
		      size_t ntaskb, uint64_t budget)
{
	vm_load(v, 0x2000, code, ncode);
	vm_load(v, 0x2600, taskb, ntaskb);
	cr_assert_eq(vm_run(v, budget), CPU_STOP_HLT, "vec %d eip %x", v->last_vec,
		     vm_reg(v, CPU_EIP));
}

/* CALL to a TSS switches tasks (link, NT, busy bits, CR0.TS); IRET with NT
 * returns to the calling task (SDM Vol. 3 §7.3, §7.4). */
Test(cpu_pm, task_switch_call_and_iret)
{
	struct vm v;
	task_vm_init(&v, 0x67, 9);
	/* Task B: EIP 0x2600, EFLAGS 2, ESP 0x7800, CS 0x08, data 0x10. */
	tss32_put(&v, 0x4100, 0x2600, 2, 0x7800);
	static const uint8_t code[] = {
		0x66, 0xb8, 0x28, 0x00, 0x0f, 0x00, 0xd8,        /* ltr 0x28 */
		0xbe, 0x11, 0x00, 0x00, 0x00,                    /* mov esi, 0x11 */
		0x9a, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00,        /* call 0x30:0 */
		0x43, 0xf4 };                                    /* inc ebx; hlt */
	static const uint8_t taskb[] = { 0x41, 0x89, 0xf2, 0xcf };   /* inc ecx; mov edx,esi; iretd */
	run_tasks(&v, code, sizeof(code), taskb, sizeof(taskb), 20);
	cr_expect_eq(v.nints, 0);
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x2c, 4), 1, "task B ran (its saved ECX)");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x30, 4), 0, "task B had its own ESI (saved EDX)");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x20, 4), 0x2604, "task B's saved EIP after IRET");
	cr_expect_eq(mem_read(v.m, 0x4000 + 0x20, 4), 0x2013, "task A's saved EIP after CALL");
	cr_expect_eq(vm_reg(&v, CPU_EBX), 1, "back in task A");
	cr_expect_eq(vm_reg(&v, CPU_ESI), 0x11, "task A's registers restored");
	cr_expect_eq(mem_read(v.m, 0x4100, 2), 0x28, "link field");
	cr_expect_eq(mem_read(v.m, 0x800 + 8 * 6 + 5, 1) & 2, 0, "task B not busy after IRET");
	cr_expect_eq(mem_read(v.m, 0x800 + 8 * 5 + 5, 1) & 2, 2, "task A busy");
	cr_expect(vm_reg(&v, CPU_CR0) & 8, "CR0.TS set by the switch");
	struct cpu_segment tr;
	cpu_get_seg(v.c, CPU_TR, &tr);
	cr_expect_eq(tr.selector, 0x28);
	cr_expect_eq(vm_reg(&v, CPU_EFLAGS) & 0x4000, 0, "NT clear in task A");
	vm_fini(&v);
}

/* A 16-bit TSS (SDM Vol. 3 figure 7-10) at base: IP, FLAGS, AX..DI from
 * regs[0..7], ES CS SS DS from sels[0..3], LDT 0; link 0x5555. */
static void tss16_put(struct vm *v, uint32_t base, uint16_t ip, uint16_t flags,
		      const uint16_t regs[8], const uint16_t sels[4])
{
	mem_write(v->m, base, 0x5555, 2);
	mem_write(v->m, base + 0x0e, ip, 2);
	mem_write(v->m, base + 0x10, flags, 2);
	for (uint32_t k = 0; k < 8; k++)
		mem_write(v->m, base + 0x12 + 2 * k, regs[k], 2);
	for (uint32_t k = 0; k < 4; k++)
		mem_write(v->m, base + 0x22 + 2 * k, sels[k], 2);
	mem_write(v->m, base + 0x2a, 0, 2);
}

/* Task B of the 16-bit tests: 16-bit code 0x18 and data 0x20 (base 0),
 * SP 0x7800, AX..DI = 0x1111 * (n + 1). */
static const uint16_t b16_regs[8] = { 0x1111, 0x2222, 0x3333, 0x4444, 0x7800, 0x6666, 0x7777,
				      0x8888 };
static const uint16_t b16_sels[4] = { 0x20, 0x18, 0x20, 0x20 };

/* task_vm_init with task B a 16-bit TSS of limit b_limit: IP 0x2600, FLAGS
 * flags, the registers and selectors above. */
static void task16_vm_init(struct vm *v, uint32_t b_limit, uint16_t flags)
{
	task_vm_init(v, b_limit, 1);
	tss16_put(v, 0x4100, 0x2600, flags, b16_regs, b16_sels);
}

/* JMP from a 32-bit task to a 16-bit TSS (SDM Vol. 3 §7.3, §7.6): the
 * 16-bit state is loaded with the upper halves of the general registers set
 * to 0xFFFF and those of EIP and EFLAGS cleared, FS/GS null; the old task
 * is saved in the 32-bit layout and loses its busy bit, the new one gets it;
 * JMP leaves the link field and NT alone and sets CR0.TS. */
Test(cpu_pm, task_switch_jmp_32_to_16bit_tss)
{
	struct vm v;
	task16_vm_init(&v, 0x2b, 0x0803);   /* OF, CF */
	mem_write(v.m, 0x4100 + 0x2c, 0xeeeeeeee, 4);   /* past the 16-bit TSS */
	static const uint8_t code[] = {
		0x66, 0xb8, 0x28, 0x00, 0x0f, 0x00, 0xd8,        /* ltr 0x28 */
		0xbe, 0x78, 0x56, 0x34, 0x12,                    /* mov esi, 0x12345678 */
		0xea, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00,        /* jmp 0x30:0 */
	};
	static const uint8_t taskb[] = { 0xf4 };                 /* hlt */
	cpu_set_reg(v.c, CPU_EFLAGS, 0x00040202);                /* AC, IF */
	run_tasks(&v, code, sizeof(code), taskb, sizeof(taskb), 10);
	cr_expect_eq(v.nints, 0);
	static const enum cpu_reg gpr[8] = { CPU_EAX, CPU_ECX, CPU_EDX, CPU_EBX, CPU_ESP, CPU_EBP,
					     CPU_ESI, CPU_EDI };
	for (int k = 0; k < 8; k++)
		cr_expect_eq(vm_reg(&v, gpr[k]), 0xffff0000u | b16_regs[k], "register %d: %08x", k,
			     vm_reg(&v, gpr[k]));
	cr_expect_eq(vm_reg(&v, CPU_EFLAGS), 0x0803, "EFLAGS %08x: upper half cleared, no NT",
		     vm_reg(&v, CPU_EFLAGS));
	struct cpu_segment s;
	cpu_get_seg(v.c, CPU_CS, &s);
	cr_expect_eq(s.selector, 0x18);
	cr_expect_eq(s.attr & 0x4000, 0, "16-bit code");
	cpu_get_seg(v.c, CPU_SS, &s);
	cr_expect_eq(s.selector, 0x20);
	cpu_get_seg(v.c, CPU_FS, &s);
	cr_expect_eq(s.selector, 0, "FS null in a 16-bit task");
	cpu_get_seg(v.c, CPU_GS, &s);
	cr_expect_eq(s.selector, 0, "GS null in a 16-bit task");
	cpu_get_seg(v.c, CPU_TR, &s);
	cr_expect_eq(s.selector, 0x30);
	cr_expect_eq(s.attr & 0xf, 3, "TR caches a busy 16-bit TSS");
	cr_expect_eq(mem_read(v.m, 0x4000 + 0x20, 4), 0x2013, "task A's EIP saved (32-bit layout)");
	cr_expect_eq(mem_read(v.m, 0x4000 + 0x40, 4), 0x12345678, "task A's ESI saved");
	cr_expect_eq(mem_read(v.m, 0x4000 + 0x24, 4), 0x00040202, "task A's EFLAGS saved");
	cr_expect_eq(mem_read(v.m, 0x4000 + 0x58, 2), 0x10, "task A's FS saved");
	cr_expect_eq(mem_read(v.m, 0x800 + 8 * 5 + 5, 1), 0x89, "task A not busy after JMP");
	cr_expect_eq(mem_read(v.m, 0x800 + 8 * 6 + 5, 1), 0x83, "task B busy");
	cr_expect_eq(mem_read(v.m, 0x4100, 2), 0x5555, "JMP leaves the link field");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x2c, 4), 0xeeeeeeeeu, "nothing past the 16-bit TSS");
	cr_expect(vm_reg(&v, CPU_CR0) & 8, "CR0.TS set by the switch");
	vm_fini(&v);
}

/* CALL from a 32-bit task to a 16-bit TSS sets NT and the back link; the
 * 16-bit task's IRET returns to the 32-bit task and saves the 16-bit state
 * (IP, FLAGS with NT cleared, low words of the registers). */
Test(cpu_pm, task_switch_call_16bit_tss_and_iret_back)
{
	struct vm v;
	task16_vm_init(&v, 0x2b, 0x0002);
	static const uint8_t code[] = {
		0x66, 0xb8, 0x28, 0x00, 0x0f, 0x00, 0xd8,        /* ltr 0x28 */
		0xbe, 0x11, 0x00, 0xab, 0x00,                    /* mov esi, 0xab0011 */
		0xb8, 0xdd, 0xcc, 0xbb, 0xaa,                    /* mov eax, 0xaabbccdd */
		0x9a, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00,        /* call 0x30:0 */
		0x43, 0xf4 };                                    /* inc ebx; hlt */
	static const uint8_t taskb[] = {
		0x9c, 0x58, 0xa3, 0x00, 0x30,                    /* pushf; pop ax; mov [0x3000], ax */
		0x41,                                            /* inc cx */
		0x89, 0xf2,                                      /* mov dx, si */
		0xcf };                                          /* iret */
	run_tasks(&v, code, sizeof(code), taskb, sizeof(taskb), 30);
	cr_expect_eq(v.nints, 0);
	cr_expect_eq(mem_read(v.m, 0x3000, 2), 0x4002, "NT set in the called 16-bit task");
	cr_expect_eq(mem_read(v.m, 0x4100, 2), 0x28, "back link to the caller");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x0e, 2), 0x2609, "task B's IP saved by IRET");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x10, 2), 0x0002, "task B's FLAGS saved, NT cleared");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x12, 2), 0x4002, "task B's AX saved");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x14, 2), 0x2223, "task B's CX saved");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x16, 2), 0x7777, "task B's DX (its own SI) saved");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x24, 2), 0x18, "task B's CS saved");
	cr_expect_eq(mem_read(v.m, 0x4000 + 0x20, 4), 0x2018, "task A's EIP saved by CALL");
	cr_expect_eq(vm_reg(&v, CPU_EBX), 1, "back in task A");
	cr_expect_eq(vm_reg(&v, CPU_EAX), 0xaabbccddu, "task A's EAX restored in full");
	cr_expect_eq(vm_reg(&v, CPU_ESI), 0xab0011u);
	cr_expect_eq(vm_reg(&v, CPU_EFLAGS) & 0x4000, 0, "NT clear in task A");
	cr_expect_eq(mem_read(v.m, 0x800 + 8 * 6 + 5, 1), 0x81, "task B not busy after IRET");
	cr_expect_eq(mem_read(v.m, 0x800 + 8 * 5 + 5, 1), 0x8b, "task A busy");
	struct cpu_segment s;
	cpu_get_seg(v.c, CPU_TR, &s);
	cr_expect_eq(s.selector, 0x28);
	cpu_get_seg(v.c, CPU_CS, &s);
	cr_expect_eq(s.selector, 0x08);
	cpu_get_seg(v.c, CPU_FS, &s);
	cr_expect_eq(s.selector, 0x10, "task A's FS restored");
	vm_fini(&v);
}

/* An exception through a task gate to a 16-bit TSS: the switch behaves like
 * a CALL (link, NT, old task stays busy) and the error code is pushed as a
 * word on the new task's stack; the old task's saved EIP is the faulting
 * instruction. */
Test(cpu_pm, task_switch_task_gate_to_16bit_tss_pushes_word_error)
{
	struct vm v;
	task16_vm_init(&v, 0x2b, 0x0002);
	mem_write(v.m, 0x1000 + 8 * 13, 0x00300000u, 4);          /* task gate -> 0x30 */
	mem_write(v.m, 0x1004 + 8 * 13, 0x00008500u, 4);
	static const uint8_t code[] = {
		0x66, 0xb8, 0x28, 0x00, 0x0f, 0x00, 0xd8,        /* ltr 0x28 */
		0x66, 0xb8, 0x34, 0x12,                          /* mov ax, 0x1234 */
		0x8e, 0xd8,                                      /* mov ds, ax: #GP(0x1234) */
		0xf4 };
	static const uint8_t taskb[] = { 0xf4 };
	run_tasks(&v, code, sizeof(code), taskb, sizeof(taskb), 10);
	cr_expect_eq(v.last_vec, 13);
	cr_expect_eq(v.last_err, 0x1234);
	cr_expect_eq(vm_reg(&v, CPU_ESP), 0xffff77feu, "a word pushed on SP 0x7800");
	cr_expect_eq(mem_read(v.m, 0x77fe, 2), 0x1234, "the error code");
	cr_expect_eq(mem_read(v.m, 0x7800 - 4, 2), 0, "only a word");
	cr_expect_eq(vm_reg(&v, CPU_EFLAGS) & 0x4000, 0x4000, "NT set");
	cr_expect_eq(mem_read(v.m, 0x4100, 2), 0x28, "back link");
	cr_expect_eq(mem_read(v.m, 0x4000 + 0x20, 4), 0x200b, "faulting EIP saved");
	cr_expect_eq(mem_read(v.m, 0x800 + 8 * 5 + 5, 1), 0x8b, "task A stays busy");
	cr_expect_eq(mem_read(v.m, 0x800 + 8 * 6 + 5, 1), 0x83, "task B busy");
	vm_fini(&v);
}

/* From a 16-bit task (LTR of a type-1 TSS) to a 32-bit one: the old state
 * goes into the 16-bit layout only (low words), the new one is 32-bit. */
Test(cpu_pm, task_switch_jmp_16bit_to_32bit_tss)
{
	struct vm v;
	task_vm_init(&v, 0x2b, 1);
	for (uint32_t k = 0; k < 0x68; k += 4)
		mem_write(v.m, 0x4100 + k, 0xeeeeeeeeu, 4);
	/* Task B (32-bit TSS at 0x4000): EIP 0x2600, EFLAGS 0x40002 (AC), ESP 0x7800. */
	tss32_put(&v, 0x4000, 0x2600, 0x40002, 0x7800);
	mem_write(v.m, 0x4000 + 0x28, 0xa1b2c3d4u, 4);   /* EAX */
	static const uint8_t code[] = {
		0x66, 0xb8, 0x30, 0x00, 0x0f, 0x00, 0xd8,        /* ltr 0x30 */
		0xb8, 0x78, 0x56, 0x34, 0x12,                    /* mov eax, 0x12345678 */
		0xbf, 0x21, 0x43, 0x65, 0x87,                    /* mov edi, 0x87654321 */
		0xea, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00,        /* jmp 0x28:0 */
	};
	static const uint8_t taskb[] = { 0xf4 };
	run_tasks(&v, code, sizeof(code), taskb, sizeof(taskb), 10);
	cr_expect_eq(v.nints, 0);
	cr_expect_eq(vm_reg(&v, CPU_EAX), 0xa1b2c3d4u, "32-bit task loaded in full");
	cr_expect_eq(vm_reg(&v, CPU_EFLAGS), 0x40002, "EFLAGS loaded in full");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x0e, 2), 0x2018, "old IP");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x10, 2), 0x0002, "old FLAGS");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x12, 2), 0x5678, "old AX (low word)");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x1a, 2), 0x9000, "old SP");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x20, 2), 0x4321, "old DI");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x22, 2), 0x10, "old ES");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x24, 2), 0x08, "old CS");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x28, 2), 0x10, "old DS");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x2a, 2), 0xeeee, "the LDT field is not written");
	cr_expect_eq(mem_read(v.m, 0x4100 + 0x2c, 4), 0xeeeeeeeeu, "nothing past the 16-bit TSS");
	cr_expect_eq(mem_read(v.m, 0x800 + 8 * 6 + 5, 1), 0x81, "old 16-bit task not busy");
	cr_expect_eq(mem_read(v.m, 0x800 + 8 * 5 + 5, 1), 0x8b, "new task busy");
	vm_fini(&v);
}

/* A 16-bit TSS needs a limit of at least 0x2B: 0x2A gives #TS(selector)
 * before anything changes (SDM Vol. 3 §7.3 step 3). */
Test(cpu_pm, task_switch_16bit_tss_limit_too_small)
{
	struct vm v;
	task16_vm_init(&v, 0x2a, 0x0002);
	static const uint8_t code[] = { 0x66, 0xb8, 0x28, 0x00, 0x0f, 0x00, 0xd8,
					0xea, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00 };
	vm_load(&v, 0x2000, code, sizeof(code));
	idt_hlt(&v, 10);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(v.last_vec, 10);
	cr_expect_eq(v.last_err, 0x30);
	cr_expect_eq(mem_read(v.m, 0x9000 - 12, 4), 0x2007, "#TS is a fault on the JMP");
	struct cpu_segment tr;
	cpu_get_seg(v.c, CPU_TR, &tr);
	cr_expect_eq(tr.selector, 0x28, "no switch");
	cr_expect_eq(mem_read(v.m, 0x800 + 8 * 6 + 5, 1), 0x81, "target not busy");
	cr_expect_eq(mem_read(v.m, 0x800 + 8 * 5 + 5, 1), 0x8b, "current task still busy");
	cr_expect_eq(mem_read(v.m, 0x4000 + 0x20, 4), 0, "current task not saved");
	vm_fini(&v);
}
