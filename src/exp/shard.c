/* shard.c — the stable task-to-shard hash and where the shard comes from (see shard.h). */
#include "exp/shard.h"
#include "core/hash.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int shard_of(const char *task_id, int count)
{
    if (count <= 1)
        return 0;
    unsigned char h[32];
    hash_sha256(task_id, strlen(task_id), h);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | h[i];
    return (int)(v % (uint64_t)count);
}

/* A whole number in [lo, hi], no sign, no spaces, no trailing text. */
static int parse_count(const char *s, long lo, long hi, long *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int shard_parse(const char *text, shard_sel *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    const char *slash = text ? strchr(text, '/') : NULL;
    char left[32];
    long i, n;
    if (!slash || (size_t)(slash - text) >= sizeof left)
        return mlac_errf(err, MLAC_EINVAL, "--shard: expected I/N (0-based I, e.g. 0/4), got '%.64s'", text ? text : "");
    memcpy(left, text, (size_t)(slash - text));
    left[slash - text] = '\0';
    if (parse_count(slash + 1, 1, SHARD_MAX, &n) || parse_count(left, 0, SHARD_MAX - 1, &i))
        return mlac_errf(err, MLAC_EINVAL, "--shard: expected I/N with whole numbers, 1 <= N <= %d, got '%.64s'",
                         SHARD_MAX, text);
    if (i >= n)
        return mlac_errf(err, MLAC_EINVAL, "--shard: the index %ld is not below the count %ld (I is 0-based)", i, n);
    out->index = (int)i;
    out->count = (int)n;
    snprintf(out->source, sizeof out->source, "--shard");
    return MLAC_OK;
}

/* An environment variable as a number, or -1 when it is unset or empty; -2 when malformed. */
static long env_number(shard_getenv_fn env, const char *name, long lo, long hi)
{
    const char *v = env(name);
    long x;
    if (!v || !*v)
        return -1;
    return parse_count(v, lo, hi, &x) ? -2 : x;
}

static int bad_env(mlac_err *err, shard_getenv_fn env, const char *name)
{
    return mlac_errf(err, MLAC_EINVAL, "%s: expected a whole number, got '%.64s'", name, env(name));
}

/* I and N of a Slurm job array. */
static int from_slurm(shard_getenv_fn env, long count, shard_sel *out, mlac_err *err)
{
    long id = env_number(env, "SLURM_ARRAY_TASK_ID", 0, 0x7fffffffL);
    long min = env_number(env, "SLURM_ARRAY_TASK_MIN", 0, 0x7fffffffL);
    long step = env_number(env, "SLURM_ARRAY_TASK_STEP", 1, 0x7fffffffL);
    long n = env_number(env, "SLURM_ARRAY_TASK_COUNT", 1, SHARD_MAX);
    if (id == -2)
        return bad_env(err, env, "SLURM_ARRAY_TASK_ID");
    if (min == -2)
        return bad_env(err, env, "SLURM_ARRAY_TASK_MIN");
    if (step == -2)
        return bad_env(err, env, "SLURM_ARRAY_TASK_STEP");
    if (n == -2)
        return bad_env(err, env, "SLURM_ARRAY_TASK_COUNT");
    min = min < 0 ? 0 : min;
    step = step < 0 ? 1 : step;
    if (count <= 0)
        count = n;
    if (count <= 0)
        return mlac_errf(err, MLAC_EINVAL, "SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT: give --shards N");
    if (id < min || (id - min) % step)
        return mlac_errf(err, MLAC_EINVAL, "SLURM_ARRAY_TASK_ID %ld is not in the array %ld, %ld+%ld, ...", id, min,
                         min, step);
    long i = (id - min) / step;
    if (i >= count)
        return mlac_errf(err, MLAC_EINVAL, "SLURM_ARRAY_TASK_ID %ld is shard %ld, but there are only %ld shards "
                         "(array --array=%ld-%ld for %ld shards)", id, i, count, min, min + (count - 1) * step, count);
    out->index = (int)i;
    out->count = (int)count;
    snprintf(out->source, sizeof out->source, "SLURM_ARRAY_TASK_ID=%ld", id);
    return MLAC_OK;
}

int shard_resolve(const char *flag, long flag_count, shard_getenv_fn env, shard_sel *out, mlac_err *err)
{
    memset(out, 0, sizeof *out);
    if (flag_count < 0 || flag_count > SHARD_MAX)
        return mlac_errf(err, MLAC_EINVAL, "--shards: expected 1 to %d, got %ld", SHARD_MAX, flag_count);
    if (flag) {
        int rc = shard_parse(flag, out, err);
        if (!rc && flag_count && flag_count != out->count)
            rc = mlac_errf(err, MLAC_EINVAL, "--shard %s and --shards %ld disagree", flag, flag_count);
        return rc;
    }
    long count = flag_count;
    const char *count_from = "--shards";
    if (!count) {
        count = env_number(env, "MLAC_SHARDS", 1, SHARD_MAX);
        if (count == -2)
            return mlac_errf(err, MLAC_EINVAL, "MLAC_SHARDS: expected 1 to %d, got '%.64s'", SHARD_MAX, env("MLAC_SHARDS"));
        count = count < 0 ? 0 : count;
        count_from = "MLAC_SHARDS";
    }
    long k8s = env_number(env, "JOB_COMPLETION_INDEX", 0, SHARD_MAX - 1);
    if (k8s == -2)
        return bad_env(err, env, "JOB_COMPLETION_INDEX");
    if (k8s >= 0) {
        if (!count)
            return mlac_errf(err, MLAC_EINVAL, "JOB_COMPLETION_INDEX is set but the number of shards is not: give "
                             "--shards N or MLAC_SHARDS=N (Kubernetes does not tell a pod its Job's completions)");
        if (k8s >= count)
            return mlac_errf(err, MLAC_EINVAL, "JOB_COMPLETION_INDEX %ld is not below %s %ld", k8s, count_from, count);
        out->index = (int)k8s;
        out->count = (int)count;
        snprintf(out->source, sizeof out->source, "JOB_COMPLETION_INDEX=%ld", k8s);
        return MLAC_OK;
    }
    const char *slurm = env("SLURM_ARRAY_TASK_ID");
    if (slurm && *slurm)
        return from_slurm(env, count, out, err);
    if (flag_count)
        return mlac_errf(err, MLAC_EINVAL, "--shards %ld needs a shard index: --shard I/N, JOB_COMPLETION_INDEX or "
                         "SLURM_ARRAY_TASK_ID", flag_count);
    return MLAC_OK;
}

void shard_ledger_path(const char *run_id, int index, int count, char *out, size_t n)
{
    snprintf(out, n, "%s/shards/%d-of-%d.jsonl", run_id, index, count);
}

void shard_lock_path(const char *run_id, int index, int count, char *out, size_t n)
{
    snprintf(out, n, "%s/shards/%d-of-%d.lock", run_id, index, count);
}

int shard_parse_ledger_name(const char *name, int *index, int *count)
{
    int i, c, used = 0;
    if (sscanf(name, "%d-of-%d.jsonl%n", &i, &c, &used) != 2 || name[used] || used == 0)
        return -1;
    if (c < 1 || c > SHARD_MAX || i < 0 || i >= c)
        return -1;
    char canon[64];
    snprintf(canon, sizeof canon, "%d-of-%d.jsonl", i, c);
    if (strcmp(canon, name))
        return -1; /* "+1-of-3.jsonl", "01-of-3.jsonl": not a name a shard writes */
    *index = i;
    *count = c;
    return 0;
}
