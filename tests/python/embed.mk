# Built by scripts/python-build.sh inside CPython's build directory, after
# its own Makefile (make -f Makefile -f embed.mk): an embedding program of
# tests/python/ linked as CPython links Programs/_testembed, with the same
# compiler flags (public API only: no Py_BUILD_CORE) and libraries
# (libpython, libkgil).  It lives in build/cpython/obj/ so that, like
# _testembed, it finds the build tree's Lib/.
KGIL_EMBED_SRC ?= $(error KGIL_EMBED_SRC not set)
KGIL_EMBED_OUT ?= $(error KGIL_EMBED_OUT not set)

$(KGIL_EMBED_OUT): $(KGIL_EMBED_SRC) $(LINK_PYTHON_DEPS)
	$(MAINCC) -c $(PY_STDMODULE_CFLAGS) -Wall -Wextra -Werror -o $@.o $(KGIL_EMBED_SRC)
	$(LINKCC) $(PY_CORE_LDFLAGS) $(LINKFORSHARED) -o $@ $@.o $(LINK_PYTHON_OBJS) $(LIBS) $(MODLIBS) $(SYSLIBS)
