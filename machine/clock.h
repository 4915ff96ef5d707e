/*
 * machine/clock.h: the virtual clock and its event queue (DESIGN.md §2).
 *
 * Virtual time is integer nanoseconds derived from the CPU's cycle counter
 * (1 cycle = 1 ns at the nominal 1 GHz). The clock never reads host time.
 * Devices schedule timers at absolute virtual times; the machine runs the CPU
 * until the earliest deadline, then calls clock_run_due(). Timers due at the
 * same time fire in the order they were armed (a sequence number breaks
 * ties), so the order never depends on host pointers.
 */
#ifndef LS_MACHINE_CLOCK_H
#define LS_MACHINE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define CLOCK_NEVER UINT64_MAX

struct clock;
struct clock_timer;

typedef void (*clock_timer_fn)(void *opaque);

/* A clock reading time from *source (the CPU's cycle counter, or a test's
 * plain variable). Returns NULL on allocation failure. Free every timer
 * before the clock that owns it. */
struct clock *clock_new(const uint64_t *source);
void clock_free(struct clock *c);
/* Point the clock at another source (the CPU is created after the devices). */
void clock_set_source(struct clock *c, const uint64_t *source);

/* Current virtual time in ns. */
uint64_t clock_now(const struct clock *c);

/* Called whenever the earliest deadline may have moved earlier (the machine
 * lowers the CPU's cycle limit). */
void clock_set_deadline_notify(struct clock *c, void (*fn)(void *opaque, uint64_t when),
			       void *opaque);

struct clock_timer *clock_timer_new(struct clock *c, const char *name, clock_timer_fn fn,
				    void *opaque);
void clock_timer_free(struct clock_timer *t);
/* Arm (or re-arm) to fire at absolute time `when` (ns). A time in the past
 * fires at the next clock_run_due(). */
void clock_timer_mod(struct clock_timer *t, uint64_t when);
void clock_timer_del(struct clock_timer *t);
int clock_timer_pending(const struct clock_timer *t);
uint64_t clock_timer_expires(const struct clock_timer *t);

/* Earliest armed deadline, or CLOCK_NEVER. */
uint64_t clock_next_deadline(const struct clock *c);
/* Fire every timer whose deadline is <= now, in deadline then arming order.
 * Callbacks may re-arm timers. Returns the number fired. */
int clock_run_due(struct clock *c);

/* Timers armed while clock_run_due() runs (by its callbacks) with a deadline
 * already due wait for the next clock_run_due(), so a callback that re-arms
 * itself in the past cannot loop forever inside one call. */

struct state_io;
/* Snapshot state (machine/state_io.h): the armed timers in firing order, by
 * name and deadline. Loading finds each timer by name among every timer of
 * the clock (names must be unique), disarms the rest and re-arms these in
 * order, so deadline ties fire in the saved order. Time itself is the CPU's. */
void clock_state_visit(struct clock *c, struct state_io *s);

#endif
