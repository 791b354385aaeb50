/* spec_keys.c — the experiment spec's settings, declared once: key, type, range or words,
 * default, environment names and help (config.h). spec_fill (spec.c) reads them through these
 * rows; `mlac config`, the YAML spec, the environment and the flags know them from here. */
#include "exp/settings.h"

#include <jansson.h>
#include <stdio.h>

/* model_options: a JSON object (its models and options are checked by spec_fill and the models). */
static int check_json_object(const char *value, char *why, size_t n)
{
    json_error_t jerr;
    json_t *j = json_loads(value, 0, &jerr);
    int bad = !j || !json_is_object(j);
    if (bad)
        snprintf(why, n, "not a JSON object%s%s", j ? "" : ": ", j ? "" : jerr.text);
    json_decref(j);
    return bad;
}

#define T CONFIG_TEXT
#define I CONFIG_INT
#define N CONFIG_NUM
#define W CONFIG_WORDS
static const config_key spec_keys[] = {
    {"data", T, {"MLAC_DATA", "DATA_ROOT", NULL}, "data", 0, 0, NULL, 0, NULL, NULL, "data root: a folder or gs://bucket/prefix"},
    {"output_dir", T, {"MLAC_OUTPUT_DIR", "RESULTS_DIR", NULL}, "results", 0, 0, NULL, 0, NULL, NULL, "where runs are written"},
    {"seed", I, {"MLAC_SEED", "RANDOM_SEED", NULL}, "42", 0, 9223372036854775807.0, NULL, 0, NULL, NULL, "master random seed"},
    {"sample_rate", I, {"MLAC_SAMPLE_RATE", "AUDIO_SAMPLE_RATE", NULL}, "22050", 1000, 384000, NULL, 0, NULL, NULL, "analysis sample rate (Hz)"},
    {"clip_seconds", N, {"MLAC_CLIP_SECONDS", NULL, NULL}, "auto", 0.05, 3600, "auto", 1, NULL, NULL, "clip length after centre pad/crop (s); auto = the most common clip duration of the data"},
    {"n_fft", I, {"MLAC_N_FFT", NULL, NULL}, "2048", 16, 65536, NULL, 0, NULL, NULL, "FFT size"},
    {"hop_length", I, {"MLAC_HOP_LENGTH", NULL, NULL}, "512", 1, 65536, NULL, 0, NULL, NULL, "STFT hop (samples)"},
    {"n_mels", I, {"MLAC_N_MELS", NULL, NULL}, "128", 1, 1024, NULL, 0, NULL, NULL, "mel bands"},
    {"n_mfcc", I, {"MLAC_N_MFCC", NULL, NULL}, "13", 1, 1024, NULL, 0, NULL, NULL, "MFCC coefficients"},
    {"mel_scale", W, {"MLAC_MEL_SCALE", NULL, NULL}, "slaney", 0, 0, "slaney|htk", 0, NULL, NULL, "mel scale: slaney or htk"},
    {"cv_folds", I, {"MLAC_CV_FOLDS", "DEFAULT_CV_FOLDS", NULL}, "5", 2, 1000, NULL, 0, NULL, NULL, "cross-validation folds"},
    {"repeats", I, {"MLAC_REPEATS", NULL, NULL}, "1", 1, 1000, NULL, 0, NULL, NULL, "repeats of the whole K-fold split"},
    {"max_concurrent", I, {"MLAC_MAX_CONCURRENT", "MAX_WORKERS", NULL}, "1", 1, 256, NULL, 0, NULL, NULL, "tasks run at once"},
    {"threads", I, {"MLAC_THREADS", NULL, NULL}, "0", 0, 1024, NULL, 0, NULL, NULL, "total thread budget (0 = the CPUs this process may use: cgroup quota, affinity, SLURM_CPUS_PER_TASK)"},
    {"batch_size", I, {"MLAC_BATCH_SIZE", "BATCH_SIZE", NULL}, "32", 1, 65536, NULL, 0, NULL, NULL, "CNN batch size"},
    {"negatives", W, {"MLAC_NEGATIVES", NULL, NULL}, "auto", 0, 0, "auto|folder|others", 0, NULL, NULL, "negatives: auto, folder or others"},
    {"group_by", T, {"MLAC_GROUP_BY", NULL, NULL}, "", 0, 0, NULL, 0, NULL, NULL, "clip groups: none, folder or re:PATTERN (empty = a labels.csv group column)"},
    {"calibrate", W, {"MLAC_CALIBRATE", NULL, NULL}, "none", 0, 0, "none|platt", 1, NULL, NULL, "probability calibration of the SVM: none or platt"},
    {"group_score", W, {"MLAC_GROUP_SCORE", NULL, NULL}, "", 0, 0, "none|max|mean", 1, NULL, NULL, "also score each task over groups: max or mean of a group's clips (empty = off)"},
    {"test_data", T, {"MLAC_TEST_DATA", NULL, NULL}, "", 0, 0, NULL, 0, NULL, NULL, "external test set root (same layout), scored by every task"},
    {"groups", T, {"MLAC_GROUPS", NULL, NULL}, "", 0, 0, NULL, 0, NULL, NULL, "CSV of file,group rows (file relative to the data root)"},
    {"labels", T, {"MLAC_LABELS", NULL, NULL}, "", 0, 0, NULL, 0, NULL, NULL, "labels CSV of file,species,label[,group] rows instead of the folder layout (files relative to the data root, or to the CSV's folder when no data root is given)"},
    {"positive_label", T, {"MLAC_POSITIVE_LABEL", NULL, NULL}, "", 0, 0, NULL, 0, NULL, NULL, "label value of positive clips in the labels CSV (empty = decided from the values, the mapping printed)"},
    {"negative_label", T, {"MLAC_NEGATIVE_LABEL", NULL, NULL}, "", 0, 0, NULL, 0, NULL, NULL, "label value of negative clips in the labels CSV (empty = every other value, or decided from the values)"},
    {"on_bad_clip", W, {"MLAC_ON_BAD_CLIP", NULL, NULL}, "skip", 0, 0, "skip|fail", 1, NULL, NULL, "unreadable clips: skip (left out of counts and folds, listed in spec.json and the report) or fail"},
    {"models", T, {"MLAC_MODELS", NULL, NULL}, "random_forest,svm", 0, 0, NULL, 0, NULL, NULL, "models of a run"},
    {"species", T, {"MLAC_SPECIES", NULL, NULL}, "", 0, 0, NULL, 0, NULL, NULL, "species of a run (empty = every species found in the data)"},
    {"training_sizes", T, {"MLAC_TRAINING_SIZES", NULL, NULL}, "25,50,100", 0, 0, NULL, 0, NULL, NULL, "training clips per class"},
    {"run_id", T, {"MLAC_RUN_ID", NULL, NULL}, "", 0, 0, NULL, 0, NULL, NULL, "run folder name (empty = derived from the spec)"},
    {"image_size", I, {"MLAC_IMAGE_SIZE", NULL, NULL}, "128", 8, 1024, NULL, 0, NULL, NULL, "side of the log-mel image for CNNs"},
    {"model_options", T, {"MLAC_MODEL_OPTIONS", NULL, NULL}, "{}", 0, 0, NULL, 0, check_json_object, NULL, "per-model options as JSON: {\"random_forest\": {\"n_trees\": 200}}"},
    {"epochs", I, {"MLAC_EPOCHS", "EPOCHS", NULL}, "", 1, 1e6, NULL, 1, NULL, NULL, "CNN training epochs (empty = the model's default)"},
    {"width", N, {"MLAC_WIDTH", NULL, NULL}, "", 0.05, 8, NULL, 1, NULL, NULL, "mobilenet channel width multiplier (empty = 1.0; vgg and resnet ignore it)"},
    {"pretrained", T, {"MLAC_PRETRAINED", NULL, NULL}, "", 0, 0, NULL, 0, NULL, NULL, "safetensors file of pretrained CNN weights"},
    {NULL, 0, {NULL, NULL, NULL}, NULL, 0, 0, NULL, 0, NULL, NULL, NULL},
};

const config_table spec_config_table = {"experiment (src/exp/spec_keys.c)", spec_keys};
