/* features_bench.c — clips per second for what every RF/SVM/CNN task needs from a clip:
 * decode (libsndfile) + resample to 22050 Hz (soxr) + MFCC summary (78) + log-mel image (128x128),
 * over the audio files listed on the command line, with 1..T threads (one feat_plan and one
 * audio_scratch per thread, as the runner's feature stage).
 * The timed loop runs FEATURES_BENCH_REPEAT times (default 1; more for perf, so that reading the
 * files does not dominate a profile); CPU time (user + sys, getrusage) and minor page faults of
 * the timed loop are reported per clip, so contention on a shared machine is visible.
 * usage: features_bench THREADS FILE...      (prints one JSON line) */
#include "audio/audio.h"
#include "core/fsutil.h"
#include "core/memtune.h"
#include "core/pool.h"
#include "core/timeutil.h"
#include "features/features.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

typedef struct bench_job {
    char **files;
    buf *bytes;        /* (n,) file contents, read before timing */
    feat_plan **plans; /* (threads,) */
    audio_scratch *scratch; /* (threads,) decode and resample buffers reused across clips */
    float *summary;    /* (threads, 78) */
    float *image;      /* (threads, 128 * 128) */
    int failed;
} bench_job;

static double cpu_seconds(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + 1e-6 * (double)ru->ru_utime.tv_usec + (double)ru->ru_stime.tv_sec +
           1e-6 * (double)ru->ru_stime.tv_usec;
}

static void one_clip(void *ctx, size_t i, int w)
{
    bench_job *job = ctx;
    mlac_err err;
    audio_clip clip; /* a view into job->scratch[w] */
    feat_plan *plan = job->plans[w];
    if (audio_load_reuse(&job->scratch[w], job->bytes[i].data, job->bytes[i].len, job->files[i], 22050, 5.0,
                         AUDIO_OFFSET_CENTRE, NULL, &clip, NULL, NULL, &err) ||
        feat_summary_image(plan, clip.samples, clip.n, job->summary + (size_t)w * 78,
                           job->image + (size_t)w * 128 * 128, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        job->failed = 1;
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: features_bench THREADS FILE...\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    size_t n = (size_t)(argc - 2);
    openblas_set_num_threads(1);
    memtune_keep_freed_memory();
    bench_job job = {.files = argv + 2};
    job.bytes = calloc(n, sizeof *job.bytes);
    job.plans = calloc((size_t)threads, sizeof *job.plans);
    job.scratch = calloc((size_t)threads, sizeof *job.scratch);
    job.summary = calloc((size_t)threads * 78, sizeof(float));
    job.image = calloc((size_t)threads * 128 * 128, sizeof(float));
    mlac_err err;
    for (size_t i = 0; i < n; i++) {
        buf_init(&job.bytes[i], 0);
        if (fs_read_file(job.files[i], &job.bytes[i], 0, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
    feat_params p;
    feat_params_default(&p);
    for (int t = 0; t < threads; t++)
        if (feat_plan_new(&p, &job.plans[t], &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    pool_for(threads, n < 8 ? n : 8, one_clip, &job); /* warm-up: page in code and plans */
    const char *rep_env = getenv("FEATURES_BENCH_REPEAT");
    int repeat = rep_env && atoi(rep_env) > 0 ? atoi(rep_env) : 1;
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    double t0 = time_now();
    for (int r = 0; r < repeat; r++)
        pool_for(threads, n, one_clip, &job);
    double dt = time_now() - t0;
    getrusage(RUSAGE_SELF, &ru1);
    double cpu = cpu_seconds(&ru1) - cpu_seconds(&ru0), clips = (double)n * repeat;
    printf("{\"impl\": \"mlac\", \"threads\": %d, \"clips\": %.0f, \"seconds\": %.4f, \"clips_per_second\": %.1f, "
           "\"cpu_ms_per_clip\": %.3f, \"minor_faults_per_clip\": %.1f}\n",
           threads, clips, dt, clips / dt, 1e3 * cpu / clips, (double)(ru1.ru_minflt - ru0.ru_minflt) / clips);
    for (int t = 0; t < threads; t++) {
        feat_plan_free(job.plans[t]);
        audio_scratch_release(&job.scratch[t]);
    }
    for (size_t i = 0; i < n; i++)
        buf_release(&job.bytes[i]);
    free(job.bytes), free(job.plans), free(job.scratch), free(job.summary), free(job.image);
    return job.failed;
}
