/* replay/trace_pipe.c: batches of events for a trace writer, written by a
 * worker thread or inline (replay/trace_pipe.h). */
#include "replay/trace_pipe.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Three slots of 512 events, which the worker looks for every
 * PIPE_POLL_NS while batches keep coming. Waking it for each cost the
 * machine's thread 10-20 us a batch on a VM (and the scheduler liked to
 * run the woken worker on the waker's CPU); a boot's 56 batches took
 * 1 ms that way. The caller wakes it only to wait for it (a full pipe, a
 * sync, the end), or after PIPE_IDLE_POLLS empty looks (an idle monitor
 * prompt, say), when it sleeps until woken. A frame's
 * compression, or a burst of port I/O around mode switches, fits in the
 * slack without the caller waiting. The slots' pages are touched only as
 * they fill.
 */
#define PIPE_SLOTS 3
#define PIPE_EVENTS 512
#define PIPE_DATA 8192
#define PIPE_POLL_NS 200000
#define PIPE_IDLE_POLLS 50

struct slot {
	struct trace_event ev[PIPE_EVENTS];
	uint8_t data[PIPE_DATA];       /* the events' bytes, copied */
	size_t n, ndata;
	int busy;                      /* handed to the worker, not written yet */
	int err;                       /* the writer's error after this batch */
};

struct trace_pipe {
	struct trace_writer *w;
	unsigned fill;                 /* the slot being filled */
	int err;                       /* first error the caller has seen */
	int threaded;
	pthread_t thread;
	/* Under mu: every slot's busy and err, and these. */
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	unsigned take;                 /* the next slot the worker writes */
	unsigned nbusy;
	int quit;
	int sleeping;                  /* the worker waits for work (signal it) */
	int waiting;                   /* the caller waits for done (signal it) */
	struct slot slots[PIPE_SLOTS];
};

static int write_batch(struct trace_writer *w, struct slot *s)
{
	int e = 0;

	for (size_t i = 0; i < s->n && !e; i++)
		e = trace_write_event(w, &s->ev[i]);
	return e;
}

/* Under mu: wait on work for PIPE_POLL_NS (CLOCK_MONOTONIC; the worker's
 * pace only, never the machine's). */
static void poll_wait(struct trace_pipe *p)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_nsec += PIPE_POLL_NS;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&p->work, &p->mu, &t);
}

static void *worker(void *arg)
{
	struct trace_pipe *p = arg;
	int idle = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct slot *s = &p->slots[p->take];
		int e;

		if (!s->busy) {
			if (p->quit)
				break;
			if (idle < PIPE_IDLE_POLLS) {
				idle++;
				poll_wait(p);
			} else {
				p->sleeping = 1;
				pthread_cond_wait(&p->work, &p->mu);
				p->sleeping = 0;
			}
			continue;
		}
		idle = 0;
		pthread_mutex_unlock(&p->mu);
		e = write_batch(p->w, s);
		pthread_mutex_lock(&p->mu);
		s->err = e;
		s->busy = 0;
		p->nbusy--;
		p->take = (p->take + 1) % PIPE_SLOTS;
		if (p->waiting)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Under mu: the caller waits until the worker has written slot s (or, with
 * s NULL, every slot). */
static void wait_done(struct trace_pipe *p, const struct slot *s)
{
	while (s ? s->busy : p->nbusy != 0) {
		pthread_cond_signal(&p->work);   /* now, not at its next look */
		p->waiting = 1;
		pthread_cond_wait(&p->done, &p->mu);
		p->waiting = 0;
	}
}

static void note(struct trace_pipe *p, int e)
{
	if (e && !p->err)
		p->err = e;
}

/* Hand the slot being filled to the writer and make the next one ready:
 * inline, the batch is written now; threaded, the next slot may still be
 * on its way (wait), and its batch's error comes back here. */
static int hand_over(struct trace_pipe *p)
{
	struct slot *s = &p->slots[p->fill];

	if (!s->n)
		return p->err;
	if (!p->threaded) {
		note(p, write_batch(p->w, s));
		s->n = s->ndata = 0;
		return p->err;
	}
	pthread_mutex_lock(&p->mu);
	s->busy = 1;
	p->nbusy++;
	if (p->sleeping)
		pthread_cond_signal(&p->work);
	p->fill = (p->fill + 1) % PIPE_SLOTS;
	s = &p->slots[p->fill];
	wait_done(p, s);
	note(p, s->err);
	pthread_mutex_unlock(&p->mu);
	s->n = s->ndata = 0;
	return p->err;
}

int trace_pipe_sync(struct trace_pipe *p)
{
	hand_over(p);
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		wait_done(p, NULL);
		for (int i = 0; i < PIPE_SLOTS; i++)
			note(p, p->slots[i].err);
		pthread_mutex_unlock(&p->mu);
	}
	return p->err;
}

int trace_pipe_put(struct trace_pipe *p, const struct trace_event *ev)
{
	struct slot *s = &p->slots[p->fill];
	size_t len = trace_event_data_len(ev);
	struct trace_event *q;

	if (p->err)
		return p->err;
	if (s->n == PIPE_EVENTS || len > PIPE_DATA - s->ndata) {
		if (len > PIPE_DATA) {
			/* More bytes than a batch holds: written here, after
			 * everything queued (the worker is idle after a sync). */
			if (!trace_pipe_sync(p))
				note(p, trace_write_event(p->w, ev));
			return p->err;
		}
		if (hand_over(p))
			return p->err;
		s = &p->slots[p->fill];
	}
	q = &s->ev[s->n++];
	*q = *ev;
	if (len) {
		uint8_t *d = s->data + s->ndata;

		if (ev->kind == TRACE_EV_INPUT) {
			memcpy(d, ev->u.input.data, len);
			q->u.input.data = d;
		} else {
			memcpy(d, ev->u.out.data, len);
			q->u.out.data = d;
		}
		s->ndata += len;
	}
	return 0;
}

/* The worker takes no signals: SIGINT and SIGTERM stay with the thread that
 * runs the machine, which stops the run on them. */
static int start_thread(struct trace_pipe *p)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int r;

	if (pthread_mutex_init(&p->mu, NULL))
		return -1;
	if (pthread_condattr_init(&ca))
		goto no_work;
	r = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) || pthread_cond_init(&p->work, &ca);
	pthread_condattr_destroy(&ca);
	if (r)
		goto no_work;
	if (pthread_cond_init(&p->done, NULL))
		goto no_done;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&p->thread, NULL, worker, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!r)
		return 0;
	pthread_cond_destroy(&p->done);
no_done:
	pthread_cond_destroy(&p->work);
no_work:
	pthread_mutex_destroy(&p->mu);
	return -1;
}

struct trace_pipe *trace_pipe_new(struct trace_writer *w, enum trace_pipe_mode mode)
{
	struct trace_pipe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->w = w;
	if (mode == TRACE_PIPE_AUTO)
		mode = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? TRACE_PIPE_THREAD : TRACE_PIPE_INLINE;
	if (mode == TRACE_PIPE_THREAD && !start_thread(p))
		p->threaded = 1;
	return p;
}

int trace_pipe_threaded(const struct trace_pipe *p)
{
	return p->threaded;
}

void trace_pipe_free(struct trace_pipe *p)
{
	if (!p)
		return;
	trace_pipe_sync(p);
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		p->quit = 1;
		pthread_cond_signal(&p->work);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
		pthread_cond_destroy(&p->done);
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->mu);
	}
	free(p);
}
