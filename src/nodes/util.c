/*
 * Utilities: mixing, crossfading, equal-power panning, pitch and level conversions. Stateless.
 */
#include "nodes/extra.h"

#include <math.h>

#define FN(f) ((void (*)(void))(f))

double sj__node_mix(double a, double ga, double b, double gb)
{
    return a * ga + b * gb;
}

double sj__node_xfade(double a, double b, double x)
{
    return a + sj__clampd(x, 0.0, 1.0) * (b - a);
}

double sj__node_pan(double in, double pos, double *rv)
{
    double th = (sj__clampd(pos, -1.0, 1.0) + 1.0) * 0.78539816339744830962; /* [0, pi/2] */
    rv[0] = in * sj__fsin(th);
    return in * sj__fcos(th);
}

/* Scales as sets of semitones above the root (bit i = semitone i). */
static const uint16_t scales[SJ_QUANT_SCALES] = {
    0xFFF,                                           /* 0 chromatic */
    1 | 1 << 2 | 1 << 4 | 1 << 5 | 1 << 7 | 1 << 9 | 1 << 11, /* 1 major */
    1 | 1 << 2 | 1 << 3 | 1 << 5 | 1 << 7 | 1 << 8 | 1 << 10, /* 2 natural minor */
    1 | 1 << 2 | 1 << 4 | 1 << 7 | 1 << 9,           /* 3 major pentatonic */
    1 | 1 << 3 | 1 << 5 | 1 << 7 | 1 << 10,          /* 4 minor pentatonic */
    1 | 1 << 2 | 1 << 3 | 1 << 5 | 1 << 7 | 1 << 9 | 1 << 10, /* 5 dorian */
    1 | 1 << 2 | 1 << 3 | 1 << 5 | 1 << 7 | 1 << 8 | 1 << 11, /* 6 harmonic minor */
    1 | 1 << 2 | 1 << 4 | 1 << 6 | 1 << 8 | 1 << 10, /* 7 whole tone */
    1 | 1 << 3 | 1 << 5 | 1 << 6 | 1 << 7 | 1 << 10, /* 8 blues */
};

/* The scale note nearest to `note` (ties go down). Every scale has the root, so the search ends
 * within 6 semitones either way. */
double sj__node_quant(double note, double scale, double root)
{
    if (!(note > -1e9 && note < 1e9))
        return note != note ? note : (note > 0 ? 1e9 : -1e9);
    unsigned set = scales[(int)(sj__clampd(scale, 0.0, SJ_QUANT_SCALES - 1) + 0.5)];
    double fl = floor(note);
    int64_t rel = (int64_t)fl - (int64_t)(sj__clampd(root, 0.0, 11.0) + 0.5);
    int pc = (int)(((rel % 12) + 12) % 12); /* pitch class of floor(note) above the root */
    int down = 0, up = 1;
    while (!((set >> ((pc - down + 12) % 12)) & 1u))
        down++;
    while (!((set >> ((pc + up) % 12)) & 1u))
        up++;
    double lo = fl - down, hi = fl + up;
    return note - lo <= hi - note ? lo : hi;
}

double sj__node_mtof(double note)
{
    return 440.0 * exp2((note - 69.0) * (1.0 / 12.0));
}

double sj__node_ftom(double freq)
{
    return 69.0 + 12.0 * log2(sj__clampd(freq, 1e-3, HUGE_VAL) * (1.0 / 440.0));
}

double sj__node_dbtoa(double db)
{
    return exp(db * 0.11512925464970228420); /* ln(10) / 20 */
}

double sj__node_atodb(double gain)
{
    return 20.0 * log10(sj__clampd(fabs(gain), 1e-10, HUGE_VAL));
}

static const char *const in_mix[] = {"a", "ga", "b", "gb", NULL};
static const char *const in_xfade[] = {"a", "b", "x", NULL};
static const char *const in_pan[] = {"in", "pos", NULL};
static const char *const out_pan[] = {"left", "right", NULL};
static const char *const in_note[] = {"note", NULL};
static const char *const in_quant[] = {"note", "scale", "root", NULL};
static const char *const in_freq[] = {"freq", NULL};
static const char *const in_db[] = {"db", NULL};
static const char *const in_gain[] = {"gain", NULL};
static const char *const out_y[] = {"out", NULL};

static const sj_node_type types[] = {
    {"mix",
     "Two-channel mixer with gains; nest it for more channels.\n\n"
     "- `a`, `b`: signals. `ga`, `gb`: their gains (linear; `dbtoa` converts from dB).\n- output: "
     "a ga + b gb.\n\n"
     "Algorithm: two multiplications and an addition.\n\n"
     "Example: `mix(saw(110), 0.3, pink(1), 0.05)`.",
     in_mix, out_y, "vvvvr", 0, NULL, FN(sj__node_mix)},
    {"xfade",
     "Linear crossfade between two signals.\n\n"
     "- `a`, `b`: signals. `x`: position, clamped to [0, 1]: 0 gives `a`, 1 gives `b`.\n- output: "
     "a + x (b - a).\n\n"
     "Algorithm: linear interpolation. For uncorrelated signals an equal-power fade keeps the "
     "loudness: `mix(a, fcos(x*PI/2), b, fsin(x*PI/2))`.\n\n"
     "Example (dry/wet): `xfade(in1, delay(in1, 0.3, 0), 0.3)`.",
     in_xfade, out_y, "vvvr", 0, NULL, FN(sj__node_xfade)},
    {"pan",
     "Equal-power panner: places a mono signal in the stereo field at constant loudness.\n\n"
     "- `in`: signal. `pos`: -1 hard left, 0 centre, 1 hard right (clamped).\n- outputs: `left` "
     "(the value) and `%1` right, with left^2 + right^2 = in^2 everywhere; the centre is -3.01 dB "
     "(0.7071) on each side.\n\n"
     "Algorithm: t = (pos + 1) pi/4, left = in cos t, right = in sin t (`fcos`/`fsin`, error "
     "2e-11).\n\n"
     "Example: `{ &sig1 = pan(in1, lfo(0.2, 0, 0)); &sig2 = %1 }`.",
     in_pan, out_pan, "vvMr", 0, NULL, FN(sj__node_pan)},
    {"quant",
     "Scale quantizer: the note of a scale nearest to `note` (MIDI note numbers; ties go down), "
     "for generative melodies.\n\n"
     "- `note`: any number (fractional notes are rounded to a scale note). `scale`: 0 chromatic, 1"
     " major, 2 natural minor, 3 major pentatonic, 4 minor pentatonic, 5 dorian, 6 harmonic minor,"
     " 7 whole tone, 8 blues (rounded, clamped). `root`: the key, 0 = C ... 11 = B (rounded).\n- "
     "output: a whole note number in the scale.\n\n"
     "Algorithm: from floor(note), walk down and up to the nearest members of the scale (a set of "
     "12 pitch classes rotated by the root) and take the nearer one.\n\n"
     "Example (random notes in A minor pentatonic): `sinosc(mtof(quant(48 + 24 * randsh(pulse(5, "
     "0.5), 1), 4, 9)), 0)`.",
     in_quant, out_y, "vvvr", 0, NULL, FN(sj__node_quant)},
    {"mtof",
     "MIDI note number to frequency in Hz (12-tone equal temperament, A4 = 440 Hz).\n\n"
     "- `note`: note number; 69 = A4, 60 = middle C; fractional notes give the pitches between.\n-"
     " output: 440 * 2^((note - 69)/12) Hz (60 gives 261.63 Hz).\n\n"
     "Algorithm: libm `exp2`.\n\n"
     "Example: `saw(mtof(45))` (110 Hz).",
     in_note, out_y, "vr", 0, NULL, FN(sj__node_mtof)},
    {"ftom",
     "Frequency in Hz to MIDI note number (12-tone equal temperament, A4 = 440 Hz), the inverse of"
     " `mtof`.\n\n"
     "- `freq`: Hz; below 0.001 Hz it counts as 0.001 Hz, so the result stays finite.\n- output: "
     "69 + 12 log2(freq / 440), fractional between notes.\n\n"
     "Algorithm: libm `log2`.\n\n"
     "Example: `ftom(440)` is 69.",
     in_freq, out_y, "vr", 0, NULL, FN(sj__node_ftom)},
    {"dbtoa",
     "Decibels to linear gain (amplitude).\n\n"
     "- `db`: level in dB.\n- output: 10^(db/20): 0 dB = 1, -6.02 dB = 0.5, -20 dB = 0.1.\n\n"
     "Algorithm: exp(db ln(10)/20).\n\n"
     "Example: `in1 * dbtoa(-12)`.",
     in_db, out_y, "vr", 0, NULL, FN(sj__node_dbtoa)},
    {"atodb",
     "Linear gain (amplitude) to decibels.\n\n"
     "- `gain`: amplitude; its absolute value is used, and below 1e-10 it counts as 1e-10.\n- "
     "output: 20 log10(|gain|) dB; silence gives -200 dB (finite).\n\n"
     "Algorithm: libm `log10`.\n\n"
     "Example (a level meter): `atodb(lag(abs(in1), 0.001, 0.3))`.",
     in_gain, out_y, "vr", 0, NULL, FN(sj__node_atodb)},
};

const sj_node_family sj__family_util = {"utilities", types, sizeof types / sizeof types[0]};
