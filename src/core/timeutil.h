/* timeutil.h — monotonic seconds and peak resident memory, for task resource reports. */
#ifndef MLAC_CORE_TIMEUTIL_H
#define MLAC_CORE_TIMEUTIL_H

double time_now(void);          /* monotonic seconds */
double time_wall(void);         /* seconds since the epoch */
long mem_peak_rss_kb(void);     /* process peak RSS in KiB (getrusage) */
void time_iso8601(char out[32]); /* current UTC time, e.g. 2026-11-25T15:20:00Z */

#endif
