# args: run --frames 3
# Buffers (reference §1.4, decisions.md #3). buf[0] gets 8 samples; frame k writes k*10+1 at k.
decl buf[0] = 8
i = *i
buf[0][i] = i * 10 + 1
*i = *i + 1
&sig1 = buf[0][i]                    # reads back 1, 11, 21
&sig2 = buf[0].len + table[0].len    # 8 + 1 (tables start with one sample, reference §2.1)
buf~[0][0.5] + buf[0][-1]            # (slot0 + slot1) / 2 + slot 7 (-1 wraps): 0.5, 6, 6
