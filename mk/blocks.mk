# Block language: the libFuzzer target for block files (fuzz/fuzz_blocks_json.c).
#   make fuzz-blocks       fuzz for FUZZ_SECONDS (default 60); new inputs go to build-fuzz/corpus-blocks
#   make fuzz-ci-blocks    a bounded, repeatable run for CI (seed 1, 200 000 inputs, about 15 s), seeded
#                          with tests/blocks/corpus
# The library is rebuilt with clang and -fsanitize=fuzzer-no-link,address,undefined in build-fuzz/
# (the Makefile's FUZZ_LIB).
.PHONY: fuzz-blocks fuzz-ci-blocks
FUZZ_BLOCKS := $(FUZZ_O)/fuzz_blocks_json

$(FUZZ_BLOCKS): fuzz/fuzz_blocks_json.c $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(CAPSTONE_LIBS) -lm -lpthread

fuzz-blocks: $(FUZZ_BLOCKS)
	@mkdir -p $(FUZZ_O)/corpus-blocks
	$(FUZZ_BLOCKS) -max_total_time=$(or $(FUZZ_SECONDS),60) -max_len=8192 -timeout=10 \
	  -dict=tests/blocks/json.dict $(FUZZ_O)/corpus-blocks tests/blocks/corpus

fuzz-ci-blocks: $(FUZZ_BLOCKS)
	@mkdir -p $(FUZZ_O)/corpus-blocks
	$(FUZZ_BLOCKS) -seed=1 -runs=200000 -max_total_time=60 -max_len=4096 -timeout=5 \
	  -dict=tests/blocks/json.dict $(FUZZ_O)/corpus-blocks tests/blocks/corpus

fuzz: fuzz-blocks
fuzz-ci: fuzz-ci-blocks
