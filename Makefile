# sigjit build. GNU make.
#
#   make            library, the sigjit command, the tests
#   make check      run every test (unit tests, language tests, CLI tests)
#   make san        the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer (in build-san/)
#   make valgrind   the unit tests under valgrind's leak checker
#   make bench      benchmarks (bench/), results in bench/out/
#   make fuzz       fuzzers for as long as FUZZ_SECONDS says (default 60 each)
#
# Sources are found by wildcard: every .c under src/ goes into libsigjit.a, every cli/*.c into the
# sigjit command, every tests/test_*.c becomes one test binary. Modules add rules in mk/*.mk.

O ?= build
CC ?= cc
SAN ?= 0

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -g $(WARN) -Iinclude -Isrc
ifeq ($(SAN),1)
  O := build-san
  CFLAGS_OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDFLAGS_SAN := -fsanitize=address,undefined
else
  CFLAGS_OPT := -O2
  LDFLAGS_SAN :=
endif

# Optional libraries, found with pkg-config. The library core needs only libc and libm.
have = $(shell pkg-config --exists $(1) && echo 1)
ifeq ($(call have,capstone),1)
  CAPSTONE_CFLAGS := -DSJ_HAVE_CAPSTONE $(shell pkg-config --cflags capstone)
  CAPSTONE_LIBS := $(shell pkg-config --libs capstone)
endif
ifeq ($(call have,sndfile),1)
  SNDFILE_CFLAGS := -DSJ_HAVE_SNDFILE $(shell pkg-config --cflags sndfile)
  SNDFILE_LIBS := $(shell pkg-config --libs sndfile)
endif
ifeq ($(call have,cairo),1)
  CAIRO_CFLAGS := -DSJ_HAVE_CAIRO $(shell pkg-config --cflags cairo)
  CAIRO_LIBS := $(shell pkg-config --libs cairo)
endif
ifeq ($(call have,jack),1)
  JACK_CFLAGS := -DSJ_HAVE_JACK $(shell pkg-config --cflags jack)
  JACK_LIBS := $(shell pkg-config --libs jack)
endif

CFLAGS := $(CFLAGS_BASE) $(CFLAGS_OPT) $(CAPSTONE_CFLAGS) $(SNDFILE_CFLAGS) $(CAIRO_CFLAGS) $(JACK_CFLAGS) $(EXTRA_CFLAGS)
LIB_LIBS := $(CAPSTONE_LIBS) -lm -lpthread
CLI_LIBS := $(SNDFILE_LIBS) $(CAIRO_LIBS) $(JACK_LIBS)
TEST_LIBS := $(shell pkg-config --libs cmocka)

LIB_SRC := $(shell find src -name '*.c' | sort)
LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o)
LIB := $(O)/libsigjit.a

CLI_SRC := $(sort $(wildcard cli/*.c))
CLI_OBJ := $(CLI_SRC:%.c=$(O)/%.o)
CLI := $(O)/sigjit

TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(O)/tests/%)
# Shared test helpers: tests/support/*.c are linked into every test.
TEST_SUPPORT_SRC := $(sort $(wildcard tests/support/*.c))
TEST_SUPPORT_OBJ := $(TEST_SUPPORT_SRC:%.c=$(O)/%.o)

.PHONY: all lib cli tests check san valgrind bench fuzz fuzz-ci clean docs
all: lib cli tests

lib: $(LIB)
cli: $(CLI)
tests: $(TEST_BIN)

$(O)/tests/%.o: CFLAGS += -Itests/support
$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(CLI): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS_SAN) -o $@ $(CLI_OBJ) $(LIB) $(CLI_LIBS) $(LIB_LIBS)

$(O)/tests/%: $(O)/tests/%.o $(TEST_SUPPORT_OBJ) $(LIB)
	$(CC) $(LDFLAGS_SAN) -o $@ $< $(TEST_SUPPORT_OBJ) $(LIB) $(TEST_LIBS) $(CLI_LIBS) $(LIB_LIBS)

# Each test binary prints cmocka's summary; tests/run.sh adds up the results and prints one
# "N passed, N failed" line.
check: all
	@O=$(O) sh tests/run.sh $(TEST_BIN)

san:
	$(MAKE) SAN=1 check

valgrind: all
	@O=$(O) VALGRIND=1 sh tests/run.sh $(TEST_BIN)

# Fuzzing: the library rebuilt with clang for libFuzzer, ASan and UBSan (build-fuzz/), shared by the
# modules' fuzz targets in mk/*.mk (fuzz-parse, fuzz-blocks, fuzz-compile, ...).
FUZZ_CC ?= clang
FUZZ_O := build-fuzz
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude -Isrc -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined $(CAPSTONE_CFLAGS)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_O)/%.o)
FUZZ_LIB := $(FUZZ_O)/libsigjit-fuzz.a

$(FUZZ_O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# Generated documentation: the node reference comes from the descriptors.
docs: $(CLI)
	$(CLI) nodes --markdown > docs/nodes.md

# Bounded fuzzing runs for CI; the modules' mk/*.mk files add their targets as prerequisites. Each
# runs a fixed number of inputs from a fixed seed, so CI's verdict does not depend on luck; `make
# fuzz` (FUZZ_SECONDS each) is the open-ended search.
fuzz-ci:

clean:
	rm -rf build build-san build-fuzz bench/out

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:%=%.d) $(TEST_SUPPORT_OBJ:.o=.d) $(FUZZ_LIB_OBJ:.o=.d)
-include $(sort $(wildcard mk/*.mk))
