# args: run --frames 1
# Comparisons give 1.0 or 0.0 (reference §1.4); != too (decisions.md #1, the reference gives 254/255).
a = 2 == 2                    # 1
b = 2 != 2                    # 0
c = 1 <= 1                    # 1
d = 3 > 4                     # 0
e = 2 != 3                    # 1
&sig1 = a * 10000 + b * 1000 + c * 100 + d * 10 + e   # 10101
&sig2 = 0 / 0 == 0 / 0        # NaN == NaN is an ordered comparison: false, 0
