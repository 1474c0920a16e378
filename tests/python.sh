#!/bin/sh
# tests/python.sh: a results file read from Python as a user would, with
# Debian's python3-h5py and python3-yaml (tests/h5py_check.py): text as str,
# metrics as arrays, /spec through yaml.safe_load (issue 10, item 24).
# Skipped (77) only when no python3 on the PATH or in /usr/bin has h5py.
. "$top_srcdir/tests/setup.sh"
py=
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import h5py' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
  echo "SKIP: no python3 with h5py (Debian: apt-get install python3-h5py python3-yaml)"
  exit 77
fi
make_tiny "$tmp/tiny"
cat >"$tmp/py.yaml" <<EOT
name: py
seed: 3
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 8}
train: {epochs: 3, batch: 25, lr: 0.01, optimizer: adam}
output: {dir: $tmp/runs}
EOT
expect 0 "$NNRUN" -q "$tmp/py.yaml" -o "$tmp/py.h5"
"$NNRUN" --dry-run "$tmp/py.yaml" >"$tmp/resolved.yaml" 2>/dev/null
expect 0 "$py" "$top_srcdir/tests/h5py_check.py" "$tmp/py.h5" "$tmp/resolved.yaml" ||
  sed 's/^/  /' "$tmp/err" >&2
finish
