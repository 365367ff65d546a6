# A plucked bass: a saw through a ladder lowpass whose cutoff follows a decaying envelope,
# retriggered four times per second. sig1: the sound, sig2: the envelope, return value: the gate.
gate = phase(4, 0) < 0.05
env = ad(gate, 0.003, 0.18)
&sig1 = ladder(saw(55), 150 + env * 2500, 0.6) * env
&sig2 = env
gate
