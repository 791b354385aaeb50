/* csv.h — an RFC 4180 record reader (tokeniser only): fields separated by commas, records by
 * CRLF or LF; a field may be quoted ("a, b", "say ""hi""", a line break inside quotes is part of
 * the field). A UTF-8 byte-order mark at the start is skipped. Whitespace is kept as written.
 *
 * Limits: at most CSV_MAX_FIELDS fields per record and CSV_MAX_FIELD bytes per field; more is a
 * format error naming the line, as are an unterminated quote and text after a closing quote.
 * The reader keeps a pointer to the bytes it was given: they must outlive it.
 */
#ifndef MLAC_CORE_CSV_H
#define MLAC_CORE_CSV_H

#include <stddef.h>
#include "core/buf.h"
#include "core/error.h"

#define CSV_MAX_FIELDS 256
#define CSV_MAX_FIELD (64u << 10)

typedef struct csv_reader {
    const char *p, *end; /* the bytes not read yet */
    const char *name;    /* named in errors (a file name), borrowed */
    size_t line;         /* line of the next record's first byte, 1-based */
    size_t record_line;  /* line where the last record returned began */
} csv_reader;

void csv_reader_init(csv_reader *r, const void *data, size_t n, const char *name);
/* Reads the next record into fields (cleared first). *got = 1 when a record was read, 0 at the
 * end. A blank line is a record of one empty field. Returns MLAC_OK or MLAC_EFORMAT/ENOMEM. */
int csv_next(csv_reader *r, strlist *fields, int *got, mlac_err *err);

#endif
