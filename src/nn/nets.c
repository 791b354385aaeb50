/* nets.c — vgg, MobileNetV2 and ResNet-18 as layer lists (see nets.h). The structure and names
 * follow torchvision 0.14's mobilenet.py and resnet.py line by line, so a torchvision state_dict
 * maps onto these parameters by name (tests/fixtures/gen/nn.py builds the same networks there).
 */
#include "nn/nets.h"

#include <math.h>
#include <stdio.h>

const char *nn_arch_name(int arch)
{
    static const char *names[] = {"vgg", "mobilenet", "resnet"};
    return arch >= 0 && arch < 3 ? names[arch] : "?";
}

/* conv (no bias) - BN - optional ReLU(cap): names <pfx>.0 / <pfx>.1 (Conv2dNormActivation) or
 * explicit conv and bn names when given. */
static int conv_bn(nn_net *net, int x, int k, int ks, int stride, int groups, const char *cname,
                   const char *bname, int relu, float cap)
{
    x = nn_conv(net, x, k, ks, stride, ks / 2, groups, 0, cname);
    x = nn_bn(net, x, bname);
    return relu ? nn_relu(net, x, cap) : x;
}

static int build_vgg(nn_net *net, const nn_arch_params *ap)
{
    static const int ch[4] = {32, 64, 128, 256};
    int x = 0, idx = 0;
    char c[64], b[64];
    for (int blk = 0; blk < 4; blk++) {
        for (int j = 0; j < 2; j++) {
            snprintf(c, sizeof c, "features.%d", idx);
            snprintf(b, sizeof b, "features.%d", idx + 1);
            x = conv_bn(net, x, ch[blk], 3, 1, 1, c, b, 1, 0);
            idx += 3;
        }
        x = nn_maxpool(net, x, 2, 2, 0);
        idx++;
    }
    x = nn_gap(net, x);
    x = nn_linear(net, x, 256, "classifier.0");
    x = nn_relu(net, x, 0);
    x = nn_dropout(net, x, ap->dropout);
    return nn_linear(net, x, ap->n_out, "classifier.3");
}

/* torchvision's _make_divisible(v, 8) */
static int make_divisible(double v, int d)
{
    int nv = (int)(v + d / 2.0) / d * d;
    if (nv < d)
        nv = d;
    if (nv < 0.9 * v)
        nv += d;
    return nv;
}

static int build_mobilenet(nn_net *net, const nn_arch_params *ap)
{
    static const int setting[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                                      {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    int in_c = make_divisible(32 * ap->width, 8);
    int last_c = make_divisible(1280 * (ap->width > 1 ? ap->width : 1.0), 8);
    int x = conv_bn(net, 0, in_c, 3, 2, 1, "features.0.0", "features.0.1", 1, 6);
    int f = 1;
    char c[80], b[80];
    for (int s = 0; s < 7; s++) {
        int t = setting[s][0], out_c = make_divisible(setting[s][1] * ap->width, 8);
        for (int i = 0; i < setting[s][2]; i++, f++) {
            int stride = i == 0 ? setting[s][3] : 1;
            int hidden = (int)lround(in_c * (double)t);
            int y = x, m = 0;
            if (t != 1) {
                snprintf(c, sizeof c, "features.%d.conv.0.0", f);
                snprintf(b, sizeof b, "features.%d.conv.0.1", f);
                y = conv_bn(net, y, hidden, 1, 1, 1, c, b, 1, 6);
                m = 1;
            }
            snprintf(c, sizeof c, "features.%d.conv.%d.0", f, m);
            snprintf(b, sizeof b, "features.%d.conv.%d.1", f, m);
            y = conv_bn(net, y, hidden, 3, stride, hidden, c, b, 1, 6);
            snprintf(c, sizeof c, "features.%d.conv.%d", f, m + 1);
            snprintf(b, sizeof b, "features.%d.conv.%d", f, m + 2);
            y = conv_bn(net, y, out_c, 1, 1, 1, c, b, 0, 0);
            x = (stride == 1 && in_c == out_c) ? nn_add(net, x, y) : y;
            in_c = out_c;
        }
    }
    snprintf(c, sizeof c, "features.%d.0", f);
    snprintf(b, sizeof b, "features.%d.1", f);
    x = conv_bn(net, x, last_c, 1, 1, 1, c, b, 1, 6);
    x = nn_gap(net, x);
    x = nn_dropout(net, x, ap->dropout);
    return nn_linear(net, x, ap->n_out, "classifier.1");
}

static int build_resnet(nn_net *net, const nn_arch_params *ap)
{
    (void)ap;
    int x = nn_conv(net, 0, 64, 7, 2, 3, 1, 0, "conv1");
    x = nn_bn(net, x, "bn1");
    x = nn_relu(net, x, 0);
    x = nn_maxpool(net, x, 3, 2, 1);
    int in_c = 64;
    char n1[64], n2[64];
    for (int l = 0; l < 4; l++) {
        int planes = 64 << l;
        for (int blk = 0; blk < 2; blk++) {
            int stride = (l > 0 && blk == 0) ? 2 : 1;
            snprintf(n1, sizeof n1, "layer%d.%d.conv1", l + 1, blk);
            snprintf(n2, sizeof n2, "layer%d.%d.bn1", l + 1, blk);
            int y = conv_bn(net, x, planes, 3, stride, 1, n1, n2, 1, 0);
            snprintf(n1, sizeof n1, "layer%d.%d.conv2", l + 1, blk);
            snprintf(n2, sizeof n2, "layer%d.%d.bn2", l + 1, blk);
            y = conv_bn(net, y, planes, 3, 1, 1, n1, n2, 0, 0);
            int id = x;
            if (stride != 1 || in_c != planes) {
                snprintf(n1, sizeof n1, "layer%d.%d.downsample.0", l + 1, blk);
                snprintf(n2, sizeof n2, "layer%d.%d.downsample.1", l + 1, blk);
                id = conv_bn(net, x, planes, 1, stride, 1, n1, n2, 0, 0);
            }
            x = nn_relu(net, nn_add(net, y, id), 0);
            in_c = planes;
        }
    }
    x = nn_gap(net, x);
    return nn_linear(net, x, ap->n_out, "fc");
}

int nn_build(nn_net **out, const nn_arch_params *ap, mlac_err *err)
{
    *out = NULL;
    if (ap->arch < 0 || ap->arch > 2)
        return mlac_errf(err, MLAC_EINVAL, "unknown network architecture %d", ap->arch);
    if (ap->size < 8 || ap->size > 4096)
        return mlac_errf(err, MLAC_EINVAL, "input size %d out of range [8, 4096]", ap->size);
    if (ap->arch == NN_ARCH_MOBILENET && !(ap->width >= 0.05 && ap->width <= 4))
        return mlac_errf(err, MLAC_EINVAL, "mobilenet width %g out of range [0.05, 4]", ap->width);
    nn_net *net = NULL;
    int rc = nn_net_new(&net, ap->in_ch, ap->size, ap->size, err);
    if (rc)
        return rc;
    if (ap->arch == NN_ARCH_VGG)
        build_vgg(net, ap);
    else if (ap->arch == NN_ARCH_MOBILENET)
        build_mobilenet(net, ap);
    else
        build_resnet(net, ap);
    if ((rc = nn_net_finish(net, err))) {
        mlac_err_prefix(err, "building %s at %dx%d: ", nn_arch_name(ap->arch), ap->size, ap->size);
        nn_net_free(net);
        return rc;
    }
    *out = net;
    return MLAC_OK;
}
