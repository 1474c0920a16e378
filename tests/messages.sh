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

# ---- gnuplot's output relayed as text only: a gnuplot that cannot open its
# output writes the PNG to its standard output, which nnplot must never pass
# on (it printed the PNG's bytes as message lines); control bytes escaped
mkdir "$tmp/pngbin"
cat >"$tmp/pngbin/gnuplot" <<'EOT'
#!/bin/sh
PATH=/usr/bin:/bin
cat >/dev/null
echo 'cannot open file; output not changed'
printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\003 \377\330\n\033[2Jcleared\n'
exit 1
EOT
chmod +x "$tmp/pngbin/gnuplot"
expect 1 env PATH="$tmp/pngbin" "$NNPLOT" -o "$tmp/pngplots" one.h5
cat >"$tmp/want" <<'EOT'
nnplot: gnuplot: cannot open file; output not changed
nnplot: gnuplot: \x1b[2Jcleared
nnplot: gnuplot: 23 bytes of binary output left out (a plot written to its standard output?)
nnplot: gnuplot failed (exit status 1); its messages are above
EOT
diff "$tmp/want" "$tmp/err" >&2 && pass || fail "nnplot relayed gnuplot's binary output"

# ---- a file name with ESC [2J, a newline, a tab and invalid UTF-8 reaches no
# terminal raw: every program's lines show it escaped, each line one line
bad=$(printf 'n\033[2Jm\nx\ty\377')
# plain: no control byte but newlines, and N lines
plain() {
  if LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$1" || [ "$(wc -l <"$1")" -ne "$2" ]; then
    fail "$(basename "$1") is not $2 plain lines"
    od -c "$1" | head -8 | sed 's/^/  /' >&2
    return 1
  fi
  pass
}
shown='n\x1b[2Jm\nx\ty\xff'
expect 0 "$NNRUN" -o "$bad.h5" tiny.yaml train.epochs=2
plain "$tmp/out" 4 && expect_in "$tmp/out" "BLAS threads -> $shown.h5" &&
  expect_in "$tmp/out" "wrote $shown.h5"
expect 0 "$NNRUN" -o "$bad.h5" tiny.yaml train.epochs=2
plain "$tmp/out" 1 && expect_in "$tmp/out" "up to date: $shown.h5 holds"
expect 2 "$NNRUN" -o "$bad.h5" tiny.yaml && plain "$tmp/err" 1 &&
  expect_in "$tmp/err" "nnrun: $shown.h5 holds a complete run of another spec"
expect 0 "$NNRUN" -n -o "$bad.h5" tiny.yaml && plain "$tmp/err" 1
expect 2 "$NNRUN" "$bad.yaml" && plain "$tmp/err" 1 && expect_in "$tmp/err" "nnrun: $shown.yaml"
expect 2 "$NNRUN" "--$bad" tiny.yaml && expect_err "nnrun: unknown option '--$shown'; see nnrun --help"
expect 0 "$NNEVAL" --no-store "$bad.h5" && expect_in "$tmp/out" "$shown.h5: test loss" &&
  plain "$tmp/err" 0 && [ "$(grep -cF -- "$shown" "$tmp/out")" -eq 1 ] && pass || fail "nneval's result line"
LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$tmp/out" && fail "nneval printed a raw control byte" || pass
expect 2 "$NNEVAL" "$bad.missing" && plain "$tmp/err" 1
cp "$bad.h5" twin.h5   # twins: the table names them by file
expect 0 "$NNCOMPARE" "$bad.h5" twin.h5 && plain "$tmp/out" 4 && expect_in "$tmp/out" "$shown.h5  "
expect 0 "$NNCOMPARE" --format csv "$bad.h5" && plain "$tmp/out" 2
expect 2 "$NNCOMPARE" "$bad.missing" && plain "$tmp/err" 1
expect 2 "$NNPLOT" "$bad.missing" && plain "$tmp/err" 1
expect 2 "$NNSWEEP" --list "$bad.yaml" && plain "$tmp/err" 1 && expect_in "$tmp/err" "$shown.yaml"

finish
