# args: run --frames 1
# Precedence and associativity (docs/language.md, "Operators"): * / bind tighter than + -, which
# bind tighter than < <= > >=, which bind tighter than == !=; all are left-associative.
&sig1 = 10 - 4 - 3            # (10 - 4) - 3 = 3 (right-associative would give 9)
&sig2 = 1 + 2 * 3 < 8         # (1 + (2 * 3)) < 8 = (7 < 8) = 1
8 / 4 / 2 + (1 + 2) * 3       # (8 / 4) / 2 + 9 = 10
