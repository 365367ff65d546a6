# The studio (sigjit studio, docs/studio.md).
#
# The server needs civetweb (Debian: libcivetweb-dev, no pkg-config file). When /usr/include/civetweb.h
# exists, cli/studio*.c are built with SJ_HAVE_CIVETWEB, the built front end (studio/dist, committed)
# is embedded into the command as a C table, and the command links -lcivetweb. Without it
# `sigjit studio` says it was built without the studio. Building sigjit never needs Node.
#
#   make studio-web        rebuild studio/dist from studio/src with npm (needs studio/node_modules:
#                          cd studio && npm ci)
#   make studio-web-check  rebuild into a temporary directory and compare with the committed
#                          studio/dist (fails if someone changed the sources without rebuilding)
#   make studio-test       the C tests (tests/scripts/studio_c.sh: atomic save, the session's compile
#                          results; the protocol's JSON is the library's, src/base/json.c, tested by
#                          tests/test_base_json.c), the front-end unit tests (node --test) and the
#                          end-to-end tests in headless Chromium (tests/scripts/studio.sh)

# The C test of the pieces that need neither civetweb nor a browser (tests/scripts/studio_c.sh runs
# it): built like the other tests, so with SAN=1 it is instrumented as the library it links.
STUDIO_C_TEST := $(O)/studio/test_studio_c
STUDIO_C_TEST_OBJ := $(O)/cli/studio_file.o $(O)/cli/studio_session.o $(O)/cli/common.o
tests: $(STUDIO_C_TEST)
$(STUDIO_C_TEST): studio/test/c/test_studio_c.c $(STUDIO_C_TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Icli $(LDFLAGS_SAN) -o $@ $< $(STUDIO_C_TEST_OBJ) $(LIB) $(LIB_LIBS)

CIVETWEB_H ?= /usr/include/civetweb.h
STUDIO_DIST := $(sort $(wildcard studio/dist/*))

ifneq ($(wildcard $(CIVETWEB_H)),)
STUDIO_ASSETS_C := $(O)/studio/assets.c
STUDIO_ASSETS_O := $(O)/studio/assets.o
# (% never matches an empty stem, so studio.o is named on its own.)
$(O)/cli/studio.o $(O)/cli/studio_%.o: CFLAGS += -DSJ_HAVE_CIVETWEB
CLI_OBJ += $(STUDIO_ASSETS_O)
CLI_LIBS += -lcivetweb -lpthread
$(CLI): $(STUDIO_ASSETS_O)

$(STUDIO_ASSETS_C): $(STUDIO_DIST) studio/embed.sh
	@mkdir -p $(dir $@)
	sh studio/embed.sh studio/dist > $@.tmp && mv $@.tmp $@

$(STUDIO_ASSETS_O): $(STUDIO_ASSETS_C) cli/studio_assets.h
	$(CC) $(CFLAGS) -Icli -c $< -o $@
endif

.PHONY: studio-web studio-web-check studio-test
studio-web:
	cd studio && node build.mjs dist

studio-web-check:
	@tmp=$$(mktemp -d) && (cd studio && node build.mjs "$$tmp/dist") && \
	if diff -r "$$tmp/dist" studio/dist; then echo "studio/dist matches its sources"; rm -rf "$$tmp"; \
	else echo "studio/dist differs from a fresh build: run make studio-web and commit studio/dist"; rm -rf "$$tmp"; exit 1; fi

studio-test: $(CLI)
	O=$(O) sh tests/scripts/studio_c.sh
	O=$(O) sh tests/scripts/studio.sh
