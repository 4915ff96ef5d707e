# The first PAM write: after CONFIG_ADDRESS = 0x80000058 (00:00.0 reg 0x58),
# SeaBIOS writes dword 0x33333000 to 0xCFC (PAM0-PAM2: 0xF0000 read/write DRAM).
break io 0xcf8 w if eax == 0x80000058
continue
delete 1
break io 0xcfc w
continue
info pam
info milestones
delete
