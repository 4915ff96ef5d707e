/*
 * replay/chain.h: the running XXH3 chain hashes, one per stream
 * (docs/trace-format.md §5). Every event except CHECKPOINT extends the ALL
 * chain and its own stream's chain with its canonical encoding:
 *     chain' = XXH3_64bits_withSeed(canonical, len, chain)
 * Every chain starts at 0.
 */
#ifndef LS_REPLAY_CHAIN_H
#define LS_REPLAY_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "replay/bytebuf.h"
#include "replay/event.h"

struct trace_chains {
	uint64_t h[TRACE_NSTREAMS];
};

/* Every chain to 0. */
void trace_chains_init(struct trace_chains *c);

/* Extends the chains of ev's kind with canonical[0..len), which must be the
 * canonical encoding of ev (trace_event_encode_canonical). */
void trace_chains_feed(struct trace_chains *c, enum trace_event_kind kind,
		       const uint8_t *canonical, size_t len);

/* Encodes ev canonically into scratch (cleared first) and feeds it. Returns 0,
 * or -1 when scratch could not grow. */
int trace_chains_feed_event(struct trace_chains *c, const struct trace_event *ev,
			    struct bytebuf *scratch);

#endif
