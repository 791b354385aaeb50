/* mpeg_sync.h — locating the first MPEG audio frame in an .mp3 file's bytes (internal to audio/).
 *
 * libsndfile recognises an MP3 from its first bytes (an ID3v2 tag directly followed by a frame,
 * or a frame at offset 0); opened from a path it also falls back to the ".mp3" extension and
 * lets mpg123 resynchronise past leading junk. A memory open has no name, so decode.c calls
 * mpeg_first_frame for a clip named *.mp3 that libsndfile did not recognise and opens the bytes
 * from that frame on.
 */
#ifndef MLAC_AUDIO_MPEG_SYNC_H
#define MLAC_AUDIO_MPEG_SYNC_H

#include <stddef.h>

/* Offset of the first MPEG-1/2/2.5 layer I–III frame header in p (n,) that is followed by a
 * second header of the same version, layer and rate exactly one frame later (or by the end of
 * the data), after skipping any ID3v2 tags at the start; (size_t)-1 if there is none. */
size_t mpeg_first_frame(const unsigned char *p, size_t n);

/* 1 if name ends in ".mp3" (any case), as libsndfile's extension fallback checks. */
int mpeg_name_is_mp3(const char *name);

#endif
