# args: check
# exit: 1
# A buffer write without a value is an AST the builder can make (sj_buf_op with NULL); the text
# form is "= ?". The compiler rejects it (reference §1.4 NoValueBufferWrite), at its position.
x = 1
buf[2][x] = ?
