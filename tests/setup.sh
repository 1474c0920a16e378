# tests/setup.sh: sourced by the shell test drivers.  Finds the programs and
# gives a scratch folder and a few assertion helpers; every failure is loud.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
NNRUN=$top_builddir/src/nnrun
NNEVAL=$top_builddir/src/nneval
H5DUMP=${H5DUMP:-h5dump}
H5DIFF=${H5DIFF:-h5diff}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnrun-test.XXXXXX")
# a test that fails early must not leave its background runs behind
trap 'pkill -P $$ 2>/dev/null || :; rm -rf "$tmp"' EXIT
failures=0
checks=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { checks=$((checks + 1)); }

# expect CODE CMD...: runs CMD, captures stdout/stderr in $tmp/out, $tmp/err.
# It leaves set -e as it found it (a driver may `set +e` to run every check).
expect() {
  want=$1; shift
  case $- in *e*) errexit=1 ;; *) errexit=0 ;; esac
  set +e
  "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  [ "$errexit" -eq 0 ] || set -e
  if [ "$got" -ne "$want" ]; then
    fail "exit $got (expected $want): $*"
    sed 's/^/  stderr: /' "$tmp/err" | head -5 >&2
    return 1
  fi
  pass
}

# expect_err TEXT: the captured stderr is exactly one line equal to TEXT.
expect_err() {
  if [ "$(cat "$tmp/err")" != "$1" ] || [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
    fail "stderr differs"
    echo "  expected: $1" >&2
    sed 's/^/  got:      /' "$tmp/err" >&2
    return 1
  fi
  pass
}

# expect_in FILE TEXT: FILE contains TEXT.
expect_in() {
  if ! grep -qF -- "$2" "$1"; then
    fail "$(basename "$1") lacks '$2'"
    head -5 "$1" | sed 's/^/  got: /' >&2
    return 1
  fi
  pass
}

# expect_re FILE REGEX: a line of FILE matches the extended REGEX.
expect_re() {
  if ! grep -qE -- "$2" "$1"; then
    fail "$(basename "$1") has no line matching '$2'"
    return 1
  fi
  pass
}

# h5value FILE DATASET: the value(s) of a dataset as h5dump prints them.
h5value() {
  "$H5DUMP" -d "$2" -y -w 0 "$1" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n'
}

# The mnist folder: the build's or the source's data/mnist, or $MNIST_DIR.
find_mnist() {
  for d in "${MNIST_DIR:-}" "$top_builddir/data/mnist" "$top_srcdir/data/mnist"; do
    if [ -n "$d" ] && [ -f "$d/train-images-idx3-ubyte" -o -f "$d/train-images-idx3-ubyte.gz" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

finish() {
  echo "$checks checks, $failures failed"
  [ "$failures" -eq 0 ]
}

# make_csv N SEED DIR SUFFIX: N images of 16 pixels in 10 classes, in CS229
# CSV files DIR/images_SUFFIX.csv and DIR/labels_SUFFIX.csv.  The class's two
# pixels are bright; the rest is deterministic noise.
make_csv() {
  awk -v n="$1" -v seed="$2" -v imgs="$3/images_$4.csv" -v labs="$3/labels_$4.csv" 'BEGIN {
    for (i = 0; i < n; i++) {
      c = (i * 7 + seed) % 10; line = ""
      for (j = 0; j < 16; j++) {
        v = ((j == c || j == c + 6) ? 200 : 0) + (i * 31 + j * 13 + seed) % 40
        line = line (j ? "," : "") v
      }
      print line > imgs; print c > labs
    }
  }'
}

# make_tiny DIR: the tiny CSV data set in DIR -- 200 training and 50 test
# images -- that trains in milliseconds.
make_tiny() {
  mkdir -p "$1"
  make_csv 200 1 "$1" train
  make_csv 50 3 "$1" test
}

# tiny_base FILE: a spec of the tiny data in $tmp/tiny (make_tiny first),
# named tiny, writing to $tmp/runs: the base spec of the sweep tests.
tiny_base() {
  cat >"$1" <<EOT
name: tiny
seed: 3
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 8}
train: {epochs: 4, batch: 25, lr: 2.0, lambda: 0.001}
output: {dir: $tmp/runs}
EOT
}

# sweep NAME OUTDIR SET GRID: the sweep file $tmp/NAME.yaml over
# $tmp/base.yaml, with SET as its set: (flow YAML) and GRID its grid: lines.
sweep() {
  printf 'spec: base.yaml\nset: %s\ngrid:\n%s\noutput: {dir: %s}\n' "$3" "$4" "$2" >"$tmp/$1.yaml"
}

# same_run A B: A and B hold the same run -- /model, /metrics but the
# timings, /test, the split -- by h5diff.
same_run() {
  for obj in /model /metrics/epoch /metrics/train_loss /metrics/train_accuracy \
    /metrics/dev_loss /metrics/dev_accuracy /metrics/objective /test /data/train_index \
    /data/dev_index; do
    if ! "$H5DIFF" "$1" "$2" "$obj" >"$tmp/h5diff.out" 2>&1; then
      head -5 "$tmp/h5diff.out" >&2
      fail "$obj differs between $(basename "$1") and $(basename "$2")"
      return 1
    fi
  done
  pass
}

# h5status FILE: the status attribute of a results file.
h5status() {
  "$H5DUMP" -a /status "$1" 2>/dev/null | sed -n 's/.*(0): "\(.*\)".*/\1/p'
}
