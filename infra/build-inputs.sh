#!/usr/bin/env bash
# Print a hash of everything `sam build` reads: template.yaml, functions/, layers/permitclock/ and the SAM CLI's
# pins (tools/sam.txt). Files git ignores (__pycache__, *.egg-info) never count. `make build` names its stamp
# after this hash, so it runs `sam build` again only when one of these changed; the built-artifact test checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
inputs=(template.yaml functions layers/permitclock tools/sam.txt)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -co --exclude-standard -- "${inputs[@]}"
else
  find "${inputs[@]}" -type f ! -path '*/__pycache__/*' ! -path '*.egg-info/*'
fi | LC_ALL=C sort | while IFS= read -r path; do
  if [ -f "$path" ]; then sha1sum "$path"; fi
done | sha1sum | cut -c1-16
