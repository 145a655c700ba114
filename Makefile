# tmtmock: the Tencent Cloud TMT mock server and its conformance suite.
#
#   make run     install what is missing, build, serve on localhost:9000 with fixtures/
#                (LISTEN=ADDR:PORT, FIXTURES=DIR; else TMTMOCK_* or the defaults)
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
#   make stress  the hostile-load attacks of docs/hardening.md (under a minute), one
#                line each: held or not, peak RSS, descriptors, other clients' p99;
#                make stress-short (or STRESS_ARGS=--short) is what `make test` runs
#
#   make install PREFIX=/usr/local   the server, its fixtures, the suite, the man page
#   make uninstall PREFIX=/usr/local what install put there (its manifest says)
#
# Dependencies are checked (and installed when root) by scripts/deps.sh, per use:
# build (make run), grade (make conformance), test (make test), so the two
# commands work on a fresh Debian 12 machine with only git and make
# (make fresh-check proves it: scripts/fresh-check.sh, root, a few minutes).

# Empty: the binary's own default, or TMTMOCK_LISTEN / TMTMOCK_FIXTURES when set.
LISTEN   ?=
FIXTURES ?=
PYTEST_ARGS ?=
CLIENT   ?= reference
REPORTS  ?= reports
SUITE_ARGS ?=
STRESS_ARGS ?=
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

.PHONY: all build bin run test test-c test-py asan test-asan conformance compatibility deps-build deps-grade deps-test clean \
	fuzz fuzz-smoke test-fuzz stress stress-short

all: build

deps-build:
	@scripts/deps.sh build

deps-grade:
	@scripts/deps.sh grade

deps-test:
	@scripts/deps.sh test

build: deps-build
	@$(MAKE) --no-print-directory bin

bin: $(BUILD)/tmtmock

run: build
	exec $(BUILD)/tmtmock $(if $(LISTEN),--listen $(LISTEN)) $(if $(FIXTURES),--fixtures $(FIXTURES))

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

conformance:
	@scripts/deps.sh grade $(CLIENT)
	@$(MAKE) --no-print-directory bin
	@py=$$(scripts/python.sh --grade) && \
	TMTMOCK_BIN=$(CURDIR)/$(BUILD)/tmtmock PYTHONPATH=$(CURDIR)/conformance$${PYTHONPATH:+:$$PYTHONPATH} \
		$$py -m suite run --client $(CLIENT) --reports $(REPORTS) $(SUITE_ARGS)

# The published matrix: every client whose code is present, into docs/compatibility/
# (scripts/compatibility.sh says which it skipped and why).
compatibility: bin
	scripts/compatibility.sh $(COMPAT_OUT)

# Exit status 0 when every attack held (scripts/stress.py --help).
stress: $(BUILD)/tmtmock
	@py=$$(scripts/python.sh) && $$py scripts/stress.py --binary $(CURDIR)/$(BUILD)/tmtmock $(STRESS_ARGS)

stress-short:
	@$(MAKE) --no-print-directory stress STRESS_ARGS="--short $(STRESS_ARGS)"

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
FUZZ_NAMES  = request auth form schema admin rules fixture http
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

# ---- the README's commands on a fresh Debian 12 root (root, a few minutes); not part of `make test` ----
.PHONY: fresh-check
fresh-check:
	@scripts/fresh-check.sh

# ---- benchmark (scripts/bench.py; docs/performance.md); not part of `make test` ----
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
