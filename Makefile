# migbench — plain Makefile.  `make V=1` shows the full commands.
#
#   make            build bin/migbench
#   make deps       install every Debian package the project needs (root, idempotent)
#   make test       deps + build + every test (unit, scenario checks, end-to-end on the lab)
#   make asan       the unit and scenario tests under AddressSanitizer + UBSan
#   make bench      benchmarks; prints the figures docs/measurements.md records
#   make fuzz       libFuzzer on the scenario parser (FUZZ_SECONDS, default 300)
#   make reproduce  the paper's experiments on the embedded testbed, then the report
#   make docs       regenerate docs derived from code (docs/scenario-keys.md, docs/man/)
#   make install    bin/, share/migbench/, man pages, bash completion under
#                   $(DESTDIR)$(PREFIX) (PREFIX=/usr/local); make uninstall
#   make deb        a binary .deb of `make install PREFIX=/usr` (build/migbench_*.deb)
#   make test-deb   install that .deb with apt in a clean Debian 12 chroot and run it there
#   make test-cgroup2  the lab end to end in a cgroup-v2-only Debian 12 VM (QEMU, TCG)
#   make format / format-check

CC       ?= cc
PKGS     := libvirt libvirt-qemu libssh2 libfyaml
VERSION  := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)
CFLAGS   ?= -O2 -g
override CFLAGS += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread
CPPFLAGS += -Iharness
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm -pthread

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

BUILD    ?= build
SRCS     := $(wildcard harness/*.c harness/lib/*.c harness/backends/*.c harness/drivers/*.c)
LIB_SRCS := $(filter-out harness/main.c,$(SRCS))
OBJS     := $(SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TEST_SRCS:= $(wildcard tests/unit/test_*.c)
TESTS    := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
DEPFILES := $(OBJS:.o=.d) $(TESTS:=.d)

.PHONY: all deps test unit asan bench fuzz reproduce format format-check clean docs \
	install uninstall deb test-deb test-cgroup2
all: bin/migbench $(TESTS)

# The version is baked in; rebuild version.o when `git describe` changes.
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(@D); echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
FORCE:
$(BUILD)/harness/lib/version.o: $(BUILD)/version.stamp
$(BUILD)/harness/lib/version.o: CPPFLAGS += -DMB_VERSION='"$(VERSION)"'

bin/migbench: $(OBJS)
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The web workload's load client: a host program the runner starts in the root
# namespace (the lab's load client), installed next to migbench.  It shares
# workloads/common/ (options, signals, clocks) with the in-guest programs.
WEBBENCH_SRCS := $(wildcard workloads/loadclient/*.c workloads/common/*.c)
all: bin/mb-webbench
bin/mb-webbench: $(WEBBENCH_SRCS) $(wildcard workloads/common/*.h)
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -Iworkloads/common $(CFLAGS) $(LDFLAGS) -o $@ $(WEBBENCH_SRCS) -pthread

$(BUILD)/%.o: %.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS)
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -o $@ $< $(LIB_OBJS) \
		$(PKG_LIBS) -lcmocka

-include $(DEPFILES)

deps:
	$(Q)tools/deps

# `make test`: dependencies, build, then every test; the runner ends with "N passed, N failed".
test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/run-tests --bin bin/migbench --unit-dir $(BUILD)/tests $(TEST_ARGS)

# Unit and scenario tests only (no testbed), for a quick edit-compile-test loop.
unit: all
	$(Q)tools/run-tests --bin bin/migbench --unit-dir $(BUILD)/tests --no-e2e $(TEST_ARGS)

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
		CFLAGS='-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all' \
		build-asan/bin/migbench build-asan-tests
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		tools/run-tests --bin build-asan/bin/migbench --unit-dir build-asan/tests --no-e2e
build-asan/bin/migbench: $(OBJS)
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
build-asan-tests: $(TESTS)

bench: all
	$(Q)tools/bench

FUZZ_SECONDS ?= 300
fuzz:
	$(Q)tools/fuzz $(FUZZ_SECONDS)

# The quick set of the paper's experiments on the embedded testbed, then one report;
# PROFILE=paper2011: the profile's quick set on a lab brought up with it.
PROFILE ?=
reproduce: deps
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc) bin/migbench bin/mb-webbench
	$(Q)PROFILE='$(PROFILE)' tools/reproduce

docs: bin/migbench
	$(Q)tools/gen-docs

# ---- installing ----------------------------------------------------------------------
# Programs into bin/; everything read at run time into share/migbench/ (the data
# directory, harness/lib/data_dir.c); what is made at run time goes to
# $MIGBENCH_CACHE_DIR, never there.
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(PREFIX)/bin
DATADIR := $(PREFIX)/share/migbench
MANDIR  := $(PREFIX)/share/man
COMPDIR := $(PREFIX)/share/bash-completion/completions
DATA_FILES = $(wildcard lab/* plots/*.gp scenarios/*/*.yaml vm-images/build vm-images/init \
	vm-images/README.md workloads/guest/*.[ch] workloads/common/*.[ch] deps/lab.post) \
	$(shell find vm-images/rootfs -type f)

$(BUILD)/migbench.bash: bin/migbench
	$(call say,GEN,$@)
	@mkdir -p $(@D)
	$(Q)bin/migbench help completion >$@

install: bin/migbench bin/mb-webbench $(BUILD)/migbench.bash
	$(call say,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(COMPDIR)
	$(Q)install -m 755 bin/migbench bin/mb-webbench $(DESTDIR)$(BINDIR)/
	$(Q)for f in $(DATA_FILES); do \
		if [ -x "$$f" ]; then m=755; else m=644; fi; \
		install -D -m $$m "$$f" "$(DESTDIR)$(DATADIR)/$$f" || exit 1; \
	done
	$(Q)install -m 644 docs/man/migbench.1 $(DESTDIR)$(MANDIR)/man1/
	$(Q)install -m 644 docs/man/migbench-scenario.5 $(DESTDIR)$(MANDIR)/man5/
	$(Q)install -m 644 $(BUILD)/migbench.bash $(DESTDIR)$(COMPDIR)/migbench

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/migbench $(DESTDIR)$(BINDIR)/mb-webbench \
		$(DESTDIR)$(MANDIR)/man1/migbench.1 $(DESTDIR)$(MANDIR)/man5/migbench-scenario.5 \
		$(DESTDIR)$(COMPDIR)/migbench
	rm -rf $(DESTDIR)$(DATADIR)

# A binary package from an install tree and debian/control.in (dependencies declared
# there); the version is 0~<commit time>.<commit>, so a later commit sorts later.
DEB_ARCH    := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB_VERSION ?= 0~$(shell git log -1 --format=%cd.%h --date=format:%Y%m%d%H%M%S 2>/dev/null || echo 0)
DEB         := $(BUILD)/migbench_$(DEB_VERSION)_$(DEB_ARCH).deb
deb: $(DEB)
$(DEB): FORCE
	$(Q)rm -rf $(BUILD)/deb
	$(Q)$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(BUILD)/deb PREFIX=/usr
	$(Q)mkdir -p $(BUILD)/deb/DEBIAN
	$(Q)sed -e 's/@VERSION@/$(DEB_VERSION)/' -e 's/@ARCH@/$(DEB_ARCH)/' \
		-e "s/@SIZE@/$$(du -sk --exclude=DEBIAN $(BUILD)/deb | cut -f1)/" \
		debian/control.in >$(BUILD)/deb/DEBIAN/control
	$(call say,DEB,$@)
	$(Q)dpkg-deb --root-owner-group -Zxz --build $(BUILD)/deb $@ >/dev/null

# Opt-in (not in `make test`): root, a few minutes, fetches packages.
test-deb: $(DEB)
	$(Q)tools/test-deb $(DEB)

# Opt-in (not in `make test`): root, fetches packages the first time, then boots a VM
# whose only cgroup hierarchy is v2 and runs the lab there under nested TCG (slow).
test-cgroup2: bin/migbench bin/mb-webbench
	$(Q)tools/test-cgroup2

format:
	$(Q)clang-format -i $$(git ls-files "harness/*.[ch]" "tests/unit/*.[ch]" "fuzz/*.c" "workloads/*.c" "workloads/**/*.c")
format-check:
	$(Q)tools/format-check

clean:
	rm -rf $(BUILD) build-asan build-fuzz bin
