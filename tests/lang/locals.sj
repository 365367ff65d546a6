# args: run --frames 2
# exit: 0
# Plain names are locals: 0.0 at the start of every frame (reference §1.3), so x + 1 is always 1.
# The parser warns: reading a local before assigning it is usually a mistake.
x = x + 1
