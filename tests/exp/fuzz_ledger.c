/* fuzz_ledger.c — libFuzzer target for ledger lines (tasks.jsonl, a shard's ledger): the input
 * is parsed as a ledger (ledger_parse), then grouped into summary cells (aggregate_group) and
 * each cell's metric values read, as aggregation does.
 *
 * Not a CTest test; its seed corpus is tests/fixtures/fuzz/ledger/, replayed on every test run by
 * test_fuzz_ledger.c. Findings go there as fuzz_<what>.jsonl.
 * Invariants: no crash, sanitizer report or hang; parsed entries are objects with a string
 * task_id, strictly sorted by it (a repeated id keeps one entry); every ok entry is found by
 * ledger_find; each cell's task count bounds its metric values. The verdict: accepted when
 * no line was skipped as unreadable and grouping succeeded.
 * Build and run: see docs/TESTING.md (cmake -DMLAC_FUZZ=ON with clang).
 */
#include "core/log.h"
#include "exp/aggregate.h"
#include "exp/ledger.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int fuzz_verdict;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_init(LOG_OFF, 0);
    ledger l;
    ledger_init(&l, NULL, "fuzz/tasks.jsonl");
    mlac_err err = {0};
    int rc = ledger_parse((const char *)data, size, "fuzz/tasks.jsonl", &l, &err);
    if (rc && !err.msg[0])
        abort();
    for (size_t i = 0; !rc && i < l.n; i++) {
        const char *id = json_string_value(json_object_get(l.entries[i], "task_id"));
        if (!json_is_object(l.entries[i]) || !id)
            abort();
        if (i && strcmp(json_string_value(json_object_get(l.entries[i - 1], "task_id")), id) >= 0)
            abort();
        const char *st = json_string_value(json_object_get(l.entries[i], "status"));
        if (st && !strcmp(st, "ok") && ledger_find(&l, id, 0) != l.entries[i])
            abort();
    }
    if (!rc) {
        agg_cells cells;
        memset(&cells, 0, sizeof cells);
        rc = aggregate_group(&l, &cells, &err);
        if (rc && !err.msg[0])
            abort();
        for (size_t i = 0; !rc && i < cells.n; i++) {
            double *v = malloc((cells.cells[i].n_tasks + 1) * sizeof *v);
            if (!v)
                break;
            for (size_t k = 0; aggregate_metrics[k]; k++)
                if (aggregate_metric_values(&cells.cells[i], aggregate_metrics[k], v) > cells.cells[i].n_tasks)
                    abort();
            free(v);
        }
        if (!rc)
            aggregate_cells_release(&cells);
    }
    fuzz_verdict = rc != 0 || l.torn_lines > 0;
    ledger_release(&l);
    return 0;
}
