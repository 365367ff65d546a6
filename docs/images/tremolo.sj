# A 330 Hz tone under a 2 Hz tremolo. sig1: the sound, sig2: the tremolo's gain.
lfo = phase(2, 0)
amp = sin(lfo * 6.283185307179586) * 0.4 + 0.5
&sig1 = sin(phase(330, 0) * 6.283185307179586) * amp
&sig2 = amp
