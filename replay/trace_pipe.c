/* replay/trace_pipe.c: batches of events for a trace writer, written by a
 * worker thread or inline (replay/trace_pipe.h). */
#include "replay/trace_pipe.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/*
 * Six slots of 256 events (at most; fewer when large ones fill them). The
 * recorder also hands a slot over at each checkpoint once it holds
 * PIPE_FLUSH_MIN events (trace_pipe_flush), so the worker keeps up in
 * small steps and little is left at the end. The worker looks for batches
 * every PIPE_POLL_NS to PIPE_POLL_MAX_NS, as often as they come (a SeaBIOS
 * boot makes one every half millisecond, a CPU-bound guest one every few),
 * and sleeps until woken after PIPE_IDLE_POLLS empty looks (an idle
 * monitor prompt, say). Waking it for each batch cost the machine's thread
 * 10-20 us a batch on a VM (and the scheduler liked to run the woken
 * worker on the waker's CPU): the caller wakes it only from that sleep,
 * when half the slots wait (a burst after a quiet stretch; a woken worker
 * took 0.15 ms to start), or to wait for it (a full pipe, a sync, the
 * end), and writes a batch itself rather than wait for a worker that is
 * not writing. The slots' pages are mapped at once.
 */
#define PIPE_SLOTS 6
#define PIPE_EVENTS 256
#define PIPE_DATA 4096
#define PIPE_FLUSH_MIN 64
#define PIPE_POLL_NS 200000L
#define PIPE_POLL_MAX_NS 6400000L
#define PIPE_IDLE_POLLS 20
#define PIPE_STACK (512 * 1024)

/*
 * A batch holds each event's kind, icount and its kind's fields only (an
 * IO event 48 bytes, a mode switch 24, not the 96 of the whole struct):
 * the machine's thread writes every byte of a batch, which the worker
 * then reads on another CPU, so fewer bytes mean fewer cache lines moved
 * between the two.
 */
#define REC_ALIGN 8
#define REC_SIZE(member) \
	((offsetof(struct trace_event, u) + sizeof(((struct trace_event *)0)->u.member) + \
	  REC_ALIGN - 1) / REC_ALIGN * REC_ALIGN)
static const uint8_t rec_size[TRACE_EV_KIND_END] = {
	[TRACE_EV_ROM_LOAD] = REC_SIZE(rom_load),
	[TRACE_EV_ROM_RESET] = REC_SIZE(rom_reset),
	[TRACE_EV_PAM] = REC_SIZE(pam),
	[TRACE_EV_SMRAM] = REC_SIZE(smram),
	[TRACE_EV_SYSTEM_RESET] = REC_SIZE(system_reset),
	[TRACE_EV_CPU_MODE] = REC_SIZE(cpu_mode),
	[TRACE_EV_INTERRUPT] = REC_SIZE(interrupt),
	[TRACE_EV_IO] = REC_SIZE(io),
	[TRACE_EV_DEBUG_OUT] = REC_SIZE(out),
	[TRACE_EV_SERIAL_OUT] = REC_SIZE(out),
	[TRACE_EV_INPUT] = REC_SIZE(input),
	[TRACE_EV_MILESTONE] = REC_SIZE(milestone),
	[TRACE_EV_CHECKPOINT] = sizeof(struct trace_event),
	[TRACE_EV_SMM] = REC_SIZE(smm),
};
#define PIPE_REC_BYTES (PIPE_EVENTS * 48)

struct slot {
	uint8_t rec[PIPE_REC_BYTES];   /* the events, rec_size[kind] bytes each */
	uint8_t data[PIPE_DATA];       /* their bytes, copied */
	size_t used, ndata, n;
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
	int polling;                   /* the worker waits until its next look */
	int writing;                   /* a batch is being written (by either thread) */
	int detached;                  /* the caller left: the worker frees the pipe */
	int waiting;                   /* the caller waits for done (signal it) */
	unsigned nslots;               /* PIPE_SLOTS when a thread was wanted, else 1 */
	int (*begin)(void *opaque);    /* the worker's first job */
	void *begin_opaque;
	int begin_err;                 /* under mu */
	int begun;                     /* under mu: begin has returned */
	struct slot *slots;            /* mapped with their pages in place */
};

/* A slot to fill from the start. */
static void slot_clear(struct slot *s)
{
	s->n = s->used = s->ndata = 0;
}

static int write_batch(struct trace_writer *w, struct slot *s)
{
	struct trace_event ev;
	size_t off = 0;
	int e = 0;

	for (size_t i = 0; i < s->n && !e; i++) {
		size_t size;

		memcpy(&ev.kind, s->rec + off, sizeof(ev.kind));
		size = rec_size[ev.kind];
		memcpy(&ev, s->rec + off, size);
		off += size;
		e = trace_write_event(w, &ev);
	}
	return e;
}

/* Under mu: wait on work for ns nanoseconds (CLOCK_MONOTONIC: the
 * worker's pace only, never the machine's). */
static void poll_wait(struct trace_pipe *p, long ns)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ns / 1000000000L;
	t.tv_nsec += ns % 1000000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&p->work, &p->mu, &t);
}

/* The pipe's memory, and with a thread its lock and conditions. */
static void pipe_release(struct trace_pipe *p)
{
	if (p->threaded) {
		pthread_cond_destroy(&p->done);
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->mu);
	}
	munmap(p->slots, p->nslots * sizeof(struct slot));
	free(p);
}

/* Under mu, the oldest batch waiting and nobody writing: write it (the
 * lock let go meanwhile), by whichever thread comes first. */
static void write_oldest(struct trace_pipe *p)
{
	struct slot *s = &p->slots[p->take];
	int e;

	p->writing = 1;
	pthread_mutex_unlock(&p->mu);
	e = write_batch(p->w, s);
	pthread_mutex_lock(&p->mu);
	s->err = e;
	s->busy = 0;
	p->nbusy--;
	p->take = (p->take + 1) % p->nslots;
	p->writing = 0;
	if (p->waiting)
		pthread_cond_signal(&p->done);
}

/* Under mu: the caller waits until slot s is written (or, with s NULL,
 * every slot, and the worker is past begin). When the worker is not
 * writing (waiting for its next look, or not running at all: a VM's
 * other CPU may be busy elsewhere), the caller writes the oldest batch
 * itself rather than wait for the worker to wake. */
static void wait_done(struct trace_pipe *p, const struct slot *s)
{
	while (s ? s->busy : p->nbusy != 0 || !p->begun) {
		if (p->begun && !p->writing && p->nbusy) {
			write_oldest(p);
			continue;
		}
		pthread_cond_signal(&p->work);   /* now, not at its next look */
		p->waiting = 1;
		pthread_cond_wait(&p->done, &p->mu);
		p->waiting = 0;
	}
}

static void *worker(void *arg)
{
	struct trace_pipe *p = arg;
	int idle = 0, found = 0, last, e = p->begin ? p->begin(p->begin_opaque) : 0;
	long wait = PIPE_POLL_NS;

	pthread_mutex_lock(&p->mu);
	p->begin_err = e;
	p->begun = 1;
	if (p->waiting)
		pthread_cond_signal(&p->done);
	for (;;) {
		struct slot *s = &p->slots[p->take];

		if (!s->busy || p->writing) {
			if (p->quit && !s->busy)
				break;
			/* Looks that find work come twice as often, empty ones
			 * half as often: the pace settles where batches come. */
			if (found && wait > PIPE_POLL_NS)
				wait /= 2;
			else if (!found && wait < PIPE_POLL_MAX_NS)
				wait *= 2;
			found = 0;
			if (idle < PIPE_IDLE_POLLS) {
				idle++;
				p->polling = 1;
				poll_wait(p, wait);
				p->polling = 0;
			} else {
				p->sleeping = 1;
				pthread_cond_wait(&p->work, &p->mu);
				p->sleeping = 0;
			}
			continue;
		}
		idle = 0;
		found = 1;
		write_oldest(p);
	}
	last = p->detached;
	pthread_mutex_unlock(&p->mu);
	if (last)
		pipe_release(p);
	return NULL;
}

static void note(struct trace_pipe *p, int e)
{
	if (e && !p->err)
		p->err = e;
}

/* Threaded, under mu: the slot being filled goes to the worker, and the
 * next one is to be filled. */
static void submit(struct trace_pipe *p)
{
	p->slots[p->fill].busy = 1;
	p->nbusy++;
	/* Asleep, or half the slots waiting while it waits for its next
	 * look (a burst after a quiet stretch): woken now, before the caller
	 * would have to wait for it. */
	if (p->sleeping || (p->polling && p->nbusy >= p->nslots / 2))
		pthread_cond_signal(&p->work);
	p->fill = (p->fill + 1) % p->nslots;
}

/* Threaded, under mu, every slot written: their errors, and begin's. */
static void note_all(struct trace_pipe *p)
{
	note(p, p->begin_err);
	for (unsigned i = 0; i < p->nslots; i++)
		note(p, p->slots[i].err);
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
		slot_clear(s);
		return p->err;
	}
	pthread_mutex_lock(&p->mu);
	submit(p);
	s = &p->slots[p->fill];
	wait_done(p, s);
	note(p, s->err);
	pthread_mutex_unlock(&p->mu);
	slot_clear(s);
	return p->err;
}

int trace_pipe_flush(struct trace_pipe *p)
{
	return p->slots[p->fill].n >= PIPE_FLUSH_MIN ? hand_over(p) : p->err;
}

int trace_pipe_sync(struct trace_pipe *p)
{
	struct slot *s = &p->slots[p->fill];

	if (!p->threaded)
		return hand_over(p);
	pthread_mutex_lock(&p->mu);
	if (s->n)
		submit(p);
	wait_done(p, NULL);
	note_all(p);
	pthread_mutex_unlock(&p->mu);
	slot_clear(&p->slots[p->fill]);
	return p->err;
}

/* ev written now, after everything queued (the worker is idle after a
 * sync): an event no batch can hold, or one the writer will refuse. */
static int write_now(struct trace_pipe *p, const struct trace_event *ev)
{
	if (!trace_pipe_sync(p))
		note(p, trace_write_event(p->w, ev));
	return p->err;
}

int trace_pipe_put(struct trace_pipe *p, const struct trace_event *ev)
{
	struct slot *s = &p->slots[p->fill];
	size_t len = trace_event_data_len(ev), size;
	uint8_t *q;

	if (p->err)
		return p->err;
	if ((unsigned)ev->kind >= TRACE_EV_KIND_END || !rec_size[ev->kind])
		return write_now(p, ev);   /* not an event: the writer refuses it */
	size = rec_size[ev->kind];
	if (size > PIPE_REC_BYTES - s->used || len > PIPE_DATA - s->ndata) {
		if (len > PIPE_DATA)
			return write_now(p, ev);   /* more bytes than a batch holds */
		if (hand_over(p))
			return p->err;
		s = &p->slots[p->fill];
	}
	q = s->rec + s->used;
	/* The two kinds of nine events in ten as fixed-size copies. */
	if (ev->kind == TRACE_EV_IO)
		memcpy(q, ev, REC_SIZE(io));
	else if (ev->kind == TRACE_EV_CPU_MODE)
		memcpy(q, ev, REC_SIZE(cpu_mode));
	else
		memcpy(q, ev, size);
	s->used += size;
	s->n++;
	if (len) {
		const uint8_t *d = s->data + s->ndata;
		int in = ev->kind == TRACE_EV_INPUT;

		memcpy(s->data + s->ndata, in ? ev->u.input.data : ev->u.out.data, len);
		/* The copy's data pointer points at the bytes kept here. */
		memcpy(q + (in ? offsetof(struct trace_event, u.input.data)
			       : offsetof(struct trace_event, u.out.data)), &d, sizeof(d));
		s->ndata += len;
	}
	return 0;
}

/* The worker takes no signals: SIGINT and SIGTERM stay with the thread that
 * runs the machine, which stops the run on them. */
static int start_thread(struct trace_pipe *p)
{
	pthread_condattr_t ca;
	pthread_attr_t ta;
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
	if (pthread_attr_init(&ta))
		goto no_attr;
	/* The writer and zstd need little stack; 8 MiB is the default. */
	pthread_attr_setstacksize(&ta, PIPE_STACK);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&p->thread, &ta, worker, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&ta);
	if (!r)
		return 0;
no_attr:
	pthread_cond_destroy(&p->done);
no_done:
	pthread_cond_destroy(&p->work);
no_work:
	pthread_mutex_destroy(&p->mu);
	return -1;
}

struct trace_pipe *trace_pipe_new(struct trace_writer *w, enum trace_pipe_mode mode,
				  int (*begin)(void *opaque), void *opaque)
{
	struct trace_pipe *p = calloc(1, sizeof(*p));
	size_t len;

	if (!p)
		return NULL;
	p->w = w;
	if (mode == TRACE_PIPE_AUTO)
		mode = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? TRACE_PIPE_THREAD : TRACE_PIPE_INLINE;
	p->nslots = mode == TRACE_PIPE_THREAD ? PIPE_SLOTS : 1;
	/* Populated at once: touching 43 fresh pages one by one cost the
	 * machine's thread some 90 us of page faults on a VM. */
	len = p->nslots * sizeof(struct slot);
	p->slots = mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p->slots == MAP_FAILED) {
		free(p);
		return NULL;
	}
	p->begin = begin;
	p->begin_opaque = opaque;
	if (mode == TRACE_PIPE_THREAD && !start_thread(p))
		p->threaded = 1;
	else if (begin)
		note(p, begin(opaque));
	return p;
}

int trace_pipe_threaded(const struct trace_pipe *p)
{
	return p->threaded;
}

int trace_pipe_free(struct trace_pipe *p)
{
	struct slot *s;
	pthread_t th;
	int e;

	if (!p)
		return 0;
	s = &p->slots[p->fill];
	if (!p->threaded) {
		hand_over(p);
		e = p->err;
		pipe_release(p);
		return e;
	}
	/* What the worker was given is written (by it, or here when it is
	 * not writing), then the last batch here, and the worker is told to
	 * stop and free the pipe itself: no waiting for it to wake up and
	 * go. From then on it touches neither the writer nor anything the
	 * caller has. */
	pthread_mutex_lock(&p->mu);
	wait_done(p, NULL);
	pthread_mutex_unlock(&p->mu);
	if (s->n)
		note(p, write_batch(p->w, s));
	pthread_mutex_lock(&p->mu);
	note_all(p);
	e = p->err;
	th = p->thread;
	p->quit = 1;
	p->detached = 1;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	pthread_detach(th);
	return e;
}
