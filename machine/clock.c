/*
 * machine/clock.c: the virtual clock's event queue (machine/clock.h).
 *
 * Armed timers sit in one singly linked list sorted by (deadline, arming
 * sequence number); a few dozen timers make a list cheaper than a heap and
 * the order never depends on host pointers. Time itself is read from the
 * source the machine provides (the CPU's cycle counter).
 */
#include "machine/clock.h"
#include "machine/state_io.h"

#include <stdlib.h>
#include <string.h>

struct clock_timer {
	struct clock *clock;
	const char *name;
	clock_timer_fn fn;
	void *opaque;
	uint64_t when;
	uint64_t seq;          /* arming order; breaks deadline ties */
	int armed;
	struct clock_timer *next;
	struct clock_timer *all_next; /* every timer of the clock, newest first */
};

struct clock {
	const uint64_t *source;
	uint64_t next_seq;
	struct clock_timer *head;     /* armed timers, earliest first */
	struct clock_timer *all;      /* every timer, armed or not (snapshots) */
	void (*notify)(void *opaque, uint64_t when);
	void *notify_opaque;
};

struct clock *clock_new(const uint64_t *source)
{
	struct clock *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->source = source;
	return c;
}

void clock_free(struct clock *c)
{
	free(c);
}

void clock_set_source(struct clock *c, const uint64_t *source)
{
	c->source = source;
}

uint64_t clock_now(const struct clock *c)
{
	return c->source ? *c->source : 0;
}

void clock_set_deadline_notify(struct clock *c, void (*fn)(void *opaque, uint64_t when),
			       void *opaque)
{
	c->notify = fn;
	c->notify_opaque = opaque;
}

struct clock_timer *clock_timer_new(struct clock *c, const char *name, clock_timer_fn fn,
				    void *opaque)
{
	struct clock_timer *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->clock = c;
	t->name = name ? name : "";
	t->fn = fn;
	t->opaque = opaque;
	t->when = CLOCK_NEVER;
	t->all_next = c->all;
	c->all = t;
	return t;
}

static void clock_unlink(struct clock_timer *t)
{
	struct clock_timer **pp = &t->clock->head;
	if (!t->armed)
		return;
	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	t->next = NULL;
	t->armed = 0;
}

void clock_timer_free(struct clock_timer *t)
{
	if (!t)
		return;
	clock_unlink(t);
	for (struct clock_timer **pp = &t->clock->all; *pp; pp = &(*pp)->all_next)
		if (*pp == t) {
			*pp = t->all_next;
			break;
		}
	free(t);
}

/* Does a fire before b? */
static int clock_before(const struct clock_timer *a, const struct clock_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

void clock_timer_mod(struct clock_timer *t, uint64_t when)
{
	struct clock *c = t->clock;
	struct clock_timer **pp = &c->head;

	clock_unlink(t);
	t->when = when;
	t->seq = c->next_seq++;
	while (*pp && clock_before(*pp, t))
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->armed = 1;
	if (c->head == t && c->notify)
		c->notify(c->notify_opaque, when);
}

void clock_timer_del(struct clock_timer *t)
{
	clock_unlink(t);
	t->when = CLOCK_NEVER;
}

int clock_timer_pending(const struct clock_timer *t)
{
	return t->armed;
}

uint64_t clock_timer_expires(const struct clock_timer *t)
{
	return t->armed ? t->when : CLOCK_NEVER;
}

uint64_t clock_next_deadline(const struct clock *c)
{
	return c->head ? c->head->when : CLOCK_NEVER;
}

int clock_run_due(struct clock *c)
{
	uint64_t now = clock_now(c);
	uint64_t limit = c->next_seq;   /* timers armed from here on wait */
	int fired = 0;

	for (;;) {
		struct clock_timer *t = c->head, **pp = &c->head;
		/* The earliest due timer armed before this call started. Timers
		 * re-armed during the call may sort ahead of it but never match. */
		while (t && t->when <= now && t->seq >= limit) {
			pp = &t->next;
			t = t->next;
		}
		if (!t || t->when > now)
			break;
		*pp = t->next;
		t->next = NULL;
		t->armed = 0;
		t->when = CLOCK_NEVER;
		fired++;
		t->fn(t->opaque);
	}
	return fired;
}

#define CLOCK_STATE_MAX_TIMERS 256
#define CLOCK_NAME_MAX 64

void clock_state_visit(struct clock *c, struct state_io *s)
{
	struct clock_timer *order[CLOCK_STATE_MAX_TIMERS];
	uint64_t when[CLOCK_STATE_MAX_TIMERS];
	uint32_t n = 0;

	state_io_tag(s, "clock");
	if (!state_io_loading(s)) {
		for (struct clock_timer *t = c->head; t; t = t->next)
			n++;
		state_io_u32(s, &n);
		for (struct clock_timer *t = c->head; t; t = t->next) {
			uint8_t len = (uint8_t)strnlen(t->name, CLOCK_NAME_MAX);
			uint64_t w = t->when;
			state_io_u8(s, &len);
			state_io_bytes(s, (void *)t->name, len);
			state_io_u64(s, &w);
		}
		return;
	}
	state_io_u32(s, &n);
	state_io_check(s, n <= CLOCK_STATE_MAX_TIMERS, "number of armed timers");
	for (uint32_t i = 0; i < n && !s->error; i++) {
		char name[CLOCK_NAME_MAX + 1];
		uint8_t len = 0;
		struct clock_timer *found = NULL;
		state_io_u8(s, &len);
		state_io_check(s, len <= CLOCK_NAME_MAX, "timer name");
		if (s->error)
			return;
		state_io_bytes(s, name, len);
		name[len] = 0;
		state_io_u64(s, &when[i]);
		for (struct clock_timer *t = c->all; t; t = t->all_next)
			if (!strcmp(t->name, name))
				found = t;
		state_io_check(s, found != NULL, "timer (no timer of that name)");
		for (uint32_t k = 0; k < i && found; k++)
			state_io_check(s, order[k] != found, "timer (armed twice)");
		state_io_check(s, i == 0 || when[i] >= when[i - 1], "timer order");
		order[i] = found;
	}
	if (s->error)
		return;
	while (c->head)
		clock_timer_del(c->head);
	/* Re-arming in firing order gives increasing sequence numbers, so ties
	 * keep their order. */
	for (uint32_t i = 0; i < n; i++)
		clock_timer_mod(order[i], when[i]);
}
