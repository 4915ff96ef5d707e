/* tests/test_clock.c: the virtual clock's event queue (machine/clock.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "machine/clock.h"
#include "tests/testutil.h"

struct log {
	char order[64];
	int n;
	struct clock_timer *rearm;     /* re-armed by the 'r' timer */
	uint64_t rearm_at;
	int rearm_left;
};

struct tag {
	struct log *log;
	char id;
};

static void on_fire(void *opaque)
{
	struct tag *t = opaque;
	t->log->order[t->log->n++] = t->id;
	if (t->id == 'r' && t->log->rearm_left > 0) {
		t->log->rearm_left--;
		clock_timer_mod(t->log->rearm, t->log->rearm_at);
	}
}

Test(clock, now_reads_source)
{
	uint64_t now = 5, other = 99;
	struct clock *c = clock_new(&now);
	cr_assert(c);
	cr_expect_eq(clock_now(c), 5);
	now = 1234;
	cr_expect_eq(clock_now(c), 1234);
	clock_set_source(c, &other);
	cr_expect_eq(clock_now(c), 99);
	cr_expect_eq(clock_next_deadline(c), CLOCK_NEVER);
	clock_free(c);
}

Test(clock, deadline_then_arming_order)
{
	uint64_t now = 0;
	struct clock *c = clock_new(&now);
	struct log log = { 0 };
	struct tag ta = { &log, 'a' }, tb = { &log, 'b' }, tc = { &log, 'c' },
		   td = { &log, 'd' };
	struct clock_timer *a = clock_timer_new(c, "a", on_fire, &ta);
	struct clock_timer *b = clock_timer_new(c, "b", on_fire, &tb);
	struct clock_timer *t3 = clock_timer_new(c, "c", on_fire, &tc);
	struct clock_timer *d = clock_timer_new(c, "d", on_fire, &td);

	clock_timer_mod(a, 100);
	clock_timer_mod(b, 50);
	clock_timer_mod(t3, 100);   /* same deadline as a, armed later */
	clock_timer_mod(d, 200);
	cr_expect_eq(clock_next_deadline(c), 50);
	now = 99;
	cr_expect_eq(clock_run_due(c), 1);
	cr_expect_eq(clock_next_deadline(c), 100);
	now = 150;
	cr_expect_eq(clock_run_due(c), 2);
	cr_expect_eq(clock_timer_pending(d), 1);
	cr_expect_eq(clock_timer_pending(a), 0);
	cr_expect_eq(clock_timer_expires(a), CLOCK_NEVER);
	cr_expect_eq(clock_timer_expires(d), 200);
	log.order[log.n] = 0;
	cr_expect_str_eq(log.order, "bac");

	/* Re-arming moves a timer to the back of its deadline's queue. */
	clock_timer_mod(a, 300);
	clock_timer_mod(b, 300);
	clock_timer_mod(a, 300);
	clock_timer_del(d);
	cr_expect_eq(clock_timer_pending(d), 0);
	now = 1000;
	cr_expect_eq(clock_run_due(c), 2);
	log.order[log.n] = 0;
	cr_expect_str_eq(log.order, "bacba");
	cr_expect_eq(clock_next_deadline(c), CLOCK_NEVER);

	clock_timer_free(a);
	clock_timer_free(b);
	clock_timer_free(t3);
	clock_timer_free(d);
	clock_free(c);
}

Test(clock, rearm_inside_callback)
{
	uint64_t now = 0;
	struct clock *c = clock_new(&now);
	struct log log = { 0 };
	struct tag tr = { &log, 'r' }, tx = { &log, 'x' };
	struct clock_timer *r = clock_timer_new(c, "r", on_fire, &tr);
	struct clock_timer *x = clock_timer_new(c, "x", on_fire, &tx);

	log.rearm = r;
	log.rearm_at = 10;          /* already due when re-armed at now=20 */
	log.rearm_left = 1;
	clock_timer_mod(r, 5);
	clock_timer_mod(x, 15);
	now = 20;
	/* r fires, re-arms itself at 10 (past): it waits for the next call;
	 * x, armed before the call, still fires in this one. */
	cr_expect_eq(clock_run_due(c), 2);
	log.order[log.n] = 0;
	cr_expect_str_eq(log.order, "rx");
	cr_expect_eq(clock_next_deadline(c), 10);
	cr_expect_eq(clock_run_due(c), 1);
	log.order[log.n] = 0;
	cr_expect_str_eq(log.order, "rxr");
	cr_expect_eq(clock_run_due(c), 0);

	/* A re-arm into the future fires when its time comes. */
	log.rearm_at = 40;
	log.rearm_left = 1;
	clock_timer_mod(r, 30);
	now = 35;
	cr_expect_eq(clock_run_due(c), 1);
	cr_expect_eq(clock_next_deadline(c), 40);
	now = 40;
	cr_expect_eq(clock_run_due(c), 1);
	clock_timer_free(r);
	clock_timer_free(x);
	clock_free(c);
}

struct notes {
	uint64_t last;
	int calls;
};

static void on_notify(void *opaque, uint64_t when)
{
	struct notes *n = opaque;
	n->last = when;
	n->calls++;
}

static void on_nothing(void *opaque)
{
	(void)opaque;
}

Test(clock, notify_when_earliest_moves_earlier)
{
	uint64_t now = 0;
	struct clock *c = clock_new(&now);
	struct notes n = { 0 };
	struct clock_timer *a = clock_timer_new(c, "a", on_nothing, NULL);
	struct clock_timer *b = clock_timer_new(c, "b", on_nothing, NULL);
	clock_set_deadline_notify(c, on_notify, &n);
	clock_timer_mod(a, 500);
	cr_expect_eq(n.calls, 1);
	cr_expect_eq(n.last, 500);
	clock_timer_mod(b, 900);        /* later: no notification needed */
	cr_expect_eq(n.calls, 1);
	clock_timer_mod(b, 100);
	cr_expect_eq(n.calls, 2);
	cr_expect_eq(n.last, 100);
	clock_timer_free(a);
	clock_timer_free(b);        /* freeing an armed timer unlinks it */
	cr_expect_eq(clock_next_deadline(c), CLOCK_NEVER);
	clock_free(c);
}

Test(clock, state_saves_armed_timers_in_firing_order)
{
	uint64_t now = 0;
	static const char *names[] = { "pit", "rtc", "uart", "ide" };
	struct clock *c = clock_new(&now), *c2 = clock_new(&now);
	struct log log = { 0 }, log2 = { 0 };
	struct tag tags[4], tags2[4];
	struct clock_timer *t[4], *t2[4];
	for (int i = 0; i < 4; i++) {
		tags[i] = (struct tag){ &log, names[i][0] };
		tags2[i] = (struct tag){ &log2, names[i][0] };
		t[i] = clock_timer_new(c, names[i], on_fire, &tags[i]);
		t2[i] = clock_timer_new(c2, names[i], on_fire, &tags2[i]);
	}
	clock_timer_mod(t[3], 0x100);              /* ide, then pit at the same time */
	clock_timer_mod(t[0], 0x100);
	clock_timer_mod(t[1], 0x10);
	struct tu_state a = TU_STATE_SAVE(clock_state_visit, c), b;

	/* The other clock has its own arming: loading replaces it. */
	clock_timer_mod(t2[2], 5);
	clock_timer_mod(t2[0], 0x100);
	clock_timer_mod(t2[3], 0x100);
	cr_assert_eq(TU_STATE_LOAD(clock_state_visit, c2, &a), 0);
	cr_expect(TU_STATE_SAVES_AS(clock_state_visit, c2, &a));
	cr_expect_eq(clock_next_deadline(c2), 0x10);
	cr_expect_not(clock_timer_pending(t2[2]));
	now = 0x100;
	clock_run_due(c2);
	cr_expect_eq(log2.n, 3);
	cr_expect(memcmp(log2.order, "rip", 3) == 0, "fired %.*s", log2.n, log2.order);

	/* A deadline is state. */
	clock_timer_mod(t[0], 0x200);
	b = TU_STATE_SAVE(clock_state_visit, c);
	cr_expect(!tu_state_eq(&a, &b));
	tu_state_free(&a);
	tu_state_free(&b);
	for (int i = 0; i < 4; i++) {
		clock_timer_free(t[i]);
		clock_timer_free(t2[i]);
	}
	clock_free(c);
	clock_free(c2);
}
