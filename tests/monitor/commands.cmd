# Errors, help, expressions, modification, stepping forms.
help step
frobnicate
print 1 +
print (1 + 2) * 3 == 9 && !0
print 0f000h:0fff0h
print ax + al + ah
print 7 / 0
set eax = 0x12345678
set al = 0x9a
set ah = 0x100
print eax
set mem/d 0x500 = 0xdeadbeef
xp/4xb 0x500
xp/2xh 0x500
xp/xw 0x500
x/1dw 0x500
set mem 0xfffffff0 = 1
set mem 0xfee00000 = 1
watch 0x500 4 x
break milestone nowhere
break int 0x100
lbreak 0x7c00 if eax == 
lbreak 0x7c00
break 0x7c0:0
break io 0x60-0x64 r
break mode
disable 2 3
condition 4 eax == 1
ignore 1 2
info breakpoints
delete 2 3 4 5 6
delete 99
reverse-step
run-to icount 0
run-to icount 10
step 5
next
info breakpoints
quit 3
