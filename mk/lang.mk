# Text language: the libFuzzer target for the parser and printer (fuzz/fuzz_parse.c).
#   make fuzz-parse            builds build-fuzz/fuzz_parse with clang -fsanitize=fuzzer,address,undefined
#                              and runs it for FUZZ_SECONDS (default 60), seeded with the examples and
#                              the language tests; crashes and leaks stop it (exit non-zero)
#   make fuzz-parse-ci         the same for 20 seconds (part of make fuzz-ci)
FUZZ_CC ?= clang
FUZZ_O := build-fuzz
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude -Isrc -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined $(CAPSTONE_CFLAGS)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_O)/%.o)
FUZZ_PARSE := $(FUZZ_O)/fuzz_parse
FUZZ_PARSE_CORPUS := $(FUZZ_O)/corpus-parse

$(FUZZ_O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_PARSE): $(FUZZ_O)/fuzz/fuzz_parse.o $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(CAPSTONE_LIBS) -lm -lpthread

.PHONY: fuzz-parse fuzz-parse-ci
$(FUZZ_PARSE_CORPUS):
	mkdir -p $@
	cp examples/*.sj tests/lang/*.sj $@/ 2>/dev/null || true

fuzz-parse: $(FUZZ_PARSE) | $(FUZZ_PARSE_CORPUS)
	$(FUZZ_PARSE) -max_total_time=$(or $(FUZZ_SECONDS),60) -max_len=4096 -timeout=10 \
		-dict=fuzz/parse.dict $(FUZZ_PARSE_CORPUS)

fuzz-parse-ci: $(FUZZ_PARSE) | $(FUZZ_PARSE_CORPUS)
	$(FUZZ_PARSE) -max_total_time=20 -max_len=4096 -timeout=10 -dict=fuzz/parse.dict \
		-print_final_stats=1 $(FUZZ_PARSE_CORPUS)

fuzz: fuzz-parse
fuzz-ci: fuzz-parse-ci

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_O)/fuzz/fuzz_parse.d

.PHONY: clean-fuzz-parse
clean-fuzz-parse:
	rm -rf $(FUZZ_O)
clean: clean-fuzz-parse
