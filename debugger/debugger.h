/*
 * debugger/: the readline monitor, breakpoints and watchpoints, the
 * expression parser and the gdb stub. May use every module; nothing includes
 * it. The public interface arrives with issue 8.
 */
#ifndef LS_DEBUGGER_H
#define LS_DEBUGGER_H

#endif
