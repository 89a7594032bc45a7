#!/usr/bin/env bash
# Install Debian packages the tests and benchmarks use, when missing and when apt-get is usable.
# Tests that need one skip with a clear reason where it could not be installed.
set -u
missing=()
for pkg in "$@"; do
  command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-packages: not installing ${missing[*]} (needs root and apt-get); dependent tests will skip" >&2
  exit 0
fi
echo "system-packages: installing ${missing[*]}" >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}") >/dev/null 2>&1 \
  || echo "system-packages: could not install ${missing[*]}; dependent tests will skip" >&2
exit 0
