/* server_faults.h — fault injection of the GCS test server, after Google's storage-testbench:
 * a retry test (POST /retry_test) holds, per operation name (storage.objects.get, ...), a queue
 * of instructions; a request naming the test in x-retry-test-id consumes the next instruction
 * of its operation, and a "global" test applies to requests without the header. */
#ifndef MLAC_TESTS_GCS_SERVER_FAULTS_H
#define MLAC_TESTS_GCS_SERVER_FAULTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define FAULT_MSG 256

enum fault_kind {
  FAULT_NONE,
  FAULT_RETURN,        /* return-NNN: answer status NNN with a Google error body */
  FAULT_RESET,         /* return-reset-connection */
  FAULT_BROKEN_STREAM, /* return-broken-stream-after-NK */
  FAULT_STALL,         /* stall-for-Ns (fractional allowed) */
  FAULT_EXPIRE,        /* expire-upload-session */
};

struct fault {
  enum fault_kind kind;
  int status;         /* FAULT_RETURN */
  size_t after_bytes; /* FAULT_BROKEN_STREAM */
  double seconds;     /* FAULT_STALL */
  char text[64];      /* the instruction as given, for the log */
};

/* Parses one instruction; -1 when it is not one of the kinds above. */
int fault_parse(const char *s, struct fault *f);

struct faults;
struct faults *faults_new(void);
void faults_free(struct faults *fs);
/* POST /retry_test body -> status (200 with *res, or 400 with msg). */
int faults_create(struct faults *fs, json_t *body, json_t **res, char msg[FAULT_MSG]);
/* GET /retry_test/ID -> 200/404. */
int faults_get(struct faults *fs, const char *id, json_t **res);
/* DELETE /retry_test/ID -> 200/404. */
int faults_delete(struct faults *fs, const char *id);
/* GET /retry_test -> every test. */
json_t *faults_list(struct faults *fs);
/* The next instruction for operation op: from the test named id when id is given (an unknown
 * id -> -1), else from the first global test with one queued. f->kind FAULT_NONE when none. */
int faults_next(struct faults *fs, const char *id, const char *op, struct fault *f);

#endif
