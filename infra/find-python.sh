#!/usr/bin/env bash
# Print the absolute path of a working python$1 (default 3.12, the Lambda runtime): python$1 on PATH when it
# runs (a pyenv shim for a version that is not enabled does not), else pyenv's newest $1.x. Exit 1 if none.
set -u
version=${1:-3.12}
candidates=("$(command -v "python$version" 2>/dev/null)")
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
while IFS= read -r dir; do
  candidates+=("$dir/bin/python$version")
done < <(ls -d "$pyenv_root/versions/$version".* 2>/dev/null | sort -rV)
for candidate in "${candidates[@]}"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  if path=$("$candidate" -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -n "$path" ]; then
    echo "$path"
    exit 0
  fi
done
echo "find-python: no working python$version (on PATH or under $pyenv_root/versions)" >&2
exit 1
