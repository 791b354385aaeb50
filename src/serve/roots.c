/* roots.c — containment of a submitted path under an allowed root (--data-roots, --results).
 *
 * Local paths are made absolute, any "." / ".." component refused outright (no lexical games),
 * and the longest existing prefix resolved with realpath, so a symlink inside a root that points
 * outside it does not count as inside. URIs (gs://...) are compared as strings on a '/' boundary.
 */
#include "serve/serve_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int has_dot_component(const char *p)
{
    for (const char *c = p; *c;) {
        const char *e = strchr(c, '/');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return 1;
        c += n + (e != NULL);
    }
    return 0;
}

static const char *strip_file_scheme(const char *p)
{
    return strncmp(p, "file://", 7) == 0 ? p + 7 : p;
}

/* realpath of the longest existing prefix, plus the rest as given. */
static int resolve(const char *in, char *out, size_t n)
{
    char abs[PATH_MAX * 2];
    if (in[0] == '/')
        snprintf(abs, sizeof abs, "%s", in);
    else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return -1;
        snprintf(abs, sizeof abs, "%s/%s", cwd, in);
    }
    size_t len = strlen(abs);
    while (len > 1 && abs[len - 1] == '/')
        abs[--len] = '\0';
    char head[PATH_MAX * 2];
    snprintf(head, sizeof head, "%s", abs);
    for (;;) {
        char real[PATH_MAX];
        if (realpath(head, real)) {
            snprintf(out, n, "%s%s", strcmp(real, "/") ? real : "", abs + strlen(head));
            return 0;
        }
        char *slash = strrchr(head, '/');
        if (!slash || slash == head)
            return -1;
        *slash = '\0';
    }
}

static int prefix_on_boundary(const char *root, const char *path)
{
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    return strncmp(root, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int roots_contains(const char *root, const char *path)
{
    int root_uri = strstr(root, "://") && strncmp(root, "file://", 7);
    int path_uri = strstr(path, "://") && strncmp(path, "file://", 7);
    if (root_uri || path_uri)
        return root_uri && path_uri && !has_dot_component(path) && prefix_on_boundary(root, path);
    root = strip_file_scheme(root);
    path = strip_file_scheme(path);
    if (!path[0] || has_dot_component(path))
        return 0;
    char r[PATH_MAX * 2], p[PATH_MAX * 2];
    if (resolve(root, r, sizeof r) || resolve(path, p, sizeof p))
        return 0;
    return prefix_on_boundary(r, p);
}
