/* client.h — the small HTTP client of the service's client verbs (submit, status, wait,
 * cancel), on libcurl. The server comes from --server, else MLAC_SERVER, else
 * http://127.0.0.1:8080; the token from MLAC_API_TOKEN (never from a flag, so it stays out of
 * `ps` and shell history); MLAC_CA_CERT names a CA file for a TLS server.
 */
#ifndef MLAC_CLI_CLIENT_H
#define MLAC_CLI_CLIENT_H

#include <jansson.h>
#include "cli/cli.h"
#include "core/error.h"

typedef struct client {
    char server[1024]; /* base URL without trailing '/' */
    char token[512];
} client;

/* What every client verb shares: --server, the positional arguments, the client and the last
 * answer. client_verb_start parses argv with the verb's own options plus --server (and --help);
 * it returns 0 to go on, 64 (EX_USAGE) for a bad command line (a wrong number of arguments, an
 * id with '/', '?', '#' or '%'), or 0 with *stop set after --help. client_verb_call sends one
 * request and returns 0 when the answer's status is one of ok1/ok2, else the exit code after
 * printing the error. client_verb_release frees what start and call made. */
typedef struct client_verb {
    client c;
    strlist pos;     /* positional arguments */
    long status;     /* the last answer's HTTP status */
    json_t *answer;  /* the last answer (owned; may be NULL) */
} client_verb;

typedef struct client_args {
    size_t min_pos, max_pos; /* positional arguments accepted */
    int ids;                 /* positional arguments are experiment ids */
    config *cfg;             /* for OPT_CONFIG options (submit), else NULL */
} client_args;

int client_verb_start(client_verb *v, const struct cli_usage *usage, const struct cli_opt *opts,
                      const client_args *a, int argc, char **argv, int *stop);
int client_verb_call(client_verb *v, const char *method, const char *path, const char *body, long ok1, long ok2);
void client_verb_release(client_verb *v);


#endif
