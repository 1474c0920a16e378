#!/bin/sh
# tests/messages.sh: what the programs say and how they leave files -- counted
# nouns, names with control bytes kept on one line, the mode and owner of a
# replaced file, long paths, read-only folders, and dry runs that report what
# the run would do (issue 10).  Runs on the tiny CSV data set made here.
. "$top_srcdir/tests/setup.sh"
NNCOMPARE=$top_builddir/src/nncompare
NNPLOT=$top_builddir/src/nnplot
NNSWEEP=$top_builddir/src/nnsweep

make_tiny "$tmp/tiny"
tiny_base "$tmp/tiny.yaml"
cd "$tmp"

# one_line FILE: FILE holds exactly one line, and no ESC or other control
# byte but the newline (a name's bytes never reach the terminal raw).
one_line() {
  if [ "$(wc -l <"$1")" -ne 1 ] || LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$1"; then
    fail "$(basename "$1") is not one plain line"
    od -c "$1" | head -8 | sed 's/^/  /' >&2
    return 1
  fi
  pass
}

# ---- counted nouns: "1 epoch", "1 point" (they said "1 epochs", "1 points")
expect 0 "$NNRUN" -o "$tmp/one.h5" tiny.yaml train.epochs=1
expect_in "$tmp/out" ", 1 epoch, batch 25,"
printf 'spec: tiny.yaml\ngrid:\n  seed: [5]\noutput: {dir: %s}\n' "$tmp/sw1" >one.yaml
expect 0 "$NNSWEEP" --list one.yaml && expect_in "$tmp/out" "1 point:"

finish
