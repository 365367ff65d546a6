# args: run --frames 1
# if is an expression (reference §1.4, decisions.md #2).
a = if 1 > 0 { 10 } else { 20 }                    # 10
b = if 0 { 10 }                                    # no else: 0.0
c = if 0.5 { 1 } else { 2 }                        # not a comparison: true when >= 0.5, so 1
d = if 2 < 1 { 1 } else if 3 < 4 { 2 } else { 3 }  # 2
&sig1 = a + b * 100 + c * 1000                     # 10 + 0 + 1000
&sig2 = d
if 1 != 2 {
    7                                              # != branches correctly (decisions.md #1)
}
