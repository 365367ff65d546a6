# args: run --frames 1
# Atoms start at 0 and hold f32 (reference §3.2); tables start as one sample of 0.0 (reference §2.1).
atomw(3, 0.5)
&sig1 = atomr(3) + atomr~(2.5)                           # 0.5 + (0 * 0.5 + 0.5 * 0.5) = 0.75
&sig2 = table[0][5] + table~[3][0.5] + table[15].len     # 0 + 0 + 1
PI2 * 2 == PI                                            # pi/2 * 2 is exactly pi: 1
