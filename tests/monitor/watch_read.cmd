# Read watchpoints. SeaBIOS reads HaveRunPost (phys 0xf6f28, see watch.cmd)
# at its POST entry (cmpl $0, %cs:HaveRunPost at f000:e05b) and again in
# 32-bit code once it runs from shadow RAM. The monitor's own reads (xp) do
# not count, and watching reads changes nothing the guest does: the
# milestones keep the icounts of an unwatched boot (int19.out).
watch 0xf6f28 4 r
continue
xp/xw 0xf6f28
continue
info breakpoints
delete 1
break milestone int19
continue
info milestones
