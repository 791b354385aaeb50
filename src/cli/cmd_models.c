/* cmd_models.c — `mlac models`: every registered model, its input and its options with their
 * defaults, from the models' own option tables (so the list cannot drift from what is parsed). */
#include "cli/cli.h"
#include "core/options.h"
#include "exp/input_kinds.h"
#include "ml/model.h"

#include <stdio.h>
#include <sysexits.h>
#include <string.h>

static const char *input_name(enum model_input in)
{
    const struct input_kind *k = input_kind_of(in);
    return k ? k->reads : "?";
}

int cmd_models(int argc, char **argv)
{
    static const struct cli_usage usage = {
        "mlac models", "[NAME...]",
        "Lists the models mlac can run, what each one reads, and its options with their defaults.\n"
        "Set options per model with --model-options '{\"<model>\": {\"<option>\": value}}'."};
    int stop;
    const struct cli_opt opts[] = {{NULL, 0, NULL, NULL, NULL}};
    strlist names;
    strlist_init(&names);
    int rc = cli_parse(&usage, opts, argc, argv, &names, NULL, &stop);
    if (rc || stop)
        goto out;
    for (size_t i = 0; i < names.n; i++)
        if (!model_find(names.items[i])) {
            char known[256];
            model_names(known, sizeof known);
            fprintf(stderr, "mlac: error: unknown model '%s' (known: %s)\n", names.items[i], known);
            rc = EX_USAGE;
            goto out;
        }
    for (const struct model_kind *const *k = model_all(); *k; k++) {
        int wanted = names.n == 0;
        for (size_t i = 0; i < names.n && !wanted; i++)
            wanted = !strcmp(names.items[i], (*k)->name);
        if (!wanted)
            continue;
        printf("%s — %s\n  input: %s\n", (*k)->name, (*k)->description, input_name((*k)->input));
        if ((*k)->options) {
            buf help;
            buf_init(&help, 0);
            mlac_err err;
            if (options_help((*k)->options, &help, &err) == MLAC_OK)
                printf("  options:\n%s", help.data ? help.data : "");
            if ((*k)->input == INPUT_LOGMEL_IMAGE) /* a file path, parsed beside the CNN table */
                printf("    %-16s a safetensors file (default none): torchvision-named weights loaded before training "
                       "(--pretrained)\n", "pretrained");
            buf_release(&help);
        } else {
            printf("  options: see the model's flags in 'mlac run-experiment --help'\n");
        }
        printf("\n");
    }
out:
    strlist_release(&names);
    return rc;
}
