# Block language: the libFuzzer target for block files (fuzz/fuzz_blocks_json.c).
#   make fuzz-blocks       fuzz for FUZZ_SECONDS (default 60); new inputs go to build-fuzz/corpus-blocks
#   make fuzz-ci-blocks    a bounded run for CI (15 s), seeded with tests/blocks/corpus
# The library is rebuilt with clang and -fsanitize=fuzzer-no-link,address,undefined in build-fuzz/.
.PHONY: fuzz-blocks fuzz-ci-blocks
FUZZ_CC ?= clang
FUZZ_O := build-fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
  -Iinclude -Isrc $(CAPSTONE_CFLAGS)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_O)/%.o)
FUZZ_LIB := $(FUZZ_O)/libsigjit-fuzz.a
FUZZ_BLOCKS := $(FUZZ_O)/fuzz_blocks_json

$(FUZZ_O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BLOCKS): fuzz/fuzz_blocks_json.c $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(CAPSTONE_LIBS) -lm -lpthread

fuzz-blocks: $(FUZZ_BLOCKS)
	@mkdir -p $(FUZZ_O)/corpus-blocks
	$(FUZZ_BLOCKS) -max_total_time=$(or $(FUZZ_SECONDS),60) -max_len=8192 -timeout=10 \
	  -dict=tests/blocks/json.dict $(FUZZ_O)/corpus-blocks tests/blocks/corpus

fuzz-ci-blocks: $(FUZZ_BLOCKS)
	@mkdir -p $(FUZZ_O)/corpus-blocks
	$(FUZZ_BLOCKS) -max_total_time=15 -max_len=4096 -timeout=5 \
	  -dict=tests/blocks/json.dict $(FUZZ_O)/corpus-blocks tests/blocks/corpus

fuzz: fuzz-blocks

-include $(FUZZ_LIB_OBJ:.o=.d)
