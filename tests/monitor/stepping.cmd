# Stepping through code planted in RAM: one REP iteration per step (like
# icount), `step over-rep` finishes the REP, `next` runs over a CALL.
#   0x1000: f3 a4       rep movsb
#   0x1002: e8 03 00    call 0x1008
#   0x1005: 90 90 90    nop
#   0x1008: 40          inc ax
#   0x1009: c3          ret
set mem/d 0x1000 = 0x03e8a4f3
set mem/d 0x1004 = 0x90909000
set mem/w 0x1008 = 0xc340
set mem/d 0x3000 = 0x44434241
set cs = 0
set ss = 0
set esp = 0x2000
set eip = 0x1000
set esi = 0x3000
set edi = 0x3100
set ecx = 3
set eax = 0
disas cs:ip 6
step
print cx
step
print cx
step over-rep
print cx
x/s 0x3100
next
print ax
print sp
step
step
print ax
lbreak 0x1009
break 0:0x1008
continue
info breakpoints
