# args: run --frames 1
# Unary minus: on a number it is a negative literal, on anything else -1 * x (docs/language.md).
x = 3
&sig1 = -x + - -2          # -3 + 2 = -1
&sig2 = -(1 + 2) * 2       # -6
-0                         # negative zero, printed by %.17g as -0
