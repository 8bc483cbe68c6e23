# SPDX-License-Identifier: GPL-2.0
#
# Thin wrapper: the module is built by Kbuild (see ./Kbuild), everything
# else by the sub-makefiles. The kernel defaults to the newest Debian
# headers that have a matching kernel image, i.e. the kernel the guest boots.

KVER ?= $(shell tests/vm/kver.sh 2>/dev/null)
KDIR ?= /usr/src/linux-headers-$(KVER)
BUILD ?= $(CURDIR)/build

export BUILD

.PHONY: all module userspace tests clean checkpatch demo check deps

all: module userspace tests

module:
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

checkpatch:
	tests/checkpatch.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
