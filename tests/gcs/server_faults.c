/* server_faults.c — retry tests: an id, a global flag and per operation a JSON array of
 * instruction strings that requests consume from the front. A test is "completed" when every
 * array is empty. Instructions are validated when the test is created (unknown -> 400). */
#include "gcs/server_faults.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcs/server_util.h"

#define TESTS_MAX 1024
#define INSTRUCTIONS_MAX 10000

struct retry_test {
  char id[33];
  bool global;
  json_t *instructions; /* {op: [instruction, ...]} */
};

struct faults {
  pthread_mutex_t mu;
  struct retry_test *t[TESTS_MAX];
  size_t n;
};

int fault_parse(const char *s, struct fault *f)
{
  char tail[8];
  int status;
  unsigned long kib;
  double sec;
  memset(f, 0, sizeof *f);
  snprintf(f->text, sizeof f->text, "%s", s);
  if (strcmp(s, "return-reset-connection") == 0) {
    f->kind = FAULT_RESET;
    return 0;
  }
  if (strcmp(s, "expire-upload-session") == 0) {
    f->kind = FAULT_EXPIRE;
    return 0;
  }
  if (sscanf(s, "return-broken-stream-after-%luK%1s", &kib, tail) == 1 && kib < (1ul << 20) &&
      s[strlen(s) - 1] == 'K') {
    f->kind = FAULT_BROKEN_STREAM;
    f->after_bytes = kib * 1024;
    return 0;
  }
  if (sscanf(s, "stall-for-%lfs%1s", &sec, tail) == 1 && sec >= 0 && sec <= 600 &&
      s[strlen(s) - 1] == 's') {
    f->kind = FAULT_STALL;
    f->seconds = sec;
    return 0;
  }
  if (strncmp(s, "return-", 7) == 0 && strlen(s) == 10 && sscanf(s + 7, "%3d%1s", &status, tail) == 1 &&
      status >= 200 && status <= 599) {
    f->kind = FAULT_RETURN;
    f->status = status;
    return 0;
  }
  return -1;
}

struct faults *faults_new(void)
{
  struct faults *fs = calloc(1, sizeof *fs);
  if (fs)
    pthread_mutex_init(&fs->mu, NULL);
  return fs;
}

void faults_free(struct faults *fs)
{
  if (!fs)
    return;
  for (size_t i = 0; i < fs->n; i++) {
    json_decref(fs->t[i]->instructions);
    free(fs->t[i]);
  }
  pthread_mutex_destroy(&fs->mu);
  free(fs);
}

static json_t *test_resource(const struct retry_test *t)
{
  bool completed = true;
  const char *op;
  json_t *list;
  json_object_foreach(t->instructions, op, list)
    if (json_array_size(list))
      completed = false;
  return json_pack("{s:s, s:O, s:b, s:b}", "id", t->id, "instructions", t->instructions,
                   "completed", completed, "global", t->global);
}

int faults_create(struct faults *fs, json_t *body, json_t **res, char msg[FAULT_MSG])
{
  json_t *ins = json_object_get(body, "instructions"), *g = json_object_get(body, "global");
  const char *op;
  json_t *list;
  size_t count = 0;
  if (!json_is_object(ins)) {
    snprintf(msg, FAULT_MSG, "retry_test: 'instructions' must be an object of arrays");
    return 400;
  }
  if (g && !json_is_boolean(g)) {
    snprintf(msg, FAULT_MSG, "retry_test: 'global' must be true or false");
    return 400;
  }
  json_object_foreach(ins, op, list) {
    size_t i;
    json_t *v;
    if (!json_is_array(list)) {
      snprintf(msg, FAULT_MSG, "retry_test: instructions.%s must be an array", op);
      return 400;
    }
    json_array_foreach(list, i, v) {
      struct fault f;
      if (!json_is_string(v) || fault_parse(json_string_value(v), &f) != 0) {
        snprintf(msg, FAULT_MSG, "retry_test: instructions.%s[%zu] is not a known instruction", op, i);
        return 400;
      }
    }
    count += json_array_size(list);
  }
  if (count > INSTRUCTIONS_MAX) {
    snprintf(msg, FAULT_MSG, "retry_test: more than %d instructions", INSTRUCTIONS_MAX);
    return 400;
  }
  struct retry_test *t = calloc(1, sizeof *t);
  if (!t) {
    snprintf(msg, FAULT_MSG, "out of memory");
    return 500;
  }
  random_hex(t->id, 16);
  t->global = g && json_is_true(g);
  t->instructions = json_deep_copy(ins);
  pthread_mutex_lock(&fs->mu);
  if (fs->n == TESTS_MAX) {
    pthread_mutex_unlock(&fs->mu);
    json_decref(t->instructions);
    free(t);
    snprintf(msg, FAULT_MSG, "retry_test: too many tests (%d)", TESTS_MAX);
    return 429;
  }
  fs->t[fs->n++] = t;
  *res = test_resource(t);
  pthread_mutex_unlock(&fs->mu);
  return 200;
}

static struct retry_test *find(struct faults *fs, const char *id, size_t *index)
{
  for (size_t i = 0; i < fs->n; i++)
    if (strcmp(fs->t[i]->id, id) == 0) {
      if (index)
        *index = i;
      return fs->t[i];
    }
  return NULL;
}

int faults_get(struct faults *fs, const char *id, json_t **res)
{
  int rc = 404;
  pthread_mutex_lock(&fs->mu);
  struct retry_test *t = find(fs, id, NULL);
  if (t) {
    *res = test_resource(t);
    rc = 200;
  }
  pthread_mutex_unlock(&fs->mu);
  return rc;
}

int faults_delete(struct faults *fs, const char *id)
{
  size_t i;
  int rc = 404;
  pthread_mutex_lock(&fs->mu);
  struct retry_test *t = find(fs, id, &i);
  if (t) {
    json_decref(t->instructions);
    free(t);
    memmove(fs->t + i, fs->t + i + 1, (fs->n - i - 1) * sizeof *fs->t);
    fs->n--;
    rc = 200;
  }
  pthread_mutex_unlock(&fs->mu);
  return rc;
}

json_t *faults_list(struct faults *fs)
{
  json_t *a = json_array();
  pthread_mutex_lock(&fs->mu);
  for (size_t i = 0; i < fs->n; i++)
    json_array_append_new(a, test_resource(fs->t[i]));
  pthread_mutex_unlock(&fs->mu);
  return a;
}

/* Pops the first instruction of t's queue for op into f; false when it has none. */
static bool pop(struct retry_test *t, const char *op, struct fault *f)
{
  json_t *list = json_object_get(t->instructions, op);
  if (!json_array_size(list))
    return false;
  fault_parse(json_string_value(json_array_get(list, 0)), f); /* validated at creation */
  json_array_remove(list, 0);
  return true;
}

int faults_next(struct faults *fs, const char *id, const char *op, struct fault *f)
{
  int rc = 0;
  memset(f, 0, sizeof *f);
  pthread_mutex_lock(&fs->mu);
  if (id) {
    struct retry_test *t = find(fs, id, NULL);
    if (!t)
      rc = -1;
    else
      pop(t, op, f);
  } else {
    for (size_t i = 0; i < fs->n; i++)
      if (fs->t[i]->global && pop(fs->t[i], op, f))
        break;
  }
  pthread_mutex_unlock(&fs->mu);
  return rc;
}
