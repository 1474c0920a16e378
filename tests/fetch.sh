#!/bin/sh
# fetch.sh: offline checks of scripts/fetch-mnist -- wrong files are refused
# and never left behind, gzipped copies in MNIST_DIR are accepted, and total
# failure says what to do.  No network, no npm.  Exit 0 pass, 1 fail, 77 skip.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
fetch="$top_srcdir/scripts/fetch-mnist"
NNRUN_MNIST_MIRRORS=
NNRUN_MNIST_NPM=0
export NNRUN_MNIST_MIRRORS NNRUN_MNIST_NPM
unset MNIST_DIR || true

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fetch-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

names="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

# expect_exit CODE OUT -- CMD...: runs CMD with output to OUT and checks its exit code.
expect_exit() {
  want=$1 out=$2
  shift 3
  rc=0
  "$@" >"$out" 2>&1 || rc=$?
  if [ "$rc" != "$want" ]; then
    fail "expected exit $want, got $rc from: $*"
    sed 's/^/  | /' "$out" >&2
    return 1
  fi
  return 0
}

# (a) MNIST_DIR with files of the wrong content: refused, nothing left in DIR.
mkdir "$tmp/wrong"
for n in $names; do echo "not mnist" >"$tmp/wrong/$n"; done
if expect_exit 1 "$tmp/a.out" -- env MNIST_DIR="$tmp/wrong" "$fetch" "$tmp/a"; then
  if grep -q "MD5" "$tmp/a.out"; then pass "(a) wrong content names the MD5 mismatch"
  else fail "(a) message does not mention MD5"; sed 's/^/  | /' "$tmp/a.out" >&2; fi
  left=$(ls -A "$tmp/a")
  if [ -z "$left" ]; then pass "(a) no partial files left"
  else fail "(a) files left in DIR: $left"; fi
fi

# (b) gzipped copies of the real files in MNIST_DIR, when real files exist.
real=
for d in "$top_builddir/data/mnist" "$top_srcdir/data/mnist"; do
  ok=1
  for n in $names; do [ -f "$d/$n" ] || ok=0; done
  if [ "$ok" = 1 ]; then real=$d; break; fi
done
if [ -n "$real" ]; then
  mkdir "$tmp/gz"
  for n in $names; do gzip -c "$real/$n" >"$tmp/gz/$n.gz"; done
  if expect_exit 0 "$tmp/b.out" -- env MNIST_DIR="$tmp/gz" "$fetch" "$tmp/b"; then
    good=1
    for n in $names; do cmp -s "$real/$n" "$tmp/b/$n" || good=0; done
    if [ "$good" = 1 ]; then pass "(b) gzipped MNIST_DIR gives the raw files"
    else fail "(b) files differ from $real"; fi
    count=$(find "$tmp/b" -mindepth 1 | wc -l)
    if [ "$count" -eq 4 ]; then pass "(b) only the four files in DIR"
    else fail "(b) $count entries in DIR, expected 4: $(ls -A "$tmp/b")"; fi
    # A second run finds them in place.
    if expect_exit 0 "$tmp/b2.out" -- "$fetch" "$tmp/b" && grep -q "already holds" "$tmp/b2.out"
    then pass "(b) second run: already there"
    else fail "(b) second run did not report the files as present"; fi
  fi
else
  echo "skip: (b) no real MNIST files in $top_builddir/data/mnist (run make data)"
fi

# (c) nothing to fetch from: exit 1 and say what to do.
if expect_exit 1 "$tmp/c.out" -- "$fetch" "$tmp/c"; then
  if grep -q "MNIST_DIR" "$tmp/c.out" && grep -q "install npm" "$tmp/c.out" \
     && grep -q "network" "$tmp/c.out"; then pass "(c) total failure says what to do"
  else fail "(c) message lacks the advice"; sed 's/^/  | /' "$tmp/c.out" >&2; fi
fi

# Usage errors.
expect_exit 2 "$tmp/d.out" -- "$fetch" a b && pass "two arguments: exit 2"

[ "$fails" = 0 ] || exit 1
exit 0
