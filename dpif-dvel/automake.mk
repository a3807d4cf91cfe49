# The "dvel" datapath type: OVS's userspace datapath with dvel's hooks.
DPIF_DVEL_SOURCES = \
	dpif-dvel/dpif-dvel.c \
	dpif-dvel/dpif-dvel.h
