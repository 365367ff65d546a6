# args: run --frames 1
// Number syntax: exponents, leading dot; constants keep the reference's names (reference §1.4).
&sig1 = 1e3 + 2.5e-1 + .5 + 1E+1   // 1000 + 0.25 + 0.5 + 10 = 1010.75 (all exact in binary)
&sig2 = PI                         // std::f64::consts::PI, printed with %.17g
-2.5                               // a negative literal
