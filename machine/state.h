/*
 * machine/state.h: the machine's state as checkpoints and snapshots see it
 * (DESIGN.md §2-§3). Three hashes for CHECKPOINT events (CPU, RAM, devices)
 * and complete snapshots (CPU with descriptor caches and pending interrupts,
 * RAM zstd-compressed, every device, each disk's overlay, the clock's armed
 * timers, the machine's own bookkeeping), in memory or in files. Device
 * state goes through one symmetric visitor per device (machine/state_io.h),
 * so the device hash, save and load cannot disagree.
 *
 * Everything here is called between machine_run calls, never from a hook.
 */
#ifndef LS_MACHINE_STATE_H
#define LS_MACHINE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "machine/machine.h"

struct machine_hashes {
	uint64_t cpu;   /* XXH3-64 of cpu_state_save's bytes */
	uint64_t ram;   /* mem_ram_hash: incremental over dirty pages */
	uint64_t dev;   /* XXH3-64 of every device's state, in machine order */
};

/* XXH3-64 of the CPU's architectural state. */
uint64_t machine_hash_cpu(struct machine *m);
/* XXH3-64 of main RAM (mem_ram_hash), rehashing only the pages written since
 * the last call; drops the CPU's cached write pointers (its TLB) so later
 * writes are seen. */
uint64_t machine_hash_ram(struct machine *m);
/* XXH3-64 of the device state: the machine's bookkeeping, PAM/SMRAM, every
 * device, the disk overlays and the clock's armed timers. */
uint64_t machine_hash_devices(struct machine *m);
/* All three. */
void machine_hash_state(struct machine *m, struct machine_hashes *h);

/*
 * Snapshots. The format (docs/replay.md §5): magic "LSSNAP\0\x1a", u32
 * version, configuration fingerprint, icount, CPU state, device state,
 * zstd-compressed RAM, XXH3-64 checksum. A snapshot loads only into a machine
 * built from the same configuration (RAM size, machine kind, ROM blobs, disk
 * sizes); the disks' image files are not part of it (the trace header
 * identifies them by hash), their overlays are.
 *
 * machine_snapshot_save: returns 0 and a malloc'd buffer in *out (*len
 * bytes), or -1 with a one-line message.
 * machine_snapshot_load: returns 0, or -1 with a one-line message naming the
 * offset of the problem; a buffer that fails its checksum or fingerprint
 * leaves the machine untouched, a damaged body may leave it half loaded
 * (discard it then).
 */
int machine_snapshot_save(struct machine *m, uint8_t **out, size_t *len, char *err, size_t errlen);
int machine_snapshot_load(struct machine *m, const uint8_t *buf, size_t len, char *err,
			  size_t errlen);
/* The icount a snapshot was taken at, without loading it; -1 if buf is not a
 * snapshot (checks magic, version and length only). */
int machine_snapshot_icount(const uint8_t *buf, size_t len, uint64_t *icount);
int machine_snapshot_save_file(struct machine *m, const char *path, char *err, size_t errlen);
int machine_snapshot_load_file(struct machine *m, const char *path, char *err, size_t errlen);

/*
 * Run like machine_run, but also return when icount reaches `bound`
 * (checkpoints, input injection, stepping). *at_bound is 1 when it returned
 * only because of the bound (the stop reason is then meaningless and the run
 * can simply go on); otherwise the result is machine_run's. Slicing a run
 * this way does not change what the guest does (tested).
 */
enum machine_stop machine_run_slice(struct machine *m, const struct machine_until *until,
				    uint64_t bound, int *at_bound);

/*
 * Inputs from outside (recorded as INPUT events, injected again by replay at
 * the same icount): bytes arriving on COM1's receive line (uart_receive) and
 * scancode bytes from the keyboard (i8042_key, in the keyboard's set). Call
 * between machine_run calls. Return the number of bytes the device lost
 * (FIFO full), which is guest-visible and therefore deterministic too.
 */
int machine_inject_serial(struct machine *m, const uint8_t *buf, size_t len);
int machine_inject_key(struct machine *m, const uint8_t *buf, size_t len);

#endif
