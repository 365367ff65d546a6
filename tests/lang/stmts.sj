# args: run --frames 1
# A statement list's value is its last statement's; an empty list is 0.0 (reference §1.4).
a = { 1; 2; 3 }               # 3
b = {}                        # 0
&sig1 = a + b
&sig2 = {
    x = 4
    x * x                     # 16
}
{ 5 }
