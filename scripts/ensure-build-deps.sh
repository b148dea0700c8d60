#!/usr/bin/env bash
# What `pip install` needs from the system on Debian 12: the venv module (Debian ships it
# separately from python3.11) and a C toolchain plus MariaDB headers, because mysqlclient has
# no Linux wheels and compiles against libmariadb. Checks first so a ready machine needs no root.
# Usage: scripts/ensure-build-deps.sh PYTHON
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=${1:-python3}

pkgs=()
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    pkgs+=("python$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv")
fi
if ! command -v pkg-config >/dev/null 2>&1; then pkgs+=(pkg-config); fi
if ! pkg-config --exists libmariadb 2>/dev/null && ! pkg-config --exists mysqlclient 2>/dev/null; then
    pkgs+=(libmariadb-dev)
fi
if ! command -v gcc >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1; then pkgs+=(build-essential); fi
# Python.h for the C extension.
if [ ! -f "$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ]; then
    pkgs+=("python$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-dev")
fi

if [ ${#pkgs[@]} -gt 0 ]; then
    scripts/apt-ensure.sh "${pkgs[@]}"
fi
