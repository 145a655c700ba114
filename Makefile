# tmtmock: the Tencent Cloud TMT mock server and its conformance suite.
#
#   make run     install what is missing, build, serve on 127.0.0.1:9000 with fixtures/
#   make test    install what is missing, build, run the CUnit and pytest suites,
#                again on the ASan+UBSan build, then the short fuzz run (clang)
#   make asan    the same server built with AddressSanitizer + UBSan
#   make test-asan  every test against the sanitizer build
#   make conformance CLIENT=<name> REPORTS=<dir>
#                one client of conformance/clients/ against a fresh mock: the four
#                reports in REPORTS; exit 0 when every verdict is the known one,
#                3 when every scenario SKIPped (the client's code is absent). The
#                caller's PYTHONPATH is kept after conformance/ (python-sdk, tccli).
#   make compatibility  regenerate docs/compatibility/ (every client whose code is
#                present: npm folders, SDK source trees under $TMT_SDKS)
#   make fuzz    the libFuzzer targets (clang) in mock_server/build-fuzz
#   make fuzz-smoke  a short run of each, and every corpus and crash input
#
#   make bench   the mock against nginx on this machine (wrk; about 1.5 min):
#                requests/s, latency, CPU per request, start-up, memory
#
#   make install PREFIX=/usr/local   the server, its fixtures, the suite, the man page
#   make uninstall PREFIX=/usr/local what install put there (its manifest says)
#
# Dependencies are checked (and installed when root) by scripts/deps.sh, so
# the two commands work on a fresh Debian 12 machine with only git and make.

LISTEN   ?= 127.0.0.1:9000
FIXTURES ?= fixtures
PYTEST_ARGS ?=
CLIENT   ?= reference
REPORTS  ?= reports
SUITE_ARGS ?=
COMPAT_OUT ?=

CC      ?= cc
PKGS     = libevent libevent_openssl jansson libcrypto libssl
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wno-format-nonliteral -Werror
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DTMTMOCK_FIXTURES=\"$(CURDIR)/fixtures\" $(WARN) $(CFLAGS) $(shell pkg-config --cflags $(PKGS))
LIBS     = $(shell pkg-config --libs $(PKGS))
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRC_DIR  = mock_server/src
TEST_DIR = mock_server/tests
BUILD   ?= mock_server/build
SRCS     = $(wildcard $(SRC_DIR)/*.c)
LIB_SRCS = $(filter-out $(SRC_DIR)/main.c,$(SRCS))
OBJS     = $(SRCS:$(SRC_DIR)/%.c=$(BUILD)/%.o)
LIB_OBJS = $(LIB_SRCS:$(SRC_DIR)/%.c=$(BUILD)/%.o)
TEST_SRCS = $(wildcard $(TEST_DIR)/*.c)
TEST_OBJS = $(TEST_SRCS:$(TEST_DIR)/%.c=$(BUILD)/tests/%.o)

.PHONY: all build bin run test test-c test-py asan test-asan conformance compatibility deps-build deps-test clean \
	fuzz fuzz-smoke test-fuzz

all: build

deps-build:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

build: deps-build
	@$(MAKE) --no-print-directory bin

bin: $(BUILD)/tmtmock

run: build
	exec $(BUILD)/tmtmock --listen $(LISTEN) --fixtures $(FIXTURES)

# Everything: the suites on the normal build, again on the ASan+UBSan build,
# then the short fuzz run (where clang is).
test: deps-test
	@$(MAKE) --no-print-directory bin $(BUILD)/unit_tests
	@$(MAKE) --no-print-directory test-c test-py
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-fuzz

test-c: $(BUILD)/unit_tests
	cd $(TEST_DIR) && ../../$(BUILD)/unit_tests

test-py: $(BUILD)/tmtmock
	TMTMOCK_BIN=$(CURDIR)/$(BUILD)/tmtmock scripts/pytest.sh conformance/tests $(PYTEST_ARGS)

conformance: deps-test
	@$(MAKE) --no-print-directory bin
	@py=$$(scripts/python.sh) && \
	TMTMOCK_BIN=$(CURDIR)/$(BUILD)/tmtmock PYTHONPATH=$(CURDIR)/conformance$${PYTHONPATH:+:$$PYTHONPATH} \
		$$py -m suite run --client $(CLIENT) --reports $(REPORTS) $(SUITE_ARGS)

# The published matrix: every client whose code is present, into docs/compatibility/
# (scripts/compatibility.sh says which it skipped and why).
compatibility: bin
	scripts/compatibility.sh $(COMPAT_OUT)

asan: deps-build
	@$(MAKE) --no-print-directory BUILD=mock_server/build-asan CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" bin

test-asan: deps-test
	@$(MAKE) --no-print-directory BUILD=mock_server/build-asan CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" \
		bin mock_server/build-asan/unit_tests test-c test-py

$(BUILD)/tmtmock: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/unit_tests: $(LIB_OBJS) $(TEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(LIB_OBJS) $(TEST_OBJS) $(LIBS) $(shell pkg-config --libs cunit)

$(BUILD)/%.o: $(SRC_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%.o: $(TEST_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags cunit) -I$(SRC_DIR) -MMD -MP -c -o $@ $<

# ---- fuzzing (mock_server/fuzz/README.md) ----
FUZZ_CC    ?= clang
FUZZ_DIR    = mock_server/fuzz
FUZZ_BUILD  = mock_server/build-fuzz
FUZZ_NAMES  = request auth form schema admin rules fixture
FUZZ_BINS   = $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_OBJS   = $(LIB_SRCS:$(SRC_DIR)/%.c=$(FUZZ_BUILD)/%.o)
FUZZ_SAN    = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# The warnings of the build, but not -Werror: clang's set differs from gcc's.
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -DTMTMOCK_FIXTURES=\"$(CURDIR)/fixtures\" \
	$(filter-out -Werror,$(WARN)) -O1 -g $(FUZZ_SAN) $(shell pkg-config --cflags $(PKGS))

fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz-smoke: fuzz
	scripts/fuzz.sh smoke $(FUZZ_NAMES)

# Part of `make test`: the smoke run where clang can build libFuzzer targets,
# a note where it cannot.
FUZZ_PROBE = echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' | \
	$(FUZZ_CC) -x c -fsanitize=fuzzer,address,undefined -o /dev/null - >/dev/null 2>&1
test-fuzz:
	@if $(FUZZ_PROBE); then \
		$(MAKE) --no-print-directory fuzz-smoke; \
	else \
		echo "fuzz-smoke: skipped ($(FUZZ_CC) with libFuzzer is not installed: apt-get install clang libclang-rt-14-dev)"; \
	fi

# Kept between builds (make would delete them as intermediates).
.SECONDARY: $(FUZZ_OBJS)

$(FUZZ_BUILD)/%.o: $(SRC_DIR)/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/fuzz.h $(FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(SRC_DIR) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LIBS)

# ---- benchmark (scripts/bench.py; README "Performance"); not part of `make test` ----
.PHONY: bench

# Installs wrk and nginx when missing (root), builds the -O2 binary, one run.
bench: deps-build
	@python3 scripts/bench.py

# ---- install (scripts/install.sh: the list, and the manifest uninstall reads) ----
PREFIX  ?= /usr/local
DESTDIR ?=

.PHONY: install uninstall

install: build
	@PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install.sh install $(BUILD)/tmtmock

uninstall:
	@PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install.sh uninstall

clean:
	rm -rf mock_server/build mock_server/build-asan mock_server/build-fuzz

-include $(OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d)
