# args: run --frames 4
# Stateful nodes with names that are not words (reference §3.2).
n = *n; *n = *n + 1               # n = 0, 1, 2, 3
&sig1 = s&h~(n + 10, n == 1)      # takes the input while set > 0.5: 0, 11, 11, 11
&sig2 = s&h(n + 20, n >= 1)       # takes it on the rising edge of set only: 0, 21, 21, 21
accum(1, n == 2)                  # +1 per frame, reset (> 0.5) at frame 2: 1, 2, 0, 1
