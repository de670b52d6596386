#!/usr/bin/env bash
# CI: install Debian's chromium for the HTML report's browser test, only when it is missing.
# Needs root (CI containers run as root); without it, say why and carry on — the browser test
# then skips with that reason instead of failing the whole run.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "chromium is missing and installing it needs root: run apt-get install chromium" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update && apt-get install -y chromium
