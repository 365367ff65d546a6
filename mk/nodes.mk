# Node set (src/nodes/ families): benchmark.
#   make bench-nodes   ns per call of every node (direct and inside a compiled program) and the
#                      fast-math error table; also written to bench/out/nodes.txt
#   make bench         runs it too (added as a prerequisite here, as mk/x64.mk does for fuzz)
.PHONY: bench-nodes
BENCH_NODES := $(O)/bench/nodes/bench_nodes

$(BENCH_NODES): $(O)/bench/nodes/bench_nodes.o $(LIB)
	$(CC) $(LDFLAGS_SAN) -o $@ $< $(LIB) $(LIB_LIBS)

bench-nodes: $(BENCH_NODES)
	@mkdir -p bench/out
	$(BENCH_NODES) | tee bench/out/nodes.txt

bench: bench-nodes

-include $(O)/bench/nodes/bench_nodes.d
