/* tests/fake_clock.h: run a device's timers on a fake clock, as the machine loop would. */
#ifndef LS_TESTS_FAKE_CLOCK_H
#define LS_TESTS_FAKE_CLOCK_H

#include <stdint.h>

#include "machine/clock.h"

/* Fire every timer due up to `until`, moving *now (the clock's source) to each
 * deadline in turn (never backwards), then to `until`. Returns 0, or -1 when
 * timers kept re-arming without time moving on (a broken model), so a test
 * fails instead of hanging. */
static inline int fake_clock_run(struct clock *clk, uint64_t *now, uint64_t until)
{
	for (int guard = 0; guard < 10000; guard++) {
		uint64_t next = clock_next_deadline(clk);
		if (next > until) {
			*now = until;
			return 0;
		}
		if (next > *now)
			*now = next;
		clock_run_due(clk);
	}
	return -1;
}

#endif
