# Changes to the guest while recording (`lockstep run --monitor --record T`)
# become INPUT events at their icount; `lockstep replay T` applies them at
# the same icount and verifies every checkpoint. A reset early in POST
# (before SeaBIOS sets HaveRunPost), a debug register and a RAM dword that
# the firmware leaves alone.
run-to icount 50000
reset
run-to icount 100000
set dr0 = 0x1234abcd
set mem/d 0x80000 = 0xdeadbeef
step
print dr0
xp/xw 0x80000
break milestone int19
continue
print dr0
xp/xw 0x80000
info milestones
quit
