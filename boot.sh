#! /bin/sh
# Generates configure and Makefile.in.
autoreconf --install --force
