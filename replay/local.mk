# replay/: see replay/replay.h for the module's public interface.
liblockstep_a_SOURCES += replay/replay.h
