/* nn_bench.c — CNN engine throughput: training samples/s (forward + backward + Adam) and
 * inference samples/s for one architecture, input size and batch, with achieved GFLOP/s and
 * peak RSS. Not a test; compare with bench/nn_bench.py (PyTorch) via bench/run_nn_bench.sh.
 *
 * usage: nn_bench ARCH SIZE [BATCH=32] [THREADS=2] [TRAIN_STEPS=5] [INFER_BATCHES=5]
 * prints one JSON line. MLAC_NN_DIRECT=1 in the environment turns Winograd off (direct
 * convolutions only), for comparison. GFLOP/s counts direct-convolution FLOPs either way.
 */
#include "core/timeutil.h"
#include "nn/adam.h"
#include "nn/nets.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: nn_bench vgg|mobilenet|resnet SIZE [BATCH] [THREADS] [STEPS] [INFER]\n");
        return 2;
    }
    int arch = !strcmp(argv[1], "vgg") ? NN_ARCH_VGG : !strcmp(argv[1], "mobilenet") ? NN_ARCH_MOBILENET
               : !strcmp(argv[1], "resnet") ? NN_ARCH_RESNET : -1;
    int size = atoi(argv[2]), batch = argc > 3 ? atoi(argv[3]) : 32, threads = argc > 4 ? atoi(argv[4]) : 2;
    int steps = argc > 5 ? atoi(argv[5]) : 5, infer = argc > 6 ? atoi(argv[6]) : 5;
    if (arch < 0 || size < 8 || batch < 2 || threads < 1) {
        fprintf(stderr, "nn_bench: bad arguments\n");
        return 2;
    }
    omp_set_num_threads(threads);
    mlac_err err = {0};
    nn_arch_params ap = {.arch = arch, .in_ch = 1, .size = size, .n_out = 1, .width = 1.0,
                         .dropout = arch == NN_ARCH_VGG ? 0.5f : 0.2f};
    nn_net *net = NULL;
    if (nn_build(&net, &ap, &err) || nn_net_plan(net, batch, &err)) {
        fprintf(stderr, "nn_bench: %s\n", err.msg);
        return 1;
    }
    net->conv_direct = getenv("MLAC_NN_DIRECT") != NULL;
    rng r;
    rng_seed(&r, 1);
    nn_net_init_params(net, &r);
    size_t per = (size_t)size * size;
    float *x = malloc((size_t)batch * per * sizeof(float)), *y = malloc((size_t)batch * sizeof(float));
    float *dl = malloc((size_t)batch * sizeof(float));
    for (size_t i = 0; i < (size_t)batch * per; i++)
        x[i] = (float)rng_normal(&r);
    for (int i = 0; i < batch; i++)
        y[i] = (float)(i % 2);
    nn_adam opt;
    nn_adam_init(&opt, net, 0, &err);
    double t_train = 0, t_infer = 0;
    for (int s = -1; s < steps; s++) { /* step -1 warms up (plans oneDNN primitives) */
        double t0 = time_now();
        if (nn_forward(net, x, batch, 1, &r, &err))
            break;
        bce_logits_forward_backward(dl, nn_output(net), y, batch);
        nn_zero_grad(net);
        nn_backward(net, dl, batch, &err);
        nn_adam_step(&opt, net);
        if (s >= 0)
            t_train += time_now() - t0;
    }
    for (int s = -1; s < infer; s++) {
        double t0 = time_now();
        nn_forward(net, x, batch, 0, NULL, &err);
        if (s >= 0)
            t_infer += time_now() - t0;
    }
    double f_inf = nn_flops_per_sample(net, 0), f_tr = nn_flops_per_sample(net, 1);
    double sps_tr = steps * batch / t_train, sps_inf = infer * batch / t_infer;
    printf("{\"impl\": \"mlac\", \"arch\": \"%s\", \"size\": %d, \"batch\": %d, \"threads\": %d, "
           "\"train_samples_per_s\": %.2f, \"infer_samples_per_s\": %.2f, \"train_gflops\": %.1f, "
           "\"infer_gflops\": %.1f, \"peak_rss_mb\": %.0f, \"params\": %zu, \"winograd\": %d}\n",
           argv[1], size, batch, threads, sps_tr, sps_inf, sps_tr * f_tr / 1e9, sps_inf * f_inf / 1e9,
           mem_peak_rss_kb() / 1024.0, nn_trainable_count(net), !net->conv_direct);
    nn_adam_release(&opt);
    nn_net_free(net);
    free(x), free(y), free(dl);
    return 0;
}
