# filter.sj: white noise through a state-variable filter swept by an LFO; the four outputs of the
# filter (lowpass, bandpass %1, highpass %2, notch %3) are read from one call.
#   sigjit render examples/filter.sj -o filter.wav --seconds 4

src = noise(7) * 0.5
cutoff = mtof(72 + 24 * lfo(0.25, 1, 0))      # 523 Hz .. 8.4 kHz, triangle sweep
lp = svf(src, cutoff, 6)
bp = %1                                       # read right after the call
hp = %2

# Left: lowpass into bandpass; right: bandpass into highpass (beta moves it, default 0.5).
mixpos = if beta > 0 { beta } else { 0.5 }
&sig1 = xfade(lp, bp, mixpos) * 0.5
&sig2 = xfade(bp, hp, mixpos) * 0.5
