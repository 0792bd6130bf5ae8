#!/usr/bin/env bash
# Install what the suite drives beyond Python: Debian's Chromium and Redis (needs
# root) and axe-core from npm. Where that is impossible, the tests needing them
# skip with a loud reason, except under CI=true, where they fail instead.
set -u
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing ${missing[*]} from Debian packages..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
       apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null) \
      || echo "WARNING: could not install ${missing[*]}; the tests needing them will not run." >&2
    # Debian starts redis-server as a service: the tests start their own, on a free port.
    if [[ " ${missing[*]} " == *" redis-server "* ]] && command -v service >/dev/null; then
      service redis-server stop >/dev/null 2>&1 || true
    fi
  else
    echo "WARNING: ${missing[*]} missing and this is not root: the tests needing them will skip." >&2
  fi
fi

if [ ! -f node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null; then
    npm install --no-audit --no-fund --silent >/dev/null 2>&1 \
      || echo "WARNING: npm install failed; accessibility checks will not run." >&2
  else
    echo "WARNING: npm is missing; accessibility checks will not run." >&2
  fi
fi
exit 0
