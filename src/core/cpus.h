/* cpus.h — how many CPUs this process may really use: the default thread count.
 *
 * The smallest of: the CPUs online; the affinity mask (sched_getaffinity: taskset, cpusets,
 * Slurm's and Kubernetes' CPU manager's pinning); the cgroup CPU quota (v2 cpu.max
 * "QUOTA PERIOD", v1 cpu.cfs_quota_us / cpu.cfs_period_us) of the process's cgroup and of each
 * ancestor, rounded down (a container limited to 1.5 CPUs runs 1 thread: more threads than the
 * granted CPU time are throttled, not faster); and SLURM_CPUS_PER_TASK. Never below 1.
 * A container's request (cpu.weight, cpu.shares) is not a limit and is not counted.
 */
#ifndef MLAC_CORE_CPUS_H
#define MLAC_CORE_CPUS_H

/* The CPUs this process may use (see above), at least 1. */
int cpus_usable(void);

/* The cgroup quota in whole CPUs (rounded down, at least 1), or 0 when there is none.
 * cgroup_root is where the cgroup file systems are mounted ("/sys/fs/cgroup"); proc_cgroup is
 * the process's cgroup membership file ("/proc/self/cgroup"). Both injectable for tests. */
int cpus_cgroup_limit(const char *cgroup_root, const char *proc_cgroup);

/* The smallest of the known limits (0 = unknown), and SLURM_CPUS_PER_TASK's value when it is a
 * positive whole number (slurm may be NULL); at least 1. */
int cpus_combine(int online, int affinity, int cgroup, const char *slurm_cpus_per_task);

#endif
