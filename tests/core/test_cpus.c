/* test_cpus.c — the CPU count that sets default thread counts, from fake cgroup trees.
 *
 * cgroup v2 cpu.max and v1 CFS quota files are written under a temporary root, with a fake
 * /proc/self/cgroup, and the limit must be the smallest quota of the process's cgroup and its
 * ancestors, rounded down, at least 1; no limit, missing or malformed files give 0 (no limit).
 */
#include "test.h"
#include "core/cpus.h"

#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static void put(const char *rel, const char *text)
{
    char path[512], cmd[700];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
    CHECK(system(cmd) == 0);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int limit_with(const char *proc_text)
{
    put("proc_self_cgroup", proc_text);
    char mount[128], proc[128];
    snprintf(mount, sizeof mount, "%s/fs", root);
    snprintf(proc, sizeof proc, "%s/proc_self_cgroup", root);
    return cpus_cgroup_limit(mount, proc);
}

static void clean(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/fs'", root);
    CHECK(system(cmd) == 0);
}

static void test_v2(void)
{
    put("fs/cpu.max", "max 100000\n");
    CHECK(limit_with("0::/\n") == 0);
    put("fs/cpu.max", "250000 100000\n");
    CHECK(limit_with("0::/\n") == 2);          /* 2.5 CPUs: 2 threads */
    put("fs/cpu.max", "50000 100000\n");
    CHECK(limit_with("0::/\n") == 1);          /* half a CPU: still one thread */
    put("fs/cpu.max", "max 100000\n");
    put("fs/kubepods/cpu.max", "400000 100000\n");
    put("fs/kubepods/pod1/cpu.max", "150000 100000\n");
    CHECK(limit_with("0::/kubepods/pod1\n") == 1); /* the pod's own limit is the smallest */
    put("fs/kubepods/pod1/cpu.max", "max 100000\n");
    CHECK(limit_with("0::/kubepods/pod1\n") == 4); /* no own limit: the parent's */
    put("fs/kubepods/cpu.max", "800000 200000\n");
    CHECK(limit_with("0::/kubepods/pod1\n") == 4);
    put("fs/cpu.max", "300000 100000\n");
    CHECK(limit_with("0::/elsewhere/not-mounted\n") == 3); /* path not under the mount: the mount's own */
    put("fs/kubepods/pod1/cpu.max", "garbage\n");
    put("fs/kubepods/cpu.max", "100000\n");
    put("fs/cpu.max", "-5 100000\n");
    CHECK(limit_with("0::/kubepods/pod1\n") == 0); /* malformed files are no limit */
    clean();
    CHECK(limit_with("0::/\n") == 0);           /* no files at all */
}

static void test_v1(void)
{
    const char *proc = "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n";
    put("fs/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "300000\n");
    put("fs/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
    CHECK(limit_with(proc) == 3);
    put("fs/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "-1\n");
    CHECK(limit_with(proc) == 0);
    put("fs/cpu,cpuacct/cpu.cfs_quota_us", "200000\n"); /* the mount root: a container's own view */
    put("fs/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
    CHECK(limit_with(proc) == 2);
    CHECK(limit_with("4:cpuacct:/docker/abc\n") == 0); /* cpuacct alone is not the cpu controller */
    clean();
    put("fs/cpu/docker/abc/cpu.cfs_quota_us", "100000\n"); /* mounted as cpu/ only */
    put("fs/cpu/docker/abc/cpu.cfs_period_us", "100000\n");
    CHECK(limit_with("3:cpu:/docker/abc\n") == 1);
    clean();
    char missing[128];
    snprintf(missing, sizeof missing, "%s/no-such-file", root);
    CHECK(cpus_cgroup_limit(root, missing) == 0);
}

static void test_combine(void)
{
    CHECK(cpus_combine(8, 4, 0, NULL) == 4);
    CHECK(cpus_combine(8, 4, 2, NULL) == 2);
    CHECK(cpus_combine(8, 4, 0, "3") == 3);
    CHECK(cpus_combine(8, 4, 6, "16") == 4);
    CHECK(cpus_combine(8, 4, 0, "x") == 4);  /* not a number: ignored */
    CHECK(cpus_combine(8, 4, 0, "0") == 4);
    CHECK(cpus_combine(8, 0, 0, NULL) == 8); /* affinity unknown */
    CHECK(cpus_combine(0, 0, 0, NULL) == 1);
    /* the real process: at least 1, at most its affinity mask */
    cpu_set_t set;
    CPU_ZERO(&set);
    int n = cpus_usable();
    CHECK(n >= 1);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        CHECK(n <= CPU_COUNT(&set));
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/mlac-cpus-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    test_v2();
    test_v1();
    test_combine();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
