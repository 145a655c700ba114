# tmtmock: the Tencent Cloud TMT mock server and its conformance suite.
#
#   make run     install what is missing, build, serve on 127.0.0.1:9000 with fixtures/
#   make test    install what is missing, build, run the CUnit and pytest suites
#   make asan    the same server built with AddressSanitizer + UBSan
#   make test-asan  every test against the sanitizer build
#
# Dependencies are checked (and installed when root) by scripts/deps.sh, so
# the two commands work on a fresh Debian 12 machine with only git and make.

LISTEN   ?= 127.0.0.1:9000
FIXTURES ?= fixtures
PYTEST_ARGS ?=

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

.PHONY: all build bin run test test-c test-py asan test-asan deps-build deps-test clean

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

test: deps-test
	@$(MAKE) --no-print-directory bin $(BUILD)/unit_tests
	@$(MAKE) --no-print-directory test-c test-py

test-c: $(BUILD)/unit_tests
	cd $(TEST_DIR) && ../../$(BUILD)/unit_tests

test-py: $(BUILD)/tmtmock
	TMTMOCK_BIN=$(CURDIR)/$(BUILD)/tmtmock scripts/pytest.sh conformance/tests $(PYTEST_ARGS)

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

clean:
	rm -rf mock_server/build mock_server/build-asan

-include $(OBJS:.o=.d) $(TEST_OBJS:.o=.d)
