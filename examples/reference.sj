# reference.sj: the reference system's nine nodes in one patch (synfx-dsp-jit's standard library).
#   sigjit run examples/reference.sj --frames 8
# A clock from phase, a step counter from accum, division with remainder from /%, sample and hold,
# atoms (shared with the host) written and read back.

ramp = phase(4, 0)                       # 0..1 four times a second
tick = ramp < 0.5                        # a square wave, 1 in the first half of each cycle
count = accum(s&h~(1, tick), 0)          # adds 1 on every sample of the first half
q = /%(count, 7)                         # count / 7, and %1 = count mod 7 (C fmod)
rem = %1

held = s&h(sin(ramp * TAU), tick)        # takes the sine on each rising edge of tick
atomw(3, rem)                            # atom 3 = rem (as f32)

&sig1 = held
&sig2 = (atomr(3) + atomr~(2.5)) / 10    # atom 3 plus halfway between atoms 2 and 3, scaled
q
