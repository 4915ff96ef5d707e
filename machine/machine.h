/*
 * machine/: the PC. struct machine owns the cpu, mem, every device, the
 * virtual clock and its event queue; the board file wires them together.
 * The public interface grows with issue 5; see machine/config.h for the
 * configuration it is built from.
 */
#ifndef LS_MACHINE_H
#define LS_MACHINE_H

#include "machine/config.h"

#endif
