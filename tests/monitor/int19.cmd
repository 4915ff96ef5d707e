# break int 0x19: SeaBIOS's INT 19h, stopped at the handler named by the IVT.
break int 0x19
info breakpoints
continue
info ivt 0x19
print cs:ip == (word[0x66] << 4) + word[0x64]
info milestones
info breakpoints
