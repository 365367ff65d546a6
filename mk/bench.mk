# Benchmarks: make bench (BENCH_ARGS=-q for a quick run). Results: bench/out/results.csv; see
# docs/benchmarks.md. The C export of every program is built with cc -std=c11 -O2 (the ceiling).
BENCH_O := $(O)/bench
BENCH_HAVE_FAUST := $(shell test -f /usr/include/faust/dsp/llvm-dsp-c.h && echo 1)
ifeq ($(BENCH_HAVE_FAUST),1)
  BENCH_FAUST_CFLAGS := -DSJ_HAVE_FAUST
  BENCH_FAUST_LIBS := -lfaust
endif
BENCH_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Iinclude -Isrc -Ibench -I$(BENCH_O)

$(BENCH_O)/gen: bench/gen.c bench/programs.c bench/programs.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/gen.c bench/programs.c $(LIB) $(LIB_LIBS)

$(BENCH_O)/exported.h: $(BENCH_O)/exported.c
$(BENCH_O)/exported.c: $(BENCH_O)/gen
	$(BENCH_O)/gen $(BENCH_O)/exported.c $(BENCH_O)/exported.h

$(BENCH_O)/exported.o: $(BENCH_O)/exported.c
	$(CC) -std=c11 -O2 -c $< -o $@

$(BENCH_O)/bench: bench/bench.c bench/programs.c bench/programs.h $(BENCH_O)/exported.o $(BENCH_O)/exported.h $(LIB)
	$(CC) $(BENCH_CFLAGS) $(BENCH_FAUST_CFLAGS) -o $@ bench/bench.c bench/programs.c $(BENCH_O)/exported.o \
	  $(LIB) $(BENCH_FAUST_LIBS) $(LIB_LIBS)

bench: $(BENCH_O)/bench
	$(BENCH_O)/bench $(BENCH_ARGS)
