/* resample_bench.c — the resampler options of docs/BENCHMARKS.md (issue 16), measured: CPU time per
 * 5-s clip of soxr_oneshot at each quality recipe, and an exact polyphase FIR whose taps are soxr
 * VHQ's own response (probed once with unit impulses at each input phase), with its largest
 * difference from soxr. Integer ratios only (from = D * to).
 * usage: resample_bench FROM TO [REPS=20]      e.g. resample_bench 44100 22050 */
#include <soxr.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* soxr_oneshot at a recipe into y (ny,), zero past what soxr writes. */
static void run_soxr(int from, int to, unsigned recipe, const float *x, size_t n, float *y, size_t ny)
{
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(recipe, 0);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    size_t idone = 0, odone = 0;
    if (soxr_oneshot(from, to, 1, x, n, &idone, y, ny, &odone, &io, &q, &rt))
        odone = 0;
    if (odone < ny)
        memset(y + odone, 0, (ny - odone) * sizeof *y);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: resample_bench FROM TO [REPS]\n");
        return 2;
    }
    int from = atoi(argv[1]), to = atoi(argv[2]), reps = argc > 3 ? atoi(argv[3]) : 20;
    if (to < 1 || from <= to || from % to || reps < 1) {
        fprintf(stderr, "resample_bench: FROM must be an integer multiple of TO\n");
        return 2;
    }
    int d = from / to;
    /* the filter: an impulse at input P + ph lands on output m as g[d m - P - ph] */
    size_t np = 16384, nq = np / (size_t)d;
    long half = (long)np, p0 = (long)np / 2;
    float *imp = calloc(np, sizeof *imp), *resp = calloc(nq, sizeof *resp); /* (np,) (nq,) */
    double *g = calloc(2 * np, sizeof *g);                                 /* (2 np,) offset half */
    for (int ph = 0; ph < d; ph++) {
        memset(imp, 0, np * sizeof *imp);
        imp[p0 + ph] = 1;
        run_soxr(from, to, SOXR_VHQ, imp, np, resp, nq);
        for (size_t m = 0; m < nq; m++)
            g[(long)m * d - p0 - ph + half] = resp[m];
    }
    double gmax = 0;
    for (size_t k = 0; k < 2 * np; k++)
        gmax = fmax(gmax, fabs(g[k]));
    long lo = -1, hi = -1;
    for (size_t k = 0; k < 2 * np; k++)
        if (fabs(g[k]) > 1e-9 * gmax) {
            lo = lo < 0 ? (long)k : lo;
            hi = (long)k;
        }
    int taps = (int)(hi - lo + 1);
    long k0 = lo - half; /* y[m] = sum_j h[j] x[d m - k0 - j] */
    float *h = malloc((size_t)taps * sizeof *h);
    for (int j = 0; j < taps; j++)
        h[j] = (float)g[lo + j];

    size_t n = (size_t)from * 5, ny = (n + (size_t)d - 1) / (size_t)d;
    float *x = malloc(n * sizeof *x), *ys = malloc(ny * sizeof *ys), *yd = calloc(ny, sizeof *yd);
    uint32_t s = 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)(0.3 * sin(0.01 * (double)i) + 0.2 * ((double)(s >> 8) / 16777216.0 - 0.5));
    }
    printf("%d -> %d Hz, 5-s clip, CPU ms per clip over %d runs:\n", from, to, reps);
    const unsigned recipes[] = {SOXR_16_BITQ, SOXR_20_BITQ, SOXR_24_BITQ, SOXR_28_BITQ};
    const char *names[] = {"SOXR_16_BITQ", "SOXR_HQ (20-bit)", "SOXR_24_BITQ", "SOXR_VHQ (28-bit)"};
    for (int r = 0; r < 4; r++) {
        double t0 = cpu_now();
        for (int k = 0; k < reps; k++)
            run_soxr(from, to, recipes[r], x, n, ys, ny);
        printf("  soxr %-18s %8.3f ms\n", names[r], 1e3 * (cpu_now() - t0) / reps);
    }
    /* direct polyphase FIR with soxr VHQ's taps: phase arrays xp[r][t + margin] = x[d t + r],
     * outputs in blocks of B, one broadcast tap times a run of one phase array per step */
    long margin = taps / d + 2, len = (long)ny + 2 * margin + 8;
    float *xp = calloc((size_t)d * (size_t)len, sizeof *xp); /* (d, len) */
    enum { B = 256 };
    float acc[B];
    double t0 = cpu_now();
    for (int k = 0; k < reps; k++) {
        for (size_t i = 0; i < n; i++)
            xp[(i % (size_t)d) * (size_t)len + i / (size_t)d + (size_t)margin] = x[i];
        for (size_t m0 = 0; m0 < ny; m0 += B) {
            size_t bn = ny - m0 < B ? ny - m0 : B;
            memset(acc, 0, sizeof acc);
            for (int j = 0; j < taps; j++) {
                long a = -k0 - j, r = ((a % d) + d) % d, off = (a - r) / d;
                const float *src = xp + r * len + (long)m0 + off + margin; /* (B,) */
                for (size_t q = 0; q < B; q++)
                    acc[q] += h[j] * src[q];
            }
            memcpy(yd + m0, acc, bn * sizeof *yd);
        }
    }
    double t_fir = 1e3 * (cpu_now() - t0) / reps;
    double max_d = 0;
    for (size_t m = 0; m < ny; m++)
        max_d = fmax(max_d, fabs((double)yd[m] - ys[m]));
    printf("  exact polyphase FIR, %d taps of soxr VHQ's response (%.0f M multiply-adds): %8.3f ms, max |FIR - soxr| %.2g\n",
           taps, (double)taps * (double)ny / 1e6, t_fir, max_d);
    free(imp), free(resp), free(g), free(h), free(x), free(ys), free(yd), free(xp);
    return 0;
}
