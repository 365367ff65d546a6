# args: check
# exit: 1
# Syntax errors: the parser reports one per statement and goes on with the next one.
a = 1 +
b = (2 * 3
c = 4 4
d = buf[x][0]
e = if a { 1 } else 2
f = 1.5x + `unterminated
g = 1 ! 2
h = 3
