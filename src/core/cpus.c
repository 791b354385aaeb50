/* cpus.c — the CPUs this process may use: online, affinity, cgroup quota, Slurm (see cpus.h). */
#include "core/cpus.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CPUS_LINE_MAX 4096 /* longest /proc/self/cgroup line or control file read */

/* Reads the first line of a small control file into line; 0 on success. */
static int read_line(const char *path, char *line, size_t n)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int ok = fgets(line, (int)n, f) != NULL;
    fclose(f);
    return ok ? 0 : -1;
}

static int parse_ll(const char *s, long long *out)
{
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s)
        return -1;
    while (*end == ' ' || *end == '\n')
        end++;
    if (*end)
        return -1;
    *out = v;
    return 0;
}

/* Whole CPUs of quota/period, rounded down, at least 1; 0 for no limit or nonsense. */
static int quota_cpus(long long quota, long long period)
{
    if (quota <= 0 || period <= 0)
        return 0;
    long long n = quota / period;
    return n < 1 ? 1 : n > INT_MAX ? INT_MAX : (int)n;
}

/* cgroup v2 cpu.max: "max 100000" or "150000 100000". */
static int v2_limit(const char *dir)
{
    char path[PATH_MAX + 16], line[CPUS_LINE_MAX];
    if (snprintf(path, sizeof path, "%s/cpu.max", dir) >= (int)sizeof path || read_line(path, line, sizeof line))
        return 0;
    char *space = strchr(line, ' ');
    long long quota, period;
    if (!space || !strncmp(line, "max", 3))
        return 0;
    *space = '\0';
    if (parse_ll(line, &quota) || parse_ll(space + 1, &period))
        return 0;
    return quota_cpus(quota, period);
}

/* cgroup v1 cpu.cfs_quota_us (-1 = none) over cpu.cfs_period_us. */
static int v1_limit(const char *dir)
{
    char path[PATH_MAX + 32], line[CPUS_LINE_MAX];
    long long quota, period;
    if (snprintf(path, sizeof path, "%s/cpu.cfs_quota_us", dir) >= (int)sizeof path ||
        read_line(path, line, sizeof line) || parse_ll(line, &quota))
        return 0;
    if (snprintf(path, sizeof path, "%s/cpu.cfs_period_us", dir) >= (int)sizeof path ||
        read_line(path, line, sizeof line) || parse_ll(line, &period))
        return 0;
    return quota_cpus(quota, period);
}

static int min_limit(int a, int b)
{
    return !a ? b : !b ? a : a < b ? a : b;
}

/* The smallest limit of mount/cgroup and each of its ancestors up to mount itself (which is the
 * whole limit inside a container whose cgroup namespace hides the host's path). */
static int walk_limits(const char *mount, const char *cgroup, int (*limit)(const char *dir))
{
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s%s", mount, cgroup) >= (int)sizeof dir)
        return 0;
    size_t base = strlen(mount);
    int best = 0;
    for (;;) {
        best = min_limit(best, limit(dir));
        char *slash = strrchr(dir + base, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
    return best;
}

/* Whether a comma-separated controller list names "cpu". */
static int has_cpu_controller(const char *list, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && list[j] != ',')
            j++;
        if (j - i == 3 && !strncmp(list + i, "cpu", 3))
            return 1;
        i = j + 1;
    }
    return 0;
}

int cpus_cgroup_limit(const char *cgroup_root, const char *proc_cgroup)
{
    FILE *f = fopen(proc_cgroup, "re");
    if (!f)
        return 0;
    char line[CPUS_LINE_MAX], mount[PATH_MAX];
    int best = 0;
    for (int lines = 0; lines < 256 && fgets(line, sizeof line, f); lines++) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || c2[1] != '/')
            continue;
        const char *controllers = c1 + 1, *path = c2 + 1;
        size_t clen = (size_t)(c2 - controllers);
        if (clen == 0 && !strncmp(line, "0:", 2)) { /* v2: "0::/path" */
            best = min_limit(best, walk_limits(cgroup_root, strcmp(path, "/") ? path : "", v2_limit));
        } else if (has_cpu_controller(controllers, clen)) { /* v1: "4:cpu,cpuacct:/path" */
            if (snprintf(mount, sizeof mount, "%s/%.*s", cgroup_root, (int)clen, controllers) < (int)sizeof mount)
                best = min_limit(best, walk_limits(mount, strcmp(path, "/") ? path : "", v1_limit));
            if (snprintf(mount, sizeof mount, "%s/cpu", cgroup_root) < (int)sizeof mount)
                best = min_limit(best, walk_limits(mount, strcmp(path, "/") ? path : "", v1_limit));
        }
    }
    fclose(f);
    return best;
}

int cpus_combine(int online, int affinity, int cgroup, const char *slurm_cpus_per_task)
{
    int n = min_limit(min_limit(online > 0 ? online : 0, affinity > 0 ? affinity : 0), cgroup > 0 ? cgroup : 0);
    long long slurm;
    if (slurm_cpus_per_task && !parse_ll(slurm_cpus_per_task, &slurm) && slurm > 0 && slurm <= INT_MAX)
        n = min_limit(n, (int)slurm);
    return n > 0 ? n : 1;
}

int cpus_usable(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int affinity = 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        affinity = CPU_COUNT(&set);
    int cgroup = cpus_cgroup_limit("/sys/fs/cgroup", "/proc/self/cgroup");
    return cpus_combine(online > 0 && online < INT_MAX ? (int)online : 0, affinity, cgroup,
                        getenv("SLURM_CPUS_PER_TASK"));
}
