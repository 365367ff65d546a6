# args: check
# exit: 1
# Every name error of the file in one run, with did-you-mean hints (docs/language.md, "Messages").
x = phse(440, 0)
y = phase(1)
&sig1 = sin(x * TUA) + $srat + %7
&sig3 = y
a = s&h@hold(1, 2) + s&h@hold(3, 4)
