# break mode stops after each real/protected transition (SeaBIOS enters
# 32-bit protected mode for POST and comes back for 16-bit services);
# milestones stop where the machine recognises them.
break mode
continue
info gdt
x/2i cs:eip
disas/32 0xfd0c3 2
continue
delete
break milestone pam-lock
continue
info milestones
info tlb
info idt
