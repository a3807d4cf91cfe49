# The autotest suite: "make check".
EXTRA_DIST += \
	$(TESTSUITE_AT) \
	$(TESTSUITE) \
	tests/atlocal.in \
	tests/lane-relay.py \
	tests/lsan.supp
TESTSUITE_AT = \
	tests/testsuite.at \
	tests/dvel-macros.at \
	tests/dvel-vswitchd.at \
	tests/dvel-evc.at \
	tests/dvel-hooks.at \
	tests/dvel-system.at \
	tests/dvel-y1731.at \
	tests/dvel-probes.at \
	tests/dvel-select.at \
	tests/dvel-lane-emu.at \
	tests/dvel-lab.at \
	tests/dvel-ctl.at \
	tests/dvel-db.at
TESTSUITE = $(srcdir)/tests/testsuite
DISTCLEANFILES += tests/atconfig tests/atlocal

# The package checks (root; CI runs them): build, lint, install, run and
# remove the .deb; parse the RPM spec and build the RPMs.
EXTRA_DIST += tests/packaging/deb.sh tests/packaging/rpm.sh

# Executables the tests run, dvel's first, then Open vSwitch's.
AUTOTEST_PATH = $(abs_top_builddir)/tests:$(abs_top_builddir)/utilities:$(abs_top_builddir)/ofproto-dvel:$(OVS_BUILDDIR)/utilities:$(OVS_BUILDDIR)/ovsdb:$(OVS_BUILDDIR)/vswitchd:$(OVS_BUILDDIR)/tests

AUTOM4TE = autom4te
AUTOTEST = $(AUTOM4TE) -l autotest -I $(OVS_SRCDIR)/tests -I $(OVS_SRCDIR) -I $(srcdir)

$(TESTSUITE): package.m4 $(TESTSUITE_AT)
	$(AM_V_GEN)$(AUTOTEST) -I '$(srcdir)' -o $@.tmp $@.at && mv $@.tmp $@

$(srcdir)/package.m4: $(top_srcdir)/configure.ac
	$(AM_V_GEN):;{ \
	  echo '# Signature of the current package.' && \
	  echo 'm4_define([AT_PACKAGE_NAME],      [$(PACKAGE_NAME)])' && \
	  echo 'm4_define([AT_PACKAGE_TARNAME],   [$(PACKAGE_TARNAME)])' && \
	  echo 'm4_define([AT_PACKAGE_VERSION],   [$(PACKAGE_VERSION)])' && \
	  echo 'm4_define([AT_PACKAGE_STRING],    [$(PACKAGE_STRING)])' && \
	  echo 'm4_define([AT_PACKAGE_BUGREPORT], [$(PACKAGE_BUGREPORT)])'; \
	} >'$(srcdir)/package.m4'
EXTRA_DIST += package.m4

# The lab tests (keyword "lab", root only) measure real delays, losses and
# interruptions, so they run after the others, one at a time, on a machine
# that the rest of the suite does not keep busy.  The first pass's log is
# kept as tests/testsuite-main.log.  LAB_TESTS=no leaves them out (for
# builds whose timing means nothing, such as under AddressSanitizer).
LAB_TESTS = yes
check-local: tests/atconfig tests/atlocal $(TESTSUITE) all
	$(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	    -k '!lab' $(TESTSUITEFLAGS)
	if test '$(LAB_TESTS)' != no; then \
	    cp tests/testsuite.log tests/testsuite-main.log && \
	    $(SHELL) '$(TESTSUITE)' -C tests \
	        AUTOTEST_PATH='$(AUTOTEST_PATH)' -k lab; \
	fi

CLEANFILES += tests/testsuite-main.log
clean-local:
	test ! -f '$(TESTSUITE)' || $(SHELL) '$(TESTSUITE)' -C tests --clean

# Unit tests of the probe code, run by the autotest suite.
noinst_PROGRAMS += tests/test-y1731
tests_test_y1731_SOURCES = tests/test-y1731.c tests/unit-check.h \
	probes/y1731.c probes/y1731.h
noinst_PROGRAMS += tests/test-lane-stats
tests_test_lane_stats_SOURCES = tests/test-lane-stats.c tests/unit-check.h \
	probes/lane-stats.c \
	probes/lane-stats.h
tests_test_lane_stats_LDADD = $(OVS_LIBOPENVSWITCH) -lm
tests_test_lane_stats_LDFLAGS = $(AM_LDFLAGS) $(OVS_VSWITCHD_LDFLAGS)
noinst_PROGRAMS += tests/test-probe-units
tests_test_probe_units_SOURCES = tests/test-probe-units.c \
	tests/unit-check.h \
	probes/lane-history.c \
	probes/lane-history.h \
	probes/responder.c \
	probes/responder.h \
	probes/y1731.c \
	probes/y1731.h
tests_test_probe_units_LDADD = $(OVS_LIBOPENVSWITCH)
tests_test_probe_units_LDFLAGS = $(AM_LDFLAGS) $(OVS_VSWITCHD_LDFLAGS)
noinst_PROGRAMS += tests/test-lane-select
tests_test_lane_select_SOURCES = tests/test-lane-select.c tests/unit-check.h \
	ofproto-dvel/lane-select.c \
	ofproto-dvel/lane-select.h
tests_test_lane_select_LDADD = $(OVS_LIBOPENVSWITCH) -lm
tests_test_lane_select_LDFLAGS = $(AM_LDFLAGS) $(OVS_VSWITCHD_LDFLAGS)
noinst_PROGRAMS += tests/test-lane-emu
tests_test_lane_emu_SOURCES = tests/test-lane-emu.c tests/unit-check.h \
	utilities/lane-emu-model.c \
	utilities/lane-emu-model.h
tests_test_lane_emu_LDADD = $(OVS_LIBOPENVSWITCH) -lm
tests_test_lane_emu_LDFLAGS = $(AM_LDFLAGS) $(OVS_VSWITCHD_LDFLAGS)

# Benchmarks, not tests: they print measured figures and write CSV and a
# PNG under bench-out/.  Root only (network namespaces).
EXTRA_DIST += tests/bench/bench-lib.sh tests/bench/probe-capacity.sh
bench-probes: all
	OVS_BUILDDIR='$(OVS_BUILDDIR)' $(SHELL) $(srcdir)/tests/bench/probe-capacity.sh
.PHONY: bench-probes
EXTRA_DIST += tests/bench/failover-time.sh tests/bench/set-link.py
noinst_PROGRAMS += tests/bench/stream-send
tests_bench_stream_send_SOURCES = tests/bench/stream-send.c
tests_bench_stream_send_LDADD = $(OVS_LIBOPENVSWITCH)
bench-failover: all
	OVS_BUILDDIR='$(OVS_BUILDDIR)' $(SHELL) $(srcdir)/tests/bench/failover-time.sh
.PHONY: bench-failover
EXTRA_DIST += tests/bench/scale.sh tests/bench/scale-txn.py
bench-scale: all
	OVS_BUILDDIR='$(OVS_BUILDDIR)' $(SHELL) $(srcdir)/tests/bench/scale.sh
.PHONY: bench-scale
EXTRA_DIST += tests/bench/forwarding-cost.sh
bench-forwarding: all
	OVS_BUILDDIR='$(OVS_BUILDDIR)' $(SHELL) $(srcdir)/tests/bench/forwarding-cost.sh
.PHONY: bench-forwarding
EXTRA_DIST += tests/bench/accuracy.sh
bench-accuracy: all
	OVS_BUILDDIR='$(OVS_BUILDDIR)' $(SHELL) $(srcdir)/tests/bench/accuracy.sh
.PHONY: bench-accuracy
# All of them, one after the other.
bench: bench-forwarding bench-failover bench-accuracy bench-probes bench-scale
.PHONY: bench

# "make fuzz": the Y.1731 decoder under libFuzzer (clang), for
# FUZZ_SECONDS seconds, from the reference frames as seeds.
FUZZ_CC = clang
FUZZ_SECONDS = 60
tests/fuzz-y1731: tests/fuzz-y1731.c probes/y1731.c probes/y1731.h \
		probes/responder.c probes/responder.h
	$(AM_V_CCLD)$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -I$(srcdir) \
	    $(srcdir)/tests/fuzz-y1731.c $(srcdir)/probes/y1731.c \
	    $(srcdir)/probes/responder.c -o $@
CLEANFILES += tests/fuzz-y1731
EXTRA_DIST += tests/fuzz-y1731.c tests/fuzz-run.sh
fuzz: tests/fuzz-y1731 tests/test-y1731
	$(SHELL) $(srcdir)/tests/fuzz-run.sh $(FUZZ_SECONDS)
.PHONY: fuzz
