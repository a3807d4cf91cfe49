# The probe engine.
PROBES_SOURCES = \
	probes/probe-io.c \
	probes/probe-io.h
