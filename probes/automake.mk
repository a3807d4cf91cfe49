# The probe engine.
PROBES_SOURCES = \
	probes/lane-history.c \
	probes/lane-history.h \
	probes/probe-engine.c \
	probes/probe-engine.h \
	probes/probe-io.c \
	probes/probe-io.h \
	probes/responder.c \
	probes/responder.h \
	probes/y1731.c \
	probes/y1731.h \
	probes/lane-stats.c \
	probes/lane-stats.h
