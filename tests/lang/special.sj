# args: run --frames 1
# IEEE division by zero does not trap (reference §1.4): 1/0 = inf, -1/0 = -inf.
&sig1 = 1 / 0
&sig2 = -1 / 0
inf - 1e308                # inf
