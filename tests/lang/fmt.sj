# args: fmt
# fmt: the canonical layout keeps comments, blank lines and labels.
x=phase@osc(440,0)    # the oscillator


y = if x>0.5{1}else{ -1 }   ;  z=(1+2)*3
// a comment before a block
if y {
  &sig1 = x*y
} else if z { &sig2=1 }
s&h~ ( in1 , 1 )
z = {
  1
  2 # two
  # the end of the block
}
