# demo.sj: a small acid line with a stereo echo. Render it with
#   sigjit render examples/demo.sj -o demo.wav --seconds 2
#
# A clock of 8 steps per second drives a 16-step note pattern; a sawtooth goes through a
# resonant ladder lowpass whose cutoff follows a short envelope; two feedback delays make a
# stereo echo. Every stateful call keeps its state when you edit another line (see
# docs/language.md, "State identity"), so you can change this file while it plays.

clock = pulse(8, 0.25)                      # 8 steps per second
step = counter(clock, 16, 0)                # 0, 1, ... 15, 0, ...

# The pattern: semitones above A2 (MIDI 45), chosen by the step number.
note = 45 + 12 * (step == 4) + 7 * (step == 6) + 12 * (step == 10) + 3 * (step == 11) + 10 * (step == 14)

env = ad(clock, 0.003, 0.18)
cutoff = 180 + 3200 * env * env
voice = ladder(saw(mtof(note)), cutoff, 0.8) * 1.5

# Stereo echo: a dotted eighth on the left, a quarter on the right.
*echo_l = voice + 0.45 * delay(*echo_l, 0.1875, 0)
*echo_r = voice + 0.45 * delay(*echo_r, 0.25, 0)

&sig1 = softclip(0.6 * *echo_l)
&sig2 = softclip(0.6 * *echo_r)
