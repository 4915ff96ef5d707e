# mem/: see mem/mem.h for the module's public interface.
liblockstep_a_SOURCES += mem/mem.h mem/firmware.h mem/firmware.c
