# delay.sj: a feedback delay written with the language's buffers (no delay node): a 0.3 s
# circular buffer, a write position kept in a persistent variable, and the read position
# behind it. A plucked tone feeds it.
#   sigjit render examples/delay.sj -o delay.wav --seconds 3

decl buf[0] = 44100                  # one second at 44.1 kHz (the length is fixed when compiled)

len = buf[0].len
d = 0.3 * $srate                     # delay in samples
pos = *pos                           # the write position
*pos = fract((pos + 1) / len) * len  # advance and wrap

# A pluck every 1.2 s: a decaying triangle wave.
tone = 0.4 * tri(330) * ad(pulse(1 / 1.2, 0.1), 0.001, 0.25)

echo = buf~[0][pos - d + len]        # interpolated read d samples behind (indices wrap)
buf[0][pos] = tone + 0.6 * lp1(echo, 3000)   # write input plus filtered feedback

&sig1 = tone + 0.7 * echo
&sig2 = 0.5 * tone + echo
