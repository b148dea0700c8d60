#!/usr/bin/env bash
# Install the given Debian packages, but only those not installed yet, so that a machine that
# already has everything never touches the network (and `apt-get update` runs only when needed).
# Usage: scripts/apt-ensure.sh pkg [pkg...]
set -euo pipefail

missing=()
for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-ensure: missing packages ${missing[*]} and no apt-get (this script targets Debian 12)" >&2
    exit 1
fi

# Root runs apt directly; anyone else needs sudo (fails loudly rather than half-installing).
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
        echo "apt-ensure: need root or sudo to install: ${missing[*]}" >&2
        exit 1
    fi
fi

echo "apt-ensure: installing ${missing[*]}"
# needrestart (if installed) would otherwise prompt or print a report after each install.
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
