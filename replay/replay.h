/*
 * replay/: trace format, recorder, replayer, checkpoints and hashes,
 * snapshots, diff, bisect and regression. Observes the machine through hooks;
 * the emulation path never calls the trace writer directly (DESIGN.md §1, §3).
 * The public interface arrives with issue 6.
 */
#ifndef LS_REPLAY_H
#define LS_REPLAY_H

#endif
