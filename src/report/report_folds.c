/* report_folds.c — the notes at the top of a report about how honest its folds are: how the
 * clips were grouped (spec.json "group_by", "groups") and the run's data warnings (spec.json
 * "warnings": windows of one recording without groups, a group too large to balance). */
#include "report/report_internal.h"

#include <string.h>

int report_fold_notes(report_run *r, mlac_err *err)
{
    if (!r->spec)
        return MLAC_OK;
    json_t *groups = json_object_get(r->spec, "groups");
    const char *how = json_string_value(json_object_get(r->spec, "group_by"));
    int rc = MLAC_OK;
    if (json_is_object(groups))
        rc = report_note(r, err, "Folds are grouped (group_by %s): no group (recording, site) is ever on both sides "
                         "of a split.", json_string_value(json_object_get(groups, "source")));
    else if (how)
        rc = report_note(r, err, "Folds are stratified over clips, without groups (group_by %s): clips from one "
                         "recording can be in both the training and the test fold.", how);
    json_t *w = json_object_get(r->spec, "warnings");
    size_t i;
    json_t *v;
    json_array_foreach(w, i, v) {
        if (!rc && json_is_string(v))
            rc = report_note(r, err, "Warning: %s", json_string_value(v));
    }
    return rc;
}
