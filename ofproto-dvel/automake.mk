# The dvel database schema, its C bindings and its documentation.
pkgdata_DATA += ofproto-dvel/dvel.ovsschema
EXTRA_DIST += \
	ofproto-dvel/dvel.ovsschema \
	ofproto-dvel/dvel.xml \
	ofproto-dvel/dvel-idl.ann

ofproto-dvel/dvel-idl.ovsidl: ofproto-dvel/dvel.ovsschema ofproto-dvel/dvel-idl.ann
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	  $(OVSDB_IDLC) annotate $(srcdir)/ofproto-dvel/dvel.ovsschema \
	    $(srcdir)/ofproto-dvel/dvel-idl.ann > $@.tmp && mv $@.tmp $@
ofproto-dvel/dvel-idl.c: ofproto-dvel/dvel-idl.ovsidl ofproto-dvel/dvel-idl.h
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-source $< > $@.tmp && mv $@.tmp $@
ofproto-dvel/dvel-idl.h: ofproto-dvel/dvel-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-header $< > $@.tmp && mv $@.tmp $@
BUILT_SOURCES += ofproto-dvel/dvel-idl.c ofproto-dvel/dvel-idl.h
CLEANFILES += ofproto-dvel/dvel-idl.c ofproto-dvel/dvel-idl.h \
	ofproto-dvel/dvel-idl.ovsidl

# The schema's checksum must match its contents, as in OVS.
ofproto-dvel/dvel.ovsschema.stamp: ofproto-dvel/dvel.ovsschema
	$(AM_V_GEN)$(SHELL) $(OVS_SRCDIR)/build-aux/cksum-schema-check $? $@
BUILT_SOURCES += ofproto-dvel/dvel.ovsschema.stamp
CLEANFILES += ofproto-dvel/dvel.ovsschema.stamp

# dvel(5): the schema reference, rendered from dvel.xml.
man_MANS += ofproto-dvel/dvel.5
ofproto-dvel/dvel.5: ofproto-dvel/dvel.ovsschema ofproto-dvel/dvel.xml
	$(AM_V_GEN)$(OVSDB_DOC) --version=$(PACKAGE_VERSION) \
	    $(srcdir)/ofproto-dvel/dvel.ovsschema \
	    $(srcdir)/ofproto-dvel/dvel.xml \
	  | $(SED) 's/Open vSwitch Manual/dvel Manual/' > $@.tmp && mv $@.tmp $@
CLEANFILES += ofproto-dvel/dvel.5

# The IDL bindings are shared by ovs-vswitchd-dvel and dvel-ctl.
noinst_LTLIBRARIES += ofproto-dvel/libdvelidl.la
nodist_ofproto_dvel_libdvelidl_la_SOURCES = \
	ofproto-dvel/dvel-idl.c \
	ofproto-dvel/dvel-idl.h
ofproto_dvel_libdvelidl_la_CFLAGS = $(AM_CFLAGS) -Wno-unused-parameter

# ovs-vswitchd-dvel: Open vSwitch's own vswitchd objects, unmodified,
# linked with dvel.  The --wrap options route ovs-vswitchd.c's calls to
# bridge_init/run/wait/exit through dvel (see vswitchd-hooks.c) so that
# dvel runs in the main loop without any change to OVS's sources.  dvel's
# sources are listed here rather than put in a library so that every
# object is linked, whatever refers to it.
sbin_PROGRAMS += ofproto-dvel/ovs-vswitchd-dvel
ofproto_dvel_ovs_vswitchd_dvel_SOURCES = \
	ofproto-dvel/dp-refresh.c \
	ofproto-dvel/dp-refresh.h \
	ofproto-dvel/dvel.c \
	ofproto-dvel/dvel.h \
	ofproto-dvel/evc.c \
	ofproto-dvel/evc.h \
	ofproto-dvel/evc-flows.c \
	ofproto-dvel/evc-flows.h \
	ofproto-dvel/evc-rules.c \
	ofproto-dvel/evc-rules.h \
	ofproto-dvel/lane-probe.c \
	ofproto-dvel/lane-probe.h \
	ofproto-dvel/lane-select.c \
	ofproto-dvel/lane-select.h \
	ofproto-dvel/link-watch.c \
	ofproto-dvel/link-watch.h \
	ofproto-dvel/loop-stats.c \
	ofproto-dvel/loop-stats.h \
	ofproto-dvel/dvel-unixctl.c \
	ofproto-dvel/dvel-unixctl.h \
	ofproto-dvel/vswitchd-hooks.c \
	$(DPIF_DVEL_SOURCES) \
	$(PROBES_SOURCES)
ofproto_dvel_ovs_vswitchd_dvel_LDFLAGS = \
	$(AM_LDFLAGS) $(OVS_VSWITCHD_LDFLAGS) \
	-Wl,--wrap=bridge_init,--wrap=bridge_run,--wrap=bridge_wait \
	-Wl,--wrap=bridge_exit,--wrap=ovs_print_version \
	-Wl,--wrap=bridge_get_memory_usage
ofproto_dvel_ovs_vswitchd_dvel_LDADD = \
	ofproto-dvel/libdvelidl.la \
	$(OVS_BUILDDIR)/vswitchd/ovs-vswitchd.o \
	$(OVS_BUILDDIR)/vswitchd/bridge.o \
	$(OVS_BUILDDIR)/vswitchd/system-stats.o \
	$(OVS_LIBOFPROTO) $(OVS_LIBSFLOW) $(OVS_LIBOPENVSWITCH)

man_MANS += ofproto-dvel/ovs-vswitchd-dvel.8
EXTRA_DIST += ofproto-dvel/ovs-vswitchd-dvel.8.in
CLEANFILES += ofproto-dvel/ovs-vswitchd-dvel.8
