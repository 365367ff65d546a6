# effect.sj: an effect for an audio file: a tremolo, a soft saturation and a ping-pong echo on the
# stereo input (in1 = left, in2 = right; a mono file feeds both).
#   sigjit render examples/effect.sj --input in.wav -o out.wav
# Parameters: alpha = tremolo rate in Hz (default 5), beta = drive (default 2).

rate = if alpha > 0 { alpha } else { 5 }
drive = if beta > 0 { beta } else { 2 }

trem = 0.75 + 0.25 * lfo(rate, 0, 0)
l = softclip(in1 * drive * trem) / drive
r = softclip(in2 * drive * trem) / drive

# Ping-pong: each side's echo feeds the other side.
*pl = l + 0.4 * delay(*pr, 0.25, 0)
*pr = r + 0.4 * delay(*pl, 0.25, 0)

&sig1 = 0.7 * l + 0.3 * *pl
&sig2 = 0.7 * r + 0.3 * *pr
