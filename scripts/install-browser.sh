#!/usr/bin/env bash
# Installs Debian's `chromium` for the browser test (test/e2e/report-browser.test.ts), which drives
# it with playwright-core: Playwright's own browser download cannot be fetched here, Debian's
# package can. Idempotent: does nothing when /usr/bin/chromium exists.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
# Root on CI and the dev machines; elsewhere sudo when there is one.
SUDO=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null || { echo "install-browser: need root (or sudo) to apt-get install chromium" >&2; exit 1; }
  SUDO=(sudo)
fi
echo "[setup] installing Debian's chromium (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version >&2
