# args: dump --ast
# The reference's dump format (reference §1.6).
x = 1 + 2
if x > 2 { &sig1 = x }
buf[1][0] = 0.5
