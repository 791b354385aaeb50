/* utf8.h — UTF-8 validity of names that mlac writes into JSON and CSV results.
 *
 * utf8_valid follows RFC 3629 (no overlong forms, no surrogates, nothing past U+10FFFF).
 * utf8_escape writes a name for a message: valid text as is, each invalid byte as \xNN, so an
 * error can show a name that cannot be printed.
 */
#ifndef MLAC_CORE_UTF8_H
#define MLAC_CORE_UTF8_H

#include <stddef.h>

int utf8_valid(const char *s);
void utf8_escape(const char *s, char *out, size_t n);

#endif
