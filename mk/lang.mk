# Text language: the libFuzzer target for the parser, the printer and the block view (fuzz/fuzz_parse.c).
#   make fuzz-parse            builds build-fuzz/fuzz_parse with clang -fsanitize=fuzzer,address,undefined
#                              and runs it for FUZZ_SECONDS (default 60), seeded with the examples and
#                              the language tests; crashes and leaks stop it (exit non-zero)
#   make fuzz-parse-ci         a bounded, repeatable run (seed 1, 30 000 inputs, about 30 s; part of
#                              make fuzz-ci)
FUZZ_PARSE := $(FUZZ_O)/fuzz_parse
FUZZ_PARSE_CORPUS := $(FUZZ_O)/corpus-parse

$(FUZZ_PARSE): $(FUZZ_O)/fuzz/fuzz_parse.o $(FUZZ_LIB)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(CAPSTONE_LIBS) -lm -lpthread

.PHONY: fuzz-parse fuzz-parse-ci
$(FUZZ_PARSE_CORPUS):
	mkdir -p $@
	cp examples/*.sj tests/lang/*.sj $@/ 2>/dev/null || true

fuzz-parse: $(FUZZ_PARSE) | $(FUZZ_PARSE_CORPUS)
	$(FUZZ_PARSE) -max_total_time=$(or $(FUZZ_SECONDS),60) -max_len=4096 -timeout=10 \
		-dict=fuzz/parse.dict $(FUZZ_PARSE_CORPUS)

fuzz-parse-ci: $(FUZZ_PARSE) | $(FUZZ_PARSE_CORPUS)
	$(FUZZ_PARSE) -seed=1 -runs=30000 -max_total_time=60 -max_len=4096 -timeout=10 -dict=fuzz/parse.dict \
		-print_final_stats=1 $(FUZZ_PARSE_CORPUS)

fuzz: fuzz-parse
fuzz-ci: fuzz-parse-ci

-include $(FUZZ_O)/fuzz/fuzz_parse.d
