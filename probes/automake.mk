# The probe engine.
PROBES_SOURCES = \
	probes/probe-io.c \
	probes/probe-io.h \
	probes/y1731.c \
	probes/y1731.h \
	probes/lane-stats.c \
	probes/lane-stats.h
