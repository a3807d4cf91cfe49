# The autotest suite: "make check".
EXTRA_DIST += \
	$(TESTSUITE_AT) \
	$(TESTSUITE) \
	tests/atlocal.in
TESTSUITE_AT = \
	tests/testsuite.at \
	tests/dvel-macros.at \
	tests/dvel-vswitchd.at \
	tests/dvel-evc.at \
	tests/dvel-hooks.at \
	tests/dvel-system.at \
	tests/dvel-ctl.at
TESTSUITE = $(srcdir)/tests/testsuite
DISTCLEANFILES += tests/atconfig tests/atlocal

# Executables the tests run, dvel's first, then Open vSwitch's.
AUTOTEST_PATH = $(abs_top_builddir)/utilities:$(abs_top_builddir)/ofproto-dvel:$(OVS_BUILDDIR)/utilities:$(OVS_BUILDDIR)/ovsdb:$(OVS_BUILDDIR)/vswitchd:$(OVS_BUILDDIR)/tests

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

check-local: tests/atconfig tests/atlocal $(TESTSUITE) all
	$(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(AUTOTEST_PATH)' $(TESTSUITEFLAGS)

clean-local:
	test ! -f '$(TESTSUITE)' || $(SHELL) '$(TESTSUITE)' -C tests --clean
