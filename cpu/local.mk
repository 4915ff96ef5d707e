# cpu/: see cpu/cpu.h for the module's public interface.
liblockstep_a_SOURCES += cpu/cpu.h
