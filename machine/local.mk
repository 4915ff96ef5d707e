# machine/: see machine/machine.h for the module's public interface.
liblockstep_a_SOURCES += machine/machine.h machine/config.h machine/config.c
