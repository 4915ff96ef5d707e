# debugger/: see debugger/debugger.h for the module's public interface.
liblockstep_a_SOURCES += debugger/debugger.h
