# Live playback through JACK (sigjit play, cli/play.c + cli/jack_host.c): the helper programs of
# tests/scripts/jack.sh, built with the tests when pkg-config finds JACK.
#   $(O)/tests/tools/jack_rec        records JACK ports to raw float32, can send MIDI control changes
#   $(O)/tests/tools/sjanalyze       measures a recording (level, frequency, ramp continuity, steps)
#   $(O)/tests/tools/librtcheck.so   LD_PRELOAD witness: allocator/lock/syscall calls inside the
#                                    JACK process callback
# They are built without the sanitizer flags (even with SAN=1): they are test instruments, and the
# shim must own malloc, which ASan does not allow.
#   make jack-check   only the JACK tests (needs jackd; tests/scripts/jack.sh, and
#                     tests/scripts/studio_jack.sh: the studio's JACK output, also node and Chromium)
.PHONY: jack-tools jack-check

ifeq ($(call have,jack),1)
JACK_TOOLS := $(O)/tests/tools/jack_rec $(O)/tests/tools/sjanalyze $(O)/tests/tools/librtcheck.so
JACK_TOOL_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O2 $(WARN) $(shell pkg-config --cflags jack)

tests: jack-tools
jack-tools: $(JACK_TOOLS)

$(O)/tests/tools/jack_rec: tests/tools/jack_rec.c
	@mkdir -p $(dir $@)
	$(CC) $(JACK_TOOL_CFLAGS) -o $@ $< $(JACK_LIBS) -lpthread

$(O)/tests/tools/sjanalyze: tests/tools/sjanalyze.c
	@mkdir -p $(dir $@)
	$(CC) $(JACK_TOOL_CFLAGS) -o $@ $< -lm

$(O)/tests/tools/librtcheck.so: tests/tools/rtcheck.c
	@mkdir -p $(dir $@)
	$(CC) $(JACK_TOOL_CFLAGS) -fPIC -shared -o $@ $< -ldl -lpthread
else
jack-tools:
endif

jack-check: cli jack-tools
	O=$(O) sh tests/scripts/jack.sh
	O=$(O) sh tests/scripts/studio_jack.sh
