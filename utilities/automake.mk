# dvel-ctl: the dvel database's command-line tool, on OVS's db-ctl-base.
bin_PROGRAMS += utilities/dvel-ctl
utilities_dvel_ctl_SOURCES = \
	utilities/dvel-ctl.c \
	ofproto-dvel/lane-probe.c \
	ofproto-dvel/lane-probe.h \
	ofproto-dvel/lane-select.c \
	ofproto-dvel/lane-select.h
utilities_dvel_ctl_LDADD = ofproto-dvel/libdvelidl.la $(OVS_LIBOPENVSWITCH)
utilities_dvel_ctl_LDFLAGS = $(AM_LDFLAGS) $(OVS_VSWITCHD_LDFLAGS)

man_MANS += utilities/dvel-ctl.8

# dvel-lane-emu: the lane emulator of the lab and the system tests.
bin_PROGRAMS += utilities/dvel-lane-emu
utilities_dvel_lane_emu_SOURCES = \
	utilities/dvel-lane-emu.c \
	utilities/lane-emu-model.c \
	utilities/lane-emu-model.h
utilities_dvel_lane_emu_LDADD = $(OVS_LIBOPENVSWITCH)
utilities_dvel_lane_emu_LDFLAGS = $(AM_LDFLAGS) $(OVS_VSWITCHD_LDFLAGS)
man_MANS += utilities/dvel-lane-emu.8
EXTRA_DIST += utilities/dvel-lane-emu.8.in
CLEANFILES += utilities/dvel-lane-emu.8
EXTRA_DIST += utilities/dvel-ctl.8.in
CLEANFILES += utilities/dvel-ctl.8

bashcompdir = $(sysconfdir)/bash_completion.d
dist_bashcomp_DATA = utilities/dvel-ctl.bash

EXTRA_DIST += utilities/dvel-setup.sh
EXTRA_DIST += utilities/dvel-demo.sh
EXTRA_DIST += utilities/dvel-lab.sh utilities/dvel-lab-traffic.py

# dvel-db: creates, converts and attaches the dvel database to the stock
# ovsdb-server; the packages' service hooks call it.
pkgdatascriptsdir = $(pkgdatadir)/scripts
pkgdatascripts_SCRIPTS = utilities/dvel-db
EXTRA_DIST += utilities/dvel-db.in
CLEANFILES += utilities/dvel-db
utilities/dvel-db: utilities/dvel-db.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	  $(SED) -e 's|[@]RUNDIR[@]|$(OVS_RUNDIR)|g' \
	         -e 's|[@]DBDIR[@]|$(DVEL_DBDIR)|g' \
	         -e 's|[@]pkgdatadir[@]|$(pkgdatadir)|g' \
	    $(srcdir)/utilities/dvel-db.in > $@.tmp && \
	  chmod +x $@.tmp && mv $@.tmp $@
man_MANS += utilities/dvel-db.8
EXTRA_DIST += utilities/dvel-db.8.in
CLEANFILES += utilities/dvel-db.8
