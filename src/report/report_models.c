/* report_models.c — how the report names a model: for the embedding models (birdnet, perch)
 * the embedder that made their inputs, from spec.json "embedding", so results of the test
 * stand-in or of imported files are never labelled plain "birdnet"/"perch" (see report_data.h). */
#include "report/report_data.h"

#include <jansson.h>
#include <string.h>

const char *report_embedder(const report_run *r, int model)
{
    if (model < 0 || (size_t)model >= r->models.n)
        return NULL;
    json_t *e = json_object_get(json_object_get(json_object_get(r->spec, "embedding"), r->models.items[model]),
                                "embedder");
    return json_is_string(e) ? json_string_value(e) : NULL;
}

const char *report_embedder_kind(const report_run *r, int model)
{
    const char *e = report_embedder(r, model);
    if (!e || !e[0])
        return "";
    if (!strncmp(e, "import:", 7))
        return "import";
    if (strstr(e, "stand_in_embedder") || strstr(e, "stand-in"))
        return "stand-in";
    return "command";
}
