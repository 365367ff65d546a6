# args: run --frames 5
# phase(freq, reset) returns the phase before advancing it by freq / srate (reference §3.2).
# At the default 44100 Hz a freq of 11025 advances exactly 0.25 per frame: 0, 0.25, 0.5, 0.75, 0.
&sig1 = phase(11025, 0)
