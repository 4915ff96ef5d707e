/* replay/chain.c: per-stream XXH3 chain hashes over canonical events. */
#include "replay/chain.h"

#include <xxhash.h>

void trace_chains_init(struct trace_chains *c)
{
	for (int i = 0; i < TRACE_NSTREAMS; i++)
		c->h[i] = 0;
}

void trace_chains_feed(struct trace_chains *c, enum trace_event_kind kind,
		       const uint8_t *canonical, size_t len)
{
	int s = trace_event_stream(kind);

	if (s < 0)
		return;
	c->h[TRACE_STREAM_ALL] = XXH3_64bits_withSeed(canonical, len, c->h[TRACE_STREAM_ALL]);
	if (s != TRACE_STREAM_ALL)
		c->h[s] = XXH3_64bits_withSeed(canonical, len, c->h[s]);
}

int trace_chains_feed_event(struct trace_chains *c, const struct trace_event *ev,
			    struct bytebuf *scratch)
{
	bytebuf_clear(scratch);
	trace_event_encode_canonical(ev, scratch);
	if (scratch->oom)
		return -1;
	trace_chains_feed(c, ev->kind, scratch->data, scratch->len);
	return 0;
}
