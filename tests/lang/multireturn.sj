# args: run --frames 1
# /% returns a / b and writes fmod(a, b) to %1 (reference §3.2).
q = /%(7, 2)                  # 3.5, %1 = 1
&sig1 = %1
&sig2 = /%(-7, 2) + %1        # the call runs before %1 is read: -3.5 + fmod(-7, 2) = -3.5 - 1
q
