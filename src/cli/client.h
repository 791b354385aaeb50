/* client.h — the small HTTP client of the service's client verbs (submit, status, wait,
 * cancel), on libcurl. The server comes from --server, else MLAC_SERVER, else
 * http://127.0.0.1:8080; the token from MLAC_API_TOKEN (never from a flag, so it stays out of
 * `ps` and shell history); MLAC_CA_CERT names a CA file for a TLS server.
 */
#ifndef MLAC_CLI_CLIENT_H
#define MLAC_CLI_CLIENT_H

#include <jansson.h>
#include "core/error.h"

typedef struct client {
    char server[1024]; /* base URL without trailing '/' */
    char token[512];
} client;

void client_init(client *c, const char *server_flag);
/* Sends the request; *status is the HTTP status, *body the parsed JSON answer (new ref, may be
 * NULL for non-JSON answers). Fails only when no HTTP answer came (connection, timeout). */
int client_call(const client *c, const char *method, const char *path, const char *body, long *status,
                json_t **answer, mlac_err *err);
/* For a non-2xx answer: fills err with the server's message and returns the CLI exit code
 * (2 for 4xx, 1 otherwise). */
int client_fail(long status, const json_t *answer, mlac_err *err);
/* Exit code of a client verb after the request (cli_fail's conventions). */
int client_report(const mlac_err *err);

#endif
