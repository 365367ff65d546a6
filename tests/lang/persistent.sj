# args: run --frames 4
# *names keep their value from one frame to the next (reference §1.4, persistent variables).
*n = *n + 1                   # 1, 2, 3, 4 (the value of the last statement is the return value)
&sig1 = *n * 2
*n
