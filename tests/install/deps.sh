#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host packages the install checks need, beyond what builds the module:
# pkg-config (pkgconf) and binutils for tests/install/check.sh, and with
# `deps.sh dkms` the dkms package for tests/install/dkms-check.sh.
# Installing dkms builds and loads nothing. See tests/vm/deps.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$here/../vm/deps.sh" install "$@"
