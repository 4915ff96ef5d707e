# At power-on the monitor stops at the reset vector: CS=F000 with the
# descriptor cache base FFFF0000, IP=FFF0, linear FFFFFFF0 (the high ROM alias).
regs
print cs:ip
print cs
print ip
x/16xb cs:ip
x/2i cs:ip
xp/4xb 0xffff0
xp/4xb 0xfffffff0
step
print cs:ip == 0xfe05b
step over-rep
