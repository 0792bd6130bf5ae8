#!/usr/bin/env bash
# Install what the browser tests drive: Debian's Chromium (needs root) and
# axe-core from npm. Where that is impossible the browser tests skip with a
# loud reason, except under CI=true, where they fail instead.
set -u
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Chromium from Debian packages..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "WARNING: could not install chromium; browser tests will not run." >&2
  else
    echo "WARNING: /usr/bin/chromium is missing and this is not root: browser tests will skip." >&2
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
