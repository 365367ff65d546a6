# oscillators.sj: the reference's phase accumulator next to sigjit's band-limited oscillators.
#   sigjit render examples/oscillators.sj -o osc.wav --seconds 4
# alpha (--set alpha=...) moves the crossfade by hand; by default a slow LFO does it.

freq = 110

# The reference's way: a phase ramp (0..1) into sin.
ph = phase(freq, 0)
sine = sin(ph * TAU)

# Band-limited oscillators (PolyBLEP), one octave and a fifth apart.
sw = saw(freq * 2)
sq = pulse(freq * 3, 0.5 + 0.4 * lfo(0.3, 0, 0))    # pulse-width modulation
tr = tri(freq * 4)

# A slow LFO (or alpha) walks through the four: 0 sine, 1 saw, 2 pulse, 3 triangle.
pos = if alpha > 0 { alpha * 3 } else { 1.5 + 1.5 * lfo(0.125, 1, 0) }
w0 = max(0, 1 - abs(pos))
w1 = max(0, 1 - abs(pos - 1))
w2 = max(0, 1 - abs(pos - 2))
w3 = max(0, 1 - abs(pos - 3))
out = 0.3 * (w0 * sine + w1 * sw + w2 * sq + w3 * tr)

&sig1 = out
&sig2 = out
