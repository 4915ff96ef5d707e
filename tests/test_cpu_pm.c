/* tests/test_cpu_pm.c: the x86 core in protected mode: the bench payload in
 * flat 32-bit mode, mode switches and big real mode, IDT delivery with a
 * privilege change, paging with A/D bits and #PF error codes, I/O bitmap. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "tests/cpu_vm.h"
#include "tests/testutil.h"

static uint32_t port_log[64];
static int nports;

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
	vm_idt_gate(&v, 13, 0x3000);
	mem_write(v.m, 0x3000, 0xf4, 1);
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

/* Paging: 4 KiB pages, A/D bits, #PF error code and CR2 (SDM Vol. 3 §4.7). */
Test(cpu_pm, paging_faults_and_dirty_bits)
{
	struct vm v;
	vm_init(&v, 4u << 20);
	vm_flat32(&v, 0x2000);
	/* Page directory at 0x100000, one table at 0x101000 mapping 0-4 MiB
	 * identically, except 0x400000+ absent and linear 0x5000 read-only/user. */
	mem_write(v.m, 0x100000, 0x101000 | 7, 4);
	for (uint32_t k = 0; k < 1024; k++)
		mem_write(v.m, 0x101000 + 4 * k, (k << 12) | 3, 4);
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
	vm_idt_gate(&v, 14, 0x3000);
	mem_write(v.m, 0x3000, 0xf4, 1);
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

Test(cpu_pm, paging_not_present_and_invlpg)
{
	struct vm v;
	vm_init(&v, 4u << 20);
	vm_flat32(&v, 0x2000);
	mem_write(v.m, 0x100000, 0x101000 | 3, 4);
	for (uint32_t k = 0; k < 1024; k++)
		mem_write(v.m, 0x101000 + 4 * k, (k << 12) | 3, 4);
	mem_write(v.m, 0x101000 + 4 * 10, 0, 4);              /* 0xa000 not present */
	cpu_set_reg(v.c, CPU_CR3, 0x100000);
	cpu_set_reg(v.c, CPU_CR0, 0xe0000011u);
	/* mov eax,[0xa004] */
	static const uint8_t code[] = { 0xa1, 0x04, 0xa0, 0x00, 0x00, 0xf4 };
	vm_load(&v, 0x2000, code, sizeof(code));
	vm_idt_gate(&v, 14, 0x3000);
	mem_write(v.m, 0x3000, 0xf4, 1);
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
	/* GDT: add ring-3 code 0x2b (entry 5), ring-3 data 0x33 (6), TSS 0x38 (7). */
	uint64_t g[3] = { 0x00cffa000000ffffull, 0x00cff2000000ffffull,
			  0x0000890040000067ull };   /* TSS at 0x4000, limit 0x67 */
	for (int k = 0; k < 3; k++) {
		mem_write(v.m, 0x800 + 8 * (5 + k), (uint32_t)g[k], 4);
		mem_write(v.m, 0x804 + 8 * (5 + k), (uint32_t)(g[k] >> 32), 4);
	}
	struct cpu_segment gd = { 0, 0, 0x800, 8 * 8 - 1 };
	cpu_set_seg(v.c, CPU_GDTR, &gd);
	mem_write(v.m, 0x4004, 0x8800, 4);   /* ESP0 */
	mem_write(v.m, 0x4008, 0x10, 4);     /* SS0 */
	/* Ring 0: ltr; push ss3, esp3, eflags, cs3, eip3; iretd */
	static const uint8_t code[] = {
		0x66, 0xb8, 0x38, 0x00, 0x0f, 0x00, 0xd8,    /* mov ax,0x38; ltr ax */
		0x6a, 0x33, 0x68, 0x00, 0x70, 0x00, 0x00,    /* push 0x33; push 0x7000 */
		0x6a, 0x02, 0x6a, 0x2b, 0x68, 0x00, 0x25, 0x00, 0x00, /* push 2; push 0x2b; push 0x2500 */
		0xcf,                                        /* iretd */
	};
	static const uint8_t user[] = { 0xcd, 0x40, 0x43, 0xeb, 0xfe };   /* int 0x40; inc ebx; jmp $ */
	static const uint8_t h[] = { 0x41, 0xcf };                        /* inc ecx; iretd */
	vm_load(&v, 0x2000, code, sizeof(code));
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
	uint64_t g[3] = { 0x00cffa000000ffffull, 0x00cff2000000ffffull,
			  0x00008900400000ffull };   /* TSS at 0x4000, limit 0xff */
	for (int k = 0; k < 3; k++) {
		mem_write(v.m, 0x800 + 8 * (5 + k), (uint32_t)g[k], 4);
		mem_write(v.m, 0x804 + 8 * (5 + k), (uint32_t)(g[k] >> 32), 4);
	}
	struct cpu_segment gd = { 0, 0, 0x800, 8 * 8 - 1 };
	cpu_set_seg(v.c, CPU_GDTR, &gd);
	mem_write(v.m, 0x4066, 0x80, 2);            /* bitmap at TSS+0x80 */
	for (int k = 0; k < 16; k++)
		mem_write(v.m, 0x4080 + (uint32_t)k, 0xff, 1);
	mem_write(v.m, 0x408c, 0xfe, 1);            /* port 0x60 allowed, 0x61 not */
	static const uint8_t code[] = {
		0x66, 0xb8, 0x38, 0x00, 0x0f, 0x00, 0xd8,
		0x6a, 0x33, 0x68, 0x00, 0x70, 0x00, 0x00,
		0x6a, 0x02, 0x6a, 0x2b, 0x68, 0x00, 0x25, 0x00, 0x00, 0xcf,
	};
	static const uint8_t user[] = { 0xe4, 0x60, 0xe4, 0x61, 0xeb, 0xfe };
	vm_load(&v, 0x2000, code, sizeof(code));
	vm_load(&v, 0x2500, user, sizeof(user));
	vm_idt_gate(&v, 13, 0x3000);
	mem_write(v.m, 0x3000, 0xf4, 1);
	mem_write(v.m, 0x4004, 0x8800, 4);
	mem_write(v.m, 0x4008, 0x10, 4);
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

/* CALL to a TSS switches tasks (link, NT, busy bits, CR0.TS); IRET with NT
 * returns to the calling task (SDM Vol. 3 §7.3, §7.4). */
Test(cpu_pm, task_switch_call_and_iret)
{
	struct vm v;
	vm_init(&v, 2u << 20);
	vm_flat32(&v, 0x2000);
	uint64_t ta = 0x0000890040000067ull, tb = 0x0000890041000067ull;   /* 0x4000, 0x4100 */
	mem_write(v.m, 0x800 + 8 * 5, (uint32_t)ta, 4);
	mem_write(v.m, 0x804 + 8 * 5, (uint32_t)(ta >> 32), 4);
	mem_write(v.m, 0x800 + 8 * 6, (uint32_t)tb, 4);
	mem_write(v.m, 0x804 + 8 * 6, (uint32_t)(tb >> 32), 4);
	struct cpu_segment gd = { 0, 0, 0x800, 7 * 8 - 1 };
	cpu_set_seg(v.c, CPU_GDTR, &gd);
	/* Task B: EIP 0x2600, EFLAGS 2, ESP 0x7800, CS 0x08, data 0x10. */
	mem_write(v.m, 0x4100 + 0x20, 0x2600, 4);
	mem_write(v.m, 0x4100 + 0x24, 2, 4);
	mem_write(v.m, 0x4100 + 0x38, 0x7800, 4);
	for (int k = 0; k < 6; k++)
		mem_write(v.m, 0x4100 + 0x48 + 4 * (uint32_t)k, k == 1 ? 0x08 : 0x10, 4);
	static const uint8_t code[] = {
		0x66, 0xb8, 0x28, 0x00, 0x0f, 0x00, 0xd8,        /* ltr 0x28 */
		0xbe, 0x11, 0x00, 0x00, 0x00,                    /* mov esi, 0x11 */
		0x9a, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00,        /* call 0x30:0 */
		0x43, 0xf4 };                                    /* inc ebx; hlt */
	static const uint8_t taskb[] = { 0x41, 0x89, 0xf2, 0xcf };   /* inc ecx; mov edx,esi; iretd */
	vm_load(&v, 0x2000, code, sizeof(code));
	vm_load(&v, 0x2600, taskb, sizeof(taskb));
	cr_assert_eq(vm_run(&v, 20), CPU_STOP_HLT, "vec %d eip %x", v.last_vec, vm_reg(&v, CPU_EIP));
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

/* XXX: 16-bit TSSs (types 1/3) are not supported (docs/cpu.md, known gaps):
 * a switch to one raises #GP(selector) instead of switching. */
Test(cpu_pm, task_switch_16bit_tss_unsupported)
{
	struct vm v;
	vm_init(&v, 2u << 20);
	vm_flat32(&v, 0x2000);
	uint64_t ta = 0x0000890040000067ull, tb = 0x000081004100002bull;
	mem_write(v.m, 0x800 + 8 * 5, (uint32_t)ta, 4);
	mem_write(v.m, 0x804 + 8 * 5, (uint32_t)(ta >> 32), 4);
	mem_write(v.m, 0x800 + 8 * 6, (uint32_t)tb, 4);
	mem_write(v.m, 0x804 + 8 * 6, (uint32_t)(tb >> 32), 4);
	struct cpu_segment gd = { 0, 0, 0x800, 7 * 8 - 1 };
	cpu_set_seg(v.c, CPU_GDTR, &gd);
	static const uint8_t code[] = { 0x66, 0xb8, 0x28, 0x00, 0x0f, 0x00, 0xd8,
					0xea, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00 };
	vm_load(&v, 0x2000, code, sizeof(code));
	vm_idt_gate(&v, 13, 0x3000);
	mem_write(v.m, 0x3000, 0xf4, 1);
	cr_assert_eq(vm_run(&v, 10), CPU_STOP_HLT);
	cr_expect_eq(v.last_vec, 13);
	cr_expect_eq(v.last_err, 0x30);
	vm_fini(&v);
}
