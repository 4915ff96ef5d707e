# tests/guests/reset.img resets through 0xCF9; break 0xffff0 (the low alias of
# the BIOS's last bytes) hits again at the fetch from 0xFFFFFFF0 after it.
break 0xffff0
continue
info milestones
delete
continue
