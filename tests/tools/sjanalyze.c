/*
 * sjanalyze: measurements on a raw interleaved float32 recording (from jack_rec) for
 * tests/scripts/jack.sh. The recording is first trimmed to the span between the first and the last
 * frame with any non-zero channel (JACK delivers zeros before the player's ports are connected and
 * after it has gone).
 *
 *   sjanalyze FILE CHANNELS stats CH      n, rms, period (median and mean distance of upward zero
 *                                         crossings, in samples), min, max, nonfinite
 *   sjanalyze FILE CHANNELS ramp CH STEP [PERIOD MARKCH]
 *                                         a phase ramp: the largest |(x[i] - x[i-1]) mod 1 - STEP|, the
 *                                         jumps, those not explained by whole JACK periods (xruns), and
 *                                         the error where channel MARKCH changes value
 *   sjanalyze FILE CHANNELS levels CH     runs of equal values: "v1 x n1, v2 x n2, ..." (6 decimals)
 *   sjanalyze FILE CHANNELS steps CH      largest |x[i] - x[i-1]|, first/last value, 10-90 % rise time
 *
 * Output: key=value pairs on one line. CH counts from 1. Exit: 0, or 1 on bad input.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int fail(const char *msg)
{
    fprintf(stderr, "sjanalyze: %s\n", msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 5)
        return fail("usage: sjanalyze FILE CHANNELS stats|ramp|levels|steps CH [STEP]");
    int nch = atoi(argv[2]), ch = atoi(argv[4]) - 1;
    const char *cmd = argv[3];
    if (nch < 1 || ch < 0 || ch >= nch)
        return fail("bad channel");
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return fail("cannot open the file");
    size_t cap = 1 << 16, n = 0;
    float *all = malloc(cap * sizeof *all);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            all = realloc(all, cap * sizeof *all);
        }
        size_t k = fread(all + n, sizeof *all, cap - n, f);
        if (!k)
            break;
        n += k;
    }
    fclose(f);
    size_t frames = n / (size_t)nch, first = frames, last = 0;
    for (size_t i = 0; i < frames; i++)
        for (int c = 0; c < nch; c++)
            if (all[i * nch + c] != 0.0f) {
                if (first == frames)
                    first = i;
                last = i + 1;
            }
    if (first == frames) {
        printf("n=0 raw=%zu\n", frames);
        return 0;
    }
    size_t m = last - first;
    double *x = malloc(m * sizeof *x);
    for (size_t i = 0; i < m; i++)
        x[i] = all[(first + i) * nch + ch];

    if (!strcmp(cmd, "stats")) {
        double s2 = 0, mn = INFINITY, mx = -INFINITY;
        size_t bad = 0, ups = 0;
        double first_up = -1, last_up = -1, prev_up = -1;
        double *periods = malloc(m * sizeof *periods);
        for (size_t i = 0; i < m; i++) {
            if (!isfinite(x[i])) {
                bad++;
                continue;
            }
            s2 += x[i] * x[i];
            mn = fmin(mn, x[i]);
            mx = fmax(mx, x[i]);
            if (i && x[i - 1] < 0 && x[i] >= 0) {
                double t = (double)(i - 1) + x[i - 1] / (x[i - 1] - x[i]);
                if (first_up < 0)
                    first_up = t;
                if (prev_up >= 0)
                    periods[ups - 1] = t - prev_up;
                prev_up = last_up = t;
                ups++;
            }
        }
        /* The median period is immune to the odd block an xrun repeats; the mean is not. */
        double mean = ups > 1 ? (last_up - first_up) / (double)(ups - 1) : 0, median = 0;
        if (ups > 1) {
            qsort(periods, ups - 1, sizeof *periods, cmp_double);
            median = periods[(ups - 1) / 2];
        }
        free(periods);
        printf("n=%zu raw=%zu lead=%zu rms=%.6f period=%.4f mean_period=%.4f min=%.6f max=%.6f nonfinite=%zu\n", m,
               frames, first, sqrt(s2 / (double)m), median, mean, mn, mx, bad);
    } else if (!strcmp(cmd, "ramp") && argc > 5) {
        /* e = the step's error, reduced into [-0.5, 0.5) (the ramp wraps at 1). A jump of a whole
         * number of JACK periods is what an xrun looks like from a recorder (a block repeated or
         * skipped by the server); it is "explained". Around the samples where MARKCH changes value
         * (the swaps of a hot reload) the error is reported separately: there it must be 0. */
        double step = atof(argv[5]);
        int period = argc > 6 ? atoi(argv[6]) : 0;
        int mark = argc > 7 ? atoi(argv[7]) - 1 : -1;
        double worst = 0, unexplained = 0, at_marks = 0;
        size_t at = 0, jumps = 0, bad = 0, marks = 0;
        for (size_t i = 1; i < m; i++) {
            double e = (x[i] - x[i - 1]) - step;
            e -= floor(e + 0.5);
            double ae = fabs(e);
            if (!(ae <= worst)) {
                worst = ae;
                at = i;
            }
            if (mark >= 0 && mark < nch && all[(first + i) * nch + mark] != all[(first + i - 1) * nch + mark]) {
                marks++;
                for (size_t j = i > 2 ? i - 2 : 1; j < i + 3 && j < m; j++) {
                    double ej = (x[j] - x[j - 1]) - step;
                    ej -= floor(ej + 0.5);
                    at_marks = fmax(at_marks, fabs(ej));
                }
            }
            if (!(ae <= 1e-5)) {
                jumps++;
                bool explained = false;
                for (int k = -16; period > 0 && k <= 16 && !explained; k++) {
                    double j = k * period * step;
                    j -= floor(j + 0.5);
                    double r = e - j;
                    r -= floor(r + 0.5);
                    if (k != 0 && fabs(r) < 1e-4)
                        explained = true;
                }
                if (!explained) {
                    bad++;
                    unexplained = fmax(unexplained, ae);
                }
            }
        }
        printf("n=%zu maxdev=%.3g at=%zu jumps=%zu unexplained=%zu unexplained_max=%.3g marks=%zu at_marks=%.3g\n", m,
               worst, at, jumps, bad, unexplained, marks, at_marks);
    } else if (!strcmp(cmd, "levels")) {
        printf("n=%zu levels=", m);
        size_t run = 1, runs = 0;
        for (size_t i = 1; i <= m; i++) {
            if (i < m && x[i] == x[i - 1]) {
                run++;
                continue;
            }
            if (++runs > 40) {
                printf("...");
                break;
            }
            printf("%.6fx%zu%s", x[i - 1], run, i < m ? "," : "");
            run = 1;
        }
        printf("\n");
    } else if (!strcmp(cmd, "steps")) {
        double worst = 0, lo = x[0], hi = x[m - 1];
        size_t t10 = 0, t90 = 0;
        for (size_t i = 1; i < m; i++)
            worst = fmax(worst, fabs(x[i] - x[i - 1]));
        for (size_t i = 0; i < m; i++) {
            if (!t10 && x[i] >= lo + 0.1 * (hi - lo) && hi > lo)
                t10 = i;
            if (!t90 && x[i] >= lo + 0.9 * (hi - lo) && hi > lo)
                t90 = i;
        }
        printf("n=%zu maxstep=%.6f first=%.6f last=%.6f rise=%zu\n", m, worst, lo, hi, t90 - t10);
    } else {
        return fail("unknown command");
    }
    free(x);
    free(all);
    return 0;
}
