# SPDX-License-Identifier: GPL-2.0
#
# Thin wrapper: the module is built by Kbuild (see ./Kbuild), everything
# else by the sub-makefiles. The kernel defaults to the one the test guest
# boots: the newest installed Debian kernel, with headers, of the series
# DMAADD_KSERIES (6.1 unless set; tests/vm/kver.sh) - except for `make
# install`/`uninstall`, which default to the running kernel (uname -r) and
# refuse when its headers are missing. KVER=... overrides either.
#
# Installing (DESTDIR and PREFIX honoured; PREFIX defaults to /usr/local):
#   make install        library, headers (libdmaadd.h, linux/dmaadd.h),
#                       pkg-config file, the dmaadd tool, the udev rule and
#                       dmaadd.ko (the kernel's modules_install)
#   make uninstall      removes exactly that
#   make check-install  stages an install in a temporary DESTDIR and checks
#                       it (host only; tests/install/check.sh)
#   make dkms-install / dkms-uninstall   the module through DKMS instead
#
# Debian packages (debian/; docs/packaging.md):
#   make dist           the upstream tarball of HEAD,
#                       $(BUILD)/dmaadd-<version>.tar.xz
#   make check-deb      builds the four .debs in a copy of the tree, lintian,
#                       then installs them into a bookworm chroot
#                       (tests/install/deb-check.sh; host only, nothing
#                       installed on the host)

# Installing is for the running kernel unless KVER says otherwise.
ifneq ($(filter install install-module uninstall uninstall-module,$(MAKECMDGOALS)),)
KVER ?= $(shell uname -r)
endif
KVER ?= $(shell tests/vm/kver.sh 2>/dev/null)
KDIR ?= /usr/src/linux-headers-$(KVER)
BUILD ?= $(CURDIR)/build

# The release the module is built for (its vermagic): UTS_RELEASE, not
# include/config/kernel.release, which in Debian's headers is upstream's.
KRELEASE = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

# udev reads rules from /lib/udev/rules.d (Debian's udevdir; the same
# directory as /usr/lib/udev/rules.d with merged /usr) whatever PREFIX is;
# /etc/udev/rules.d is left to the administrator's own rules.
UDEVRULESDIR ?= /lib/udev/rules.d
# Where modules_install puts dmaadd.ko under /lib/modules/$(KRELEASE)/
# (DKMS uses updates/dkms).
INSTALL_MOD_DIR ?= extra
DEPMOD ?= /sbin/depmod
LDCONFIG ?= /sbin/ldconfig
INSTALL ?= install

export BUILD

.PHONY: all module userspace tests clean checkpatch demo check bench deps \
	install uninstall install-userspace install-udev install-module \
	uninstall-userspace uninstall-udev uninstall-module check-install \
	dkms-source dkms-install dkms-uninstall check-dkms check-docs \
	check-deb dist

all: module userspace tests

module:
	@test -f $(KDIR)/Makefile || { \
		echo "dmaadd: no kernel headers for '$(KVER)' in $(KDIR)." >&2; \
		echo "dmaadd: install them (apt install linux-headers-$(KVER))," \
			"or name another kernel: make KVER=<release> ..." >&2; \
		exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

userspace:
	$(MAKE) -C userspace

tests: userspace
	$(MAKE) -C tests

deps:
	tests/vm/deps.sh

demo:
	tests/vm.sh demo

check:
	tests/vm.sh check

# Boots a guest per DMA config (default all three: direct iommu swiotlb)
# and runs dmaadd_bench: make bench [BENCH_CONFIGS="direct"]
bench:
	tests/vm.sh bench $(BENCH_CONFIGS)

checkpatch:
	tests/checkpatch.sh

# docs/uapi.md against uapi/linux/dmaadd.h: errno tables, structs, examples;
# the manual pages against libdmaadd.h, libdmaadd.map and the tools' --help
# (userspace: make check-man).
check-docs:
	tests/uapi-doc-check.sh
	$(MAKE) -C userspace check-man

install: install-userspace install-udev install-module

uninstall: uninstall-userspace uninstall-udev uninstall-module

install-userspace:
	$(MAKE) -C userspace install
	@if [ -z "$(DESTDIR)" ]; then $(LDCONFIG); fi

uninstall-userspace:
	$(MAKE) -C userspace uninstall
	@if [ -z "$(DESTDIR)" ]; then $(LDCONFIG); fi

install-udev:
	$(INSTALL) -d $(DESTDIR)$(UDEVRULESDIR)
	$(INSTALL) -m 0644 userspace/udev/60-dmaadd.rules $(DESTDIR)$(UDEVRULESDIR)/
	@if [ -z "$(DESTDIR)" ] && ! getent group dmaadd >/dev/null; then \
		echo "note: the udev rule gives /dev/dmaadd* to the group" \
		     "'dmaadd', which does not exist: groupadd --system dmaadd"; \
	fi

uninstall-udev:
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-dmaadd.rules

# Debian's header packages carry no module signing key: the kernel's
# "SIGN" step would only fail (harmlessly) and leave the module unsigned,
# so it is not attempted. With Secure Boot enforcing module signatures,
# use DKMS (make dkms-install), which signs with the machine's MOK key.
# Without System.map in the headers modules_install skips depmod; it runs
# here for a real install (not into a DESTDIR: a packager's job).
install-module: module
	@test -n "$(KRELEASE)" || { echo "no kernel release in $(KDIR)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) CONFIG_MODULE_SIG_ALL= \
		modules_install
	@if [ -z "$(DESTDIR)" ]; then \
		echo "$(DEPMOD) -a $(KRELEASE)"; $(DEPMOD) -a $(KRELEASE); \
	fi

uninstall-module:
	@test -n "$(KRELEASE)" || { echo "no kernel release in $(KDIR)" >&2; exit 1; }
	rm -f $(DESTDIR)/lib/modules/$(KRELEASE)/$(INSTALL_MOD_DIR)/dmaadd.ko \
		$(DESTDIR)/lib/modules/$(KRELEASE)/$(INSTALL_MOD_DIR)/dmaadd.ko.*
	-rmdir $(DESTDIR)/lib/modules/$(KRELEASE)/$(INSTALL_MOD_DIR) 2>/dev/null
	@if [ -z "$(DESTDIR)" ]; then \
		echo "$(DEPMOD) -a $(KRELEASE)"; $(DEPMOD) -a $(KRELEASE); \
	fi

check-install:
	tests/install/check.sh

# DKMS: the version is dkms.conf's PACKAGE_VERSION, written nowhere else.
DKMS ?= dkms
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
DKMS_SRCDIR ?= $(DESTDIR)/usr/src
DKMS_SRC = $(DKMS_SRCDIR)/dmaadd-$(DKMS_VERSION)
# What the module is built from; the KUnit suites are #included.
DKMS_FILES = Kbuild dkms.conf uapi/linux/dmaadd.h \
	$(wildcard kernel/*.c kernel/*.h kernel/tests/*.c kernel/tests/*.h)
# dkms builds for the running kernel unless told: DKMS_KVER=6.1.0-...
DKMS_K = $(if $(DKMS_KVER),-k $(DKMS_KVER))

# The sources only, into $(DKMS_SRCDIR)/dmaadd-<version>/.
dkms-source:
	@test -n "$(DKMS_VERSION)" || { echo "no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }
	rm -rf $(DKMS_SRC)
	$(INSTALL) -d $(DKMS_SRC)
	tar -cf - $(DKMS_FILES) | tar -xf - -C $(DKMS_SRC)

# Replaces an earlier registration of the same version, then adds, builds
# (and signs) and installs the module with dkms; needs root.
dkms-install: dkms-source
	if [ -n "$$($(DKMS) status -m dmaadd -v $(DKMS_VERSION))" ]; then \
		$(DKMS) remove -m dmaadd -v $(DKMS_VERSION) --all; \
	fi
	$(DKMS) add -m dmaadd -v $(DKMS_VERSION)
	$(DKMS) build -m dmaadd -v $(DKMS_VERSION) $(DKMS_K)
	$(DKMS) install -m dmaadd -v $(DKMS_VERSION) $(DKMS_K)

dkms-uninstall:
	if [ -n "$$($(DKMS) status -m dmaadd -v $(DKMS_VERSION))" ]; then \
		$(DKMS) remove -m dmaadd -v $(DKMS_VERSION) --all; \
	fi
	rm -rf $(DKMS_SRC)

# dkms add + build only, in private trees (host-safe; never installs).
check-dkms:
	tests/install/dkms-check.sh

# The upstream tarball debian/ builds from (as dmaadd_<version>.orig.tar.xz):
# the committed tree at HEAD, without debian/.
dist:
	@mkdir -p $(BUILD)
	git archive --format=tar --prefix=dmaadd-$(DKMS_VERSION)/ HEAD -- . \
		':(exclude)debian' | xz -9 > $(BUILD)/dmaadd-$(DKMS_VERSION).tar.xz
	@echo "dist: $(BUILD)/dmaadd-$(DKMS_VERSION).tar.xz"

# The Debian packages, built in a copy of the tree, checked with lintian and
# by installing them into a debootstrapped bookworm (host-safe).
check-deb:
	tests/install/deb-check.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
