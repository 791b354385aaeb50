/* report_util.h — small text helpers shared by the report writers: escaping for HTML/SVG and
 * CSV, and number formatting.
 *
 * Invariant: everything that comes from a run (species and model names, error messages, spec
 * values) passes through report_esc before it lands in HTML or SVG, and through
 * csv_quote (core/csv.h) before it lands in a CSV cell.
 */
#ifndef MLAC_REPORT_UTIL_H
#define MLAC_REPORT_UTIL_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

/* Appends s with & < > " ' replaced by entities, control characters other than tab and
 * newline dropped, a newline as "&#10;" (so it survives inside attributes) and bytes that are
 * not UTF-8 as U+FFFD, so the output is always well-formed XML text. */
int report_esc(buf *b, const char *s, mlac_err *err);

/* Bytes of the longest prefix of s, at most max_bytes long, that ends on a character boundary
 * (and holds only valid UTF-8). */
size_t report_utf8_prefix(const char *s, size_t max_bytes);

/* Formats v with `digits` decimals into out; "–" (en dash) for a non-finite v. */
const char *report_fmt(double v, int digits, char *out, size_t n);

/* A duration: "850 µs", "12.3 ms", "4.56 s", "3 min 20 s"; "–" when not finite. */
const char *report_fmt_seconds(double s, char *out, size_t n);

/* A p-value: "< 0.001", or three significant digits (plain text: escape it for HTML). */
const char *report_fmt_p(double p, char *out, size_t n);

/* The file stem of a species' chart files: the name with anything outside [A-Za-z0-9._-]
 * replaced by '_', and a leading '.' too ("coyote" stays "coyote"). */
void report_file_stem(const char *name, char *out, size_t n);

#endif
