# -*- autoconf -*-
# Copyright (c) 2026 The dvel authors.
# Licensed under the Apache License, Version 2.0.

dnl DVEL_CHECK_OVS
dnl
dnl Finds a configured and built Open vSwitch tree (--with-ovs-source,
dnl optionally --with-ovs-build) and takes from its Makefile the flags that
dnl OVS itself was compiled with.  dvel's objects are linked into
dnl ovs-vswitchd, so they must see OVS's headers exactly as OVS did: for
dnl example 'struct dp_packet' changes layout when DPDK_NETDEV is defined,
dnl which comes from OVS's config.h and DPDK's own CFLAGS.
AC_DEFUN([DVEL_CHECK_OVS], [
  AC_ARG_WITH([ovs-source],
    [AS_HELP_STRING([--with-ovs-source=DIR],
                    [Open vSwitch source tree (required)])],
    [OVS_SRCDIR=$withval], [OVS_SRCDIR=])
  AC_ARG_WITH([ovs-build],
    [AS_HELP_STRING([--with-ovs-build=DIR],
                    [Open vSwitch build tree, if not the source tree])],
    [OVS_BUILDDIR=$withval], [OVS_BUILDDIR=$OVS_SRCDIR])

  AC_MSG_CHECKING([for the Open vSwitch source tree])
  AS_IF([test -z "$OVS_SRCDIR"],
    [AC_MSG_ERROR([--with-ovs-source=DIR is required (utilities/dvel-setup.sh prepares one)])])
  OVS_SRCDIR=`cd "$OVS_SRCDIR" && pwd`
  AS_IF([test ! -f "$OVS_SRCDIR/vswitchd/bridge.c"],
    [AC_MSG_ERROR([$OVS_SRCDIR is not an Open vSwitch source tree])])
  AC_MSG_RESULT([$OVS_SRCDIR])

  AC_MSG_CHECKING([for the Open vSwitch build tree])
  OVS_BUILDDIR=`cd "$OVS_BUILDDIR" && pwd`
  AS_IF([test ! -f "$OVS_BUILDDIR/config.h" || test ! -f "$OVS_BUILDDIR/Makefile"],
    [AC_MSG_ERROR([$OVS_BUILDDIR is not a configured Open vSwitch build tree])])
  for f in lib/libopenvswitch.la ofproto/libofproto.la lib/libsflow.la \
           ovsdb/libovsdb.la vswitchd/bridge.o vswitchd/ovs-vswitchd.o \
           vswitchd/system-stats.o; do
    AS_IF([test ! -f "$OVS_BUILDDIR/$f"],
      [AC_MSG_ERROR([$OVS_BUILDDIR/$f is missing: build Open vSwitch first])])
  done
  AC_MSG_RESULT([$OVS_BUILDDIR])

  dnl Ask OVS's own Makefile for the values it compiled and linked with.
  dvel_ovs_var () {
    printf 'print-%%: ; @echo $(%s)\n' '$[]*' \
      | make -s --no-print-directory -C "$OVS_BUILDDIR" -f Makefile -f - "print-$[]1"
  }
  AC_MSG_CHECKING([Open vSwitch version])
  OVS_VERSION=`dvel_ovs_var VERSION`
  AC_MSG_RESULT([$OVS_VERSION])
  OVS_CFLAGS="`dvel_ovs_var "AM""_CFLAGS"` `dvel_ovs_var CFLAGS`"
  OVS_VSWITCHD_LDFLAGS=`dvel_ovs_var vswitchd_ovs_vswitchd_LDFLAGS`
  OVS_LIBS=`dvel_ovs_var LIBS`
  dnl Where that build's daemons keep their sockets and databases: dvel's
  dnl scripts talk to the same ovsdb-server.
  OVS_RUNDIR=`dvel_ovs_var RUNDIR`
  OVS_DBDIR=`dvel_ovs_var DBDIR`
  AS_IF([grep -q '^#define DPDK_NETDEV 1' "$OVS_BUILDDIR/config.h"],
        [OVS_HAVE_DPDK=yes], [OVS_HAVE_DPDK=no])
  AS_IF([grep -q '^#define HAVE_AF_XDP 1' "$OVS_BUILDDIR/config.h"],
        [OVS_HAVE_AF_XDP=yes], [OVS_HAVE_AF_XDP=no])
  AC_MSG_NOTICE([Open vSwitch built with DPDK: $OVS_HAVE_DPDK, AF_XDP: $OVS_HAVE_AF_XDP])

  AC_SUBST([OVS_SRCDIR])
  AC_SUBST([OVS_BUILDDIR])
  AC_SUBST([OVS_VERSION])
  AC_SUBST([OVS_CFLAGS])
  AC_SUBST([OVS_VSWITCHD_LDFLAGS])
  AC_SUBST([OVS_LIBS])
  AC_SUBST([OVS_RUNDIR])
  AC_SUBST([OVS_DBDIR])

  dnl dvel-db keeps the dvel database beside conf.db, in the directory the
  dnl Open vSwitch build uses for it, unless a distribution moved conf.db
  dnl (Debian keeps it in /var/lib/openvswitch).
  AC_ARG_WITH([dbdir],
    [AS_HELP_STRING([--with-dbdir=DIR],
                    [directory of the dvel database (default: Open vSwitch's DBDIR)])],
    [DVEL_DBDIR=$withval], [DVEL_DBDIR=$OVS_DBDIR])
  AC_SUBST([DVEL_DBDIR])
  AC_SUBST([OVS_HAVE_DPDK])
  AC_SUBST([OVS_HAVE_AF_XDP])
])

dnl DVEL_ENABLE_SANITIZERS: --enable-asan builds dvel's objects with
dnl AddressSanitizer (OVS's own objects keep their flags).
AC_DEFUN([DVEL_ENABLE_SANITIZERS], [
  AC_ARG_ENABLE([asan],
    [AS_HELP_STRING([--enable-asan], [build with AddressSanitizer])],
    [], [enable_asan=no])
  AS_IF([test "$enable_asan" = yes],
        [DVEL_SAN_FLAGS="-fsanitize=address -fno-omit-frame-pointer"],
        [DVEL_SAN_FLAGS=])
  AC_SUBST([DVEL_SAN_FLAGS])
])
