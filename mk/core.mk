# Core: the libFuzzer target for the compiler and runtime (fuzz/fuzz_compile.c): arbitrary ASTs,
# both backends, compared bit for bit.
#   make fuzz-compile       fuzz for FUZZ_SECONDS (default 60)
#   make fuzz-ci-compile    a bounded, repeatable run for CI (seed 1, 50 000 inputs, about 20 s)
.PHONY: fuzz-compile fuzz-ci-compile
FUZZ_COMPILE := $(FUZZ_O)/fuzz_compile

$(FUZZ_COMPILE): fuzz/fuzz_compile.c $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(CAPSTONE_LIBS) -lm -lpthread

fuzz-compile: $(FUZZ_COMPILE)
	@mkdir -p $(FUZZ_O)/corpus-compile
	$(FUZZ_COMPILE) -max_total_time=$(or $(FUZZ_SECONDS),60) -max_len=512 -timeout=10 $(FUZZ_O)/corpus-compile

fuzz-ci-compile: $(FUZZ_COMPILE)
	@mkdir -p $(FUZZ_O)/corpus-compile
	$(FUZZ_COMPILE) -seed=1 -runs=50000 -max_total_time=60 -max_len=512 -timeout=10 $(FUZZ_O)/corpus-compile

fuzz: fuzz-compile
fuzz-ci: fuzz-ci-compile
