/* sndfile_open.h — libsndfile's virtual open under one process-wide lock (internal to audio/).
 *
 * A failed sf_open_virtual leaves its reason in a global that sf_strerror(NULL) reads; any other
 * thread's open rewrites it. Every open in the process goes through here, so the reason a caller
 * reports is the one its own open left, and an error message does not depend on thread count.
 */
#ifndef MLAC_AUDIO_SNDFILE_OPEN_H
#define MLAC_AUDIO_SNDFILE_OPEN_H

#include <sndfile.h>
#include <stddef.h>

/* sf_open_virtual(vio, mode, info, user). On failure (NULL) why[why_len] holds libsndfile's
 * reason for this open; why may be NULL when the reason is not wanted. */
SNDFILE *sndfile_open_virtual(SF_VIRTUAL_IO *vio, int mode, SF_INFO *info, void *user, char *why,
                              size_t why_len);

#endif
