/* machine.h — a short, stable key of the machine a task ran on.
 *
 * Every ledger line records it ("machine", docs/OUTPUTS.md), so a plan's time estimate comes
 * from this machine's earlier tasks (exp/task_reuse.h). The key is the first 16 hex digits of
 * the SHA-256 of the machine's id, its CPU model and its online CPU count:
 *   id         /etc/machine-id (trimmed), or the host name when that file is missing or empty
 *   CPU model  the first "model name" line of /proc/cpuinfo, "unknown" without one
 *   CPU count  the CPUs online (not the affinity or cgroup limit of this process: that is the
 *              thread count, which the ledger's reader sees separately)
 * It stays the same across runs and reboots; a new CPU or a new machine id changes it. Two
 * machines cloned from one image with the same CPUs share a key, which suits an estimate.
 *
 * For tests only: MLAC_TEST_MACHINE_KEY, when set, is the key (1-64 of [A-Za-z0-9._-]), so a
 * test can write ledgers "on another machine".
 */
#ifndef MLAC_CORE_MACHINE_H
#define MLAC_CORE_MACHINE_H

#include "core/error.h"

#define MACHINE_KEY_MAX 65 /* 64 characters and the NUL */

/* The key of the given parts (16 lowercase hex digits); pure, for tests. */
void machine_key_from(const char *id, const char *cpu_model, long cpus, char out[MACHINE_KEY_MAX]);
/* The key of this machine, or MLAC_TEST_MACHINE_KEY's value. MLAC_EINVAL naming the variable
 * when that value is not 1-64 of [A-Za-z0-9._-]. */
int machine_key_current(char out[MACHINE_KEY_MAX], mlac_err *err);

#endif
