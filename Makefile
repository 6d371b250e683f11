# kgil: top-level build.  `make` builds the module and the userspace parts,
# `make test` installs what is missing and runs every test, `make run` runs
# `make run` (reproduce the published GIL experiments against the module).

# Kernel to build against: the running kernel's build tree when it has one,
# else the newest Debian headers installed by scripts/deps.sh (the VM boots
# the matching /boot/vmlinuz, see scripts/vm-run).
KDIR ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo /lib/modules/$$(uname -r)/build; \
	else ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -1; fi)

# Every installed kernel that has a build tree gets its own module,
# build/kmod/<release>/kgil.ko (scripts/build-module); make test runs the
# device suites on each.  kmod/kgil.ko is KDIR's, built in place.
KRELEASES ?= $(shell for d in /lib/modules/*/build; do \
		[ -f "$$d/Makefile" ] && basename "$$(dirname "$$d")"; \
	done 2>/dev/null | sort -V)

PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# The device's mode is the administrator's: the rule goes to /etc.
UDEVRULESDIR ?= /etc/udev/rules.d

# The one definition of the version (module, library, kgil, DKMS).
VERSION := $(shell cat VERSION)
B := build

CC ?= cc
CPPFLAGS += -Iinclude/uapi -Iuser/include -I$(B)/include -D_GNU_SOURCE
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -Wall -Wextra -Werror -pthread
LDLIBS_LIB := -luring -pthread
CRITERION_LIBS := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)
TRACE_CFLAGS := $(shell pkg-config --cflags libtracefs libtraceevent libtracecmd 2>/dev/null)
TRACE_LIBS := $(shell pkg-config --libs libtracefs libtraceevent libtracecmd 2>/dev/null)

# BPF policies (issue 15, docs/bpf.md).  libkgil loads them with libbpf
# >= 1.4 (struct_ops types defined by a module); without it the library
# still builds and kgil_bpf_load() & co. return -EOPNOTSUPP.
HAVE_LIBBPF := $(shell pkg-config --atleast-version=1.4 libbpf 2>/dev/null && echo y)
ifeq ($(HAVE_LIBBPF),y)
BPF_CPPFLAGS := -DKGIL_HAVE_LIBBPF $(shell pkg-config --cflags libbpf)
LDLIBS_LIB += $(shell pkg-config --libs libbpf)
KGIL_PC_REQUIRES_PRIVATE := libbpf >= 1.4
endif
# The example policies, user/bpf/NAME.bpf.c -> $(B)/bpf/NAME.bpf.o, when
# there is a clang to compile them.
CLANG ?= clang
HAVE_CLANG := $(shell command -v $(CLANG) >/dev/null 2>&1 && echo y)
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_PROGS := $(if $(HAVE_CLANG),$(patsubst user/bpf/%.bpf.c,$(B)/bpf/%.bpf.o,$(wildcard user/bpf/*.bpf.c)))
# The device tests' own programs (tests/bpf: ones the verifier must
# refuse, one whose answers the core must overrule).
BPF_TEST_PROGS := $(if $(HAVE_CLANG),$(patsubst tests/bpf/%.bpf.c,$(B)/tests/bpf/%.bpf.o,$(wildcard tests/bpf/*.bpf.c)))

LIB_SRCS := $(wildcard user/lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
# The kgil tool: user/tools/main.c and one room per part, each a static
# library that the tool and the tests link (build/tools/libkgil-ROOM.a):
# support (results, JSON, tables, statistics, parsing, progress, plots),
# trace (the trace reader and analysis), policy (BPF policies: kgil
# policy, --policy bpf:...), bench (the scenarios), sweep and reproduce.
# TOOL_ROOMS is in link order: a room uses only those after it.
TOOL_ROOMS := reproduce sweep bench policy trace support
room_objs = $(patsubst %.c,$(B)/obj/%.o,$(wildcard user/tools/$(1)/*.c))
TOOL_LIBS := $(TOOL_ROOMS:%=$(B)/tools/libkgil-%.a)
TOOL_OBJS := $(B)/obj/user/tools/main.o \
	     $(foreach r,$(TOOL_ROOMS),$(call room_objs,$(r)))
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(B)/obj/%.o)
KMOD_SRCS := $(wildcard tests/kmod/*.c)
KMOD_OBJS := $(KMOD_SRCS:%.c=$(B)/obj/%.o)
TESTLIB_SRCS := $(wildcard tests/lib/*.c)
TESTLIB_OBJS := $(TESTLIB_SRCS:%.c=$(B)/obj/%.o)
# The tests' shared code (tests/lib), for every test binary.
TESTLIB := $(B)/libkgil-testlib.a
TEST_CPPFLAGS := -Itests/lib
HELPERS := $(patsubst tests/helpers/%.c,$(B)/tests/helpers/%,$(wildcard tests/helpers/*.c))
STRESS := $(patsubst tests/stress/%.c,$(B)/%,$(wildcard tests/stress/kgil-*.c))

TEST_BINS := $(if $(UNIT_SRCS),$(B)/tests/unit-tests) \
	     $(if $(KMOD_SRCS),$(B)/tests/kmod-tests) $(HELPERS) $(STRESS)

.PHONY: all module user test test-unit test-device run install uninstall \
	clean check-style checkpatch bpf-bench trace-libs deps help debug-kernel test-debug dkms-source \
	dkms-install dkms-uninstall test-dkms python test-python
.SECONDEXPANSION:
.DEFAULT_GOAL := all

all: module user

help:
	@echo "make            build kmod/kgil.ko and build/ (library, tool, tests)"
	@echo "make run        reproduce the published GIL experiments (VM when needed)"
	@echo "make test       install deps, build, run unit and device tests"
	@echo "make check-style sparse (C=1) and W=1 on the module"
	@echo "make checkpatch the kernel's checkpatch.pl on the module and UAPI header"
	@echo "make bpf-bench  BPF policies against the built-in ones (6.12 VM)"
	@echo "make test-debug device tests, longer fuzz and stress, on a"
	@echo "                KASAN+lockdep+kmemleak kernel (make debug-kernel)"
	@echo "make install    library, headers, pkg-config file, tool"
	@echo "make python     CPython 3.11 with its GIL on kgil: build/cpython/python"
	@echo "make test-python its smoke test and CPython's own thread tests, natively"

deps:
	@scripts/deps.sh

# ---- the module --------------------------------------------------------
module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run scripts/deps.sh"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	@for r in $(KRELEASES); do \
		scripts/build-module /lib/modules/$$r/build $(B)/kmod/$$r || exit 1; \
	done

check-style:
	@test -n "$(KDIR)" || { echo "no kernel headers: run scripts/deps.sh"; exit 1; }
	@# C=2 checks every file again; sparse only warns, so its output decides.
	@# Against every installed kernel: each has its own side of kgil_compat.h.
	@mkdir -p $(B)
	@rm -f $(B)/check-style.log
	@for r in $(KRELEASES); do \
		echo "check-style: $$r"; \
		scripts/build-module /lib/modules/$$r/build $(B)/check-style/$$r \
			C=2 W=1 KCFLAGS=-Werror 2>&1 | tee -a $(B)/check-style.log; \
	done
	@! grep -E '(warning|error):' $(B)/check-style.log || \
		{ echo "check-style: sparse or W=1 found problems"; exit 1; }
	@echo "check-style: clean (sparse C=2, W=1) on $(KRELEASES)"

checkpatch:
	scripts/checkpatch.sh

# The BPF policies against the built-in ones (docs/bpf.md, Figures).
bpf-bench: deps all
	scripts/bpf-bench.sh

# ---- userspace ---------------------------------------------------------
user: $(B)/libkgil.a $(B)/libkgil.so $(B)/kgil $(B)/kgil.pc $(TEST_BINS) $(BPF_PROGS) \
	$(BPF_TEST_PROGS)

# -I/usr/include/<multiarch>: the BPF target has no system include path
# of its own, and <linux/bpf.h> wants <asm/types.h> from there.
$(B)/bpf/%.bpf.o: user/bpf/%.bpf.c user/bpf/kgil_policy.bpf.h include/uapi/linux/kgil.h
	@mkdir -p $(dir $@)
	$(CLANG) -O2 -g -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -Iinclude/uapi \
		-I/usr/include/$(shell $(CC) -print-multiarch) -c $< -o $@

$(B)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c user/bpf/kgil_policy.bpf.h include/uapi/linux/kgil.h
	@mkdir -p $(dir $@)
	$(CLANG) -O2 -g -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -Iinclude/uapi -Iuser/bpf \
		-I/usr/include/$(shell $(CC) -print-multiarch) -c $< -o $@

# kgil.h includes it: the library's version, from VERSION.
$(B)/include/kgil_version.h: VERSION
	@mkdir -p $(dir $@)
	printf '/* Generated from VERSION by make. */\n#define KGIL_LIB_VERSION "%s"\n' \
		"$(VERSION)" > $@

$(B)/obj/%.o: %.c | $(B)/include/kgil_version.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TRACE_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# Position-independent code for the library only: libkgil.so is built
# from the same objects as libkgil.a.
$(LIB_OBJS): CFLAGS += -fPIC
$(LIB_OBJS): CPPFLAGS += $(BPF_CPPFLAGS)

# The trace tools need libtracecmd, libtracefs and libtraceevent
# (pkg-config): say so plainly instead of failing on a missing header.
TRACE_PKGS := libtracefs libtraceevent libtracecmd
TRACE_MISSING := $(shell for p in $(TRACE_PKGS); do \
		pkg-config --exists $$p 2>/dev/null || echo $$p; done)
trace-libs:
ifneq ($(TRACE_MISSING),)
	@echo "kgil: the trace tools need $(TRACE_MISSING) (pkg-config finds" \
		"none): run scripts/deps.sh, which installs libtracecmd-dev," \
		"libtracefs-dev and libtraceevent-dev" >&2; exit 1
endif

$(TOOL_OBJS) $(UNIT_OBJS) $(KMOD_OBJS): | trace-libs
# Tools and tests name the tools' headers by room: "support/json.h".
$(TOOL_OBJS) $(UNIT_OBJS) $(KMOD_OBJS): CPPFLAGS += -Iuser/tools

$(B)/libkgil.a: $(LIB_OBJS)
	@mkdir -p $(B)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/libkgil.so: $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,libkgil.so.0 -o $@ $^ $(LDLIBS_LIB)

$(B)/tools/libkgil-%.a: $$(call room_objs,%)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/kgil: $(B)/obj/user/tools/main.o $(TOOL_LIBS) $(B)/libkgil.a
	$(CC) $(CFLAGS) -o $@ $< $(TOOL_LIBS) $(B)/libkgil.a $(TRACE_LIBS) $(LDLIBS_LIB) -lm

$(UNIT_OBJS) $(KMOD_OBJS) $(TESTLIB_OBJS): CPPFLAGS += $(TEST_CPPFLAGS)
# The tests expect of kgil_bpf_load() what this libkgil can do.
$(UNIT_OBJS): CPPFLAGS += $(if $(HAVE_LIBBPF),-DKGIL_HAVE_LIBBPF)

$(TESTLIB): $(TESTLIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/tests/unit-tests: $(UNIT_OBJS) $(TESTLIB) $(TOOL_LIBS) $(B)/libkgil.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(UNIT_OBJS) $(TESTLIB) $(TOOL_LIBS) $(B)/libkgil.a $(CRITERION_LIBS) $(TRACE_LIBS) $(LDLIBS_LIB) -lm

$(B)/tests/kmod-tests: $(KMOD_OBJS) $(TESTLIB) $(TOOL_LIBS) $(B)/libkgil.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(KMOD_OBJS) $(TESTLIB) $(TOOL_LIBS) $(B)/libkgil.a $(CRITERION_LIBS) $(TRACE_LIBS) $(LDLIBS_LIB) -lm

$(B)/tests/helpers/%: tests/helpers/%.c $(TESTLIB) $(B)/libkgil.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TEST_CPPFLAGS) $(CFLAGS) -o $@ $< $(TESTLIB) $(B)/libkgil.a $(LDLIBS_LIB) -lm

$(B)/kgil-%: tests/stress/kgil-%.c $(wildcard tests/stress/*.h tests/lib/*.h) $(TESTLIB) $(B)/libkgil.a
	$(CC) $(CPPFLAGS) $(TEST_CPPFLAGS) $(CFLAGS) -o $@ $< $(TESTLIB) $(B)/libkgil.a $(LDLIBS_LIB) -lm

# kgil.pc for the paths of this make invocation: `make install PREFIX=...`
# writes its own, whatever PREFIX the build had.
KGIL_PC = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	      -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	      -e 's|@REQUIRES_PRIVATE@|$(KGIL_PC_REQUIRES_PRIVATE)|g' \
	      user/kgil.pc.in

$(B)/kgil.pc: user/kgil.pc.in Makefile
	@mkdir -p $(B)
	$(KGIL_PC) > $@

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# ---- tests -------------------------------------------------------------
# Unit tests run here; device tests run wherever the module can be loaded
# (here, or in the VM: scripts/with-module decides).
test: deps
	$(MAKE) all
	$(MAKE) python
	$(MAKE) test-unit
	$(MAKE) test-python
	$(MAKE) test-device

test-unit: user
	scripts/test-unit.sh
	@# results/index.html opened in a real browser (chromium, headless).
	@[ -n "$$KGIL_TEST_FILTER" ] || tests/unit/report-page.sh

# The device suites on every kernel with a module (KRELEASES), one VM (or
# native run) each; KRELEASES=R limits it to one.
test-device: all
	@fail=0; for r in $(KRELEASES); do \
		echo "== device tests on $$r"; \
		KGIL_KERNEL_RELEASE=$$r scripts/with-module \
			--timeout $${KGIL_VM_TIMEOUT:-2400} -- scripts/test-device.sh || \
			{ echo "test-device: FAILED on $$r"; fail=1; }; \
	done; exit $$fail

# The debug kernel (cached under build/debug-kernel/) and the device suite
# on it with the module built against it: docs/reliability.md.  The
# suite runs real Python too (tests/device.d/80-python.sh): python first.
debug-kernel:
	scripts/debug-kernel.sh kernel

test-debug: all python
	scripts/debug-kernel.sh test

# Debian's CPython 3.11 with its GIL on kgil (docs/python.md, issue 14):
# build/cpython/python.  Not part of all (a long build, ~6 minutes, cached
# after); make test and make run build it.
python: $(B)/libkgil.a
	nice -n 5 scripts/python-build.sh

# The patched CPython natively: its smoke test on stock and the user
# backends, and CPython's own thread tests on user-newgil (the kernel
# backend's turn is tests/device.d/80-python.sh, in the VM).
test-python: python
	tests/python/smoke.sh --native
	tests/python/cpython-tests.sh

# ---- make run: the published GIL experiments ------------------------
run: deps
	@# Quietly: what make run shows a person is the table (errors still show).
	$(MAKE) -s all
	@# The real-Python table needs the patched CPython (cached after the
	@# first build, ~10 min); without it the rest of the run still runs.
	-nice -n 10 $(MAKE) -s python
	scripts/with-module --timeout $${KGIL_VM_TIMEOUT:-4800} -- scripts/run-main.sh

# ---- install -----------------------------------------------------------
install: user
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 $(B)/libkgil.a $(DESTDIR)$(LIBDIR)/libkgil.a
	install -m 755 $(B)/libkgil.so $(DESTDIR)$(LIBDIR)/libkgil.so.$(VERSION)
	ln -sf libkgil.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libkgil.so.0
	ln -sf libkgil.so.0 $(DESTDIR)$(LIBDIR)/libkgil.so
	install -m 644 user/include/kgil*.h $(B)/include/kgil_version.h \
		$(DESTDIR)$(INCLUDEDIR)/
	install -m 644 include/uapi/linux/kgil.h $(DESTDIR)$(INCLUDEDIR)/linux/kgil.h
	$(KGIL_PC) > $(DESTDIR)$(PKGCONFIGDIR)/kgil.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/kgil.pc
	install -m 755 $(B)/kgil $(DESTDIR)$(BINDIR)/kgil
	install -d $(DESTDIR)$(UDEVRULESDIR)
	install -m 644 kmod/60-kgil.rules $(DESTDIR)$(UDEVRULESDIR)/60-kgil.rules
	-[ -z "$(DESTDIR)" ] && ldconfig

# ---- DKMS --------------------------------------------------------------
# The module's sources (what scripts/build-module copies) as a DKMS source
# tree, then dkms add/build/install for the running kernel (KRELEASE=R for
# another installed one).  dkms.conf: AUTOINSTALL rebuilds it for kernels
# installed later.
DKMS_SRC = $(DESTDIR)/usr/src/kgil-$(VERSION)
KRELEASE ?= $(shell uname -r)

dkms-source:
	install -d $(DKMS_SRC)/kmod $(DKMS_SRC)/include/uapi/linux
	install -m 644 Kbuild VERSION $(DKMS_SRC)/
	sed 's/@VERSION@/$(VERSION)/' dkms.conf > $(DKMS_SRC)/dkms.conf
	install -m 644 $(filter-out %.mod.c kmod/kgil_conftest.h,$(wildcard kmod/*.c kmod/*.h)) \
		kmod/Kbuild $(DKMS_SRC)/kmod/
	install -m 755 kmod/conftest.sh $(DKMS_SRC)/kmod/
	install -m 644 include/uapi/linux/kgil.h $(DKMS_SRC)/include/uapi/linux/

dkms-install: dkms-source
	dkms status -m kgil -v $(VERSION) | grep -q . || dkms add -m kgil -v $(VERSION)
	dkms build -m kgil -v $(VERSION) -k $(KRELEASE)
	dkms install -m kgil -v $(VERSION) -k $(KRELEASE) --force

# DKMS for real: tests/dkms/test-dkms.sh in a VM of each kernel.
test-dkms: all
	@fail=0; for r in $(KRELEASES); do \
		echo "== DKMS on $$r"; \
		scripts/vm-run --no-module --kernel-release $$r \
			--timeout $${KGIL_VM_TIMEOUT:-2400} -- tests/dkms/test-dkms.sh || \
			{ echo "test-dkms: FAILED on $$r"; fail=1; }; \
	done; exit $$fail

dkms-uninstall:
	-dkms remove -m kgil -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libkgil.* $(DESTDIR)$(INCLUDEDIR)/kgil*.h \
	      $(DESTDIR)$(INCLUDEDIR)/linux/kgil.h $(DESTDIR)$(PKGCONFIGDIR)/kgil.pc \
	      $(DESTDIR)$(BINDIR)/kgil $(DESTDIR)$(UDEVRULESDIR)/60-kgil.rules

clean:
	-[ -n "$(KDIR)" ] && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(B)
