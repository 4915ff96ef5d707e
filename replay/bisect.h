/*
 * replay/bisect.h: `lockstep bisect` (docs/compare.md §5): the first bad
 * firmware image of an ordered series in O(log n) in-process boots, or the
 * first divergent event of two traces explained step by step.
 */
#ifndef LS_REPLAY_BISECT_H
#define LS_REPLAY_BISECT_H

#include <stdio.h>

/*
 * lockstep bisect --good FW --bad FW (--reaches M | --same STREAM[@M] | --run CMD)
 *                 [machine options] [FW_1 ... FW_n]
 * lockstep bisect --trace A.trace B.trace
 * argv[0] is "bisect". Returns 0 when the first bad image was found (--trace:
 * the traces are identical), 1 when the good image fails the test or the bad
 * one passes it (--trace: the traces differ), 2 on a usage or input error,
 * 125 when an image cannot be tested.
 */
int bisect_cmd_main(int argc, char **argv);
int bisect_cmd_run(int argc, char **argv, FILE *out, FILE *errf);

#endif
