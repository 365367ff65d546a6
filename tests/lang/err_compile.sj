# args: check
# exit: 1
# An error only the compiler finds (there are 16 buffers, reference §1.4) points at the source.
x = 1
&sig1 = buf[20][x]
