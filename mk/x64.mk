# x86-64 backend: the differential fuzzer.
#   make fuzz-diff SECONDS=N   random programs on the interpreter and the native backend, compared
#                              bit for bit, for N seconds (default: FUZZ_SECONDS, else 60)
.PHONY: fuzz-diff
fuzz-diff: $(O)/tests/test_diff_random
	SJ_DIFF_SECONDS=$(or $(SECONDS),$(FUZZ_SECONDS),60) $(O)/tests/test_diff_random

fuzz: fuzz-diff

# A bounded, repeatable run for CI (programs with seeds 1..20000, a few seconds), next to the
# modules' other fuzz-ci targets.
.PHONY: fuzz-ci-diff
fuzz-ci-diff: $(O)/tests/test_diff_random
	SJ_DIFF_PROGRAMS=20000 $(O)/tests/test_diff_random

fuzz-ci: fuzz-ci-diff
