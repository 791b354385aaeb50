/* mix.c — placing an event into a background at a given SNR (see synth_mix in synth.h).
 *
 * SNR is the event's own mean power over its span against the background's mean power over
 * the same samples, in dB: the "event SNR" used by sound-event-detection datasets (e.g.
 * Scaper, DCASE). Computed in double; the gain is applied in float.
 */
#include "synth/dsp.h"
#include "synth/synth.h"

#include <math.h>

double synth_mix_gain(const float *bg, size_t n_bg, const float *ev, size_t n_ev, size_t offset,
                      double snr_db)
{
    if (offset >= n_bg)
        return 0.0;
    if (n_ev > n_bg - offset)
        n_ev = n_bg - offset;
    double p_ev = synth_power(ev, n_ev), p_bg = synth_power(bg + offset, n_ev);
    if (p_ev <= 0.0 || p_bg <= 0.0 || !isfinite(snr_db))
        return 0.0;
    return sqrt(p_bg / p_ev * pow(10.0, snr_db / 10.0));
}

double synth_mix(float *bg, size_t n_bg, const float *ev, size_t n_ev, size_t offset, double snr_db)
{
    double gain = synth_mix_gain(bg, n_bg, ev, n_ev, offset, snr_db);
    if (gain > 0.0)
        synth_add(bg + offset, ev, n_ev > n_bg - offset ? n_bg - offset : n_ev, (float)gain);
    return gain;
}
