# args: run --frames 1 --in1 0.25 --in2 -2 --set alpha=3 --set gamma=1e2
# The six inputs of the function (reference §1.2); run takes them as constants.
&sig1 = in1 * alpha + beta        # 0.25 * 3 + 0 = 0.75
&sig2 = in2 * delta - gamma       # -2 * 0 - 100 = -100
in1 + in2                         # -1.75
