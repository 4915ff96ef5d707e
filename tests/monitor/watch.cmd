# SeaBIOS's HaveRunPost (romlayout.S entry_post: cmpl $0, %cs:HaveRunPost) is
# the dword at CS:0x6f28 = phys 0xf6f28 in this build: disassemble the POST
# entry to find it, then watch it change from 0 to 1 during POST.
disas 0xfe05b 2
xp/xw 0xf6f28
watch 0xf6f28 4
continue
xp/xw 0xf6f28
info breakpoints
