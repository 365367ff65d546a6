# args: run --frames 2 --rate 48000
# $reset is 1 on the first frame after an init without a previous function (reference §2.4).
&sig1 = $reset                    # 1, then 0
&sig2 = $israte == 1 / 48000      # israte is 1 / srate: 1
$srate                            # 48000
