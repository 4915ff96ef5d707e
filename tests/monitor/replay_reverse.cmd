# Reverse execution on a recorded SeaBIOS boot to the MBR (the test records
# it with `lockstep run --record T --until mbr`, then runs this script with
# `lockstep replay T --monitor`). Every `info hashes` line prints the
# CHECKPOINT hashes (CPU, RAM, devices); the test checks that every icount
# visited twice has the same hashes, and shows them as labels (#1, #2...).
when
# The recording stored keyframes every 2500000 instructions (TRACE.keys):
# the first trip starts from the one at 5000000, the second (below) from a
# snapshot the session took on its way forward.
goto icount 5500000
info hashes
goto icount 0
break milestone mbr
continue
when
info hashes
# After a recorded boot, reverse-step returns exactly the previous
# instruction's state: the forward state one instruction before the MBR,
# then one step to the MBR and one back.
delete
goto icount 0
run-to icount 7056684
info hashes
step
info hashes
reverse-step
info hashes
when
# step vs. step; step; reverse-step
step
step
reverse-step
info hashes
# goto icount N vs. a forward run-to icount N
goto icount 1000
run-to icount 2500000
info hashes
goto icount 6000000
goto icount 2500000
info hashes
reverse-step 2
run-to icount 2500000
info hashes
# reverse-continue: back to the last hit before the current icount
break int 0x19
watch 0xf6f28 4
goto icount 7056685
reverse-continue
info hashes
when
reverse-continue
when
reverse-continue
delete
reverse-continue
# forward again from the start: the same int19 state
break int 0x19
continue
info hashes
goto icount 5500000
info hashes
# the replay's guest state is read-only; the end of the trace stops it
set eax = 1
set mem 0x500 = 1
reset
delete
continue
goto icount 7056686
# Ignore counts apply going back as they do forward: every hit met counts,
# and the next COUNT hits are passed over (here the int19 hit at 7033242
# and the write at 3899246).
break int 0x19
watch 0xf6f28 4
ignore 5 1
ignore 6 1
reverse-continue
info breakpoints
# reverse-step N stops at a breakpoint on the way back, as step N does
# forward; without one on the way it goes back N. goto does not stop.
goto icount 200000
reverse-step 100000
reverse-step 100000
goto icount 7056685
info breakpoints
