#!/bin/sh
# tests/messages.sh: what the programs say and how they leave files -- counted
# nouns, names with control bytes kept on one line, the mode and owner of a
# replaced file, long paths, read-only folders, and dry runs that report what
# the run would do (issue 10).  Runs on the tiny CSV data set made here.
. "$top_srcdir/tests/setup.sh"
NNCOMPARE=$top_builddir/src/nncompare
NNPLOT=$top_builddir/src/nnplot
NNSWEEP=$top_builddir/src/nnsweep
RESEDIT=$top_builddir/tests/resedit

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
# "1 BLAS thread" (it said "1 BLAS threads") (issue 10, item F)
expect 0 "$NNRUN" --force --threads 1 -o "$tmp/thr.h5" tiny.yaml train.epochs=1
expect_in "$tmp/out" ", 1 BLAS thread -> $tmp/thr.h5"
expect 0 "$NNRUN" --force --threads 2 -o "$tmp/thr.h5" tiny.yaml train.epochs=1
expect_in "$tmp/out" ", 2 BLAS threads -> $tmp/thr.h5"
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
plain "$tmp/out" 4 && expect_in "$tmp/out" " -> $shown.h5" &&
  expect_in "$tmp/out" "wrote $shown.h5"
expect 0 "$NNRUN" -o "$bad.h5" tiny.yaml train.epochs=2
plain "$tmp/out" 1 && expect_in "$tmp/out" "up to date: $shown.h5 holds"
expect 2 "$NNRUN" -o "$bad.h5" tiny.yaml && plain "$tmp/err" 1 &&
  expect_in "$tmp/err" "nnrun: $shown.h5 holds a complete run of another spec"
expect 2 "$NNRUN" -n -o "$bad.h5" tiny.yaml && plain "$tmp/err" 1
expect 0 "$NNRUN" -n -o "$bad.new" tiny.yaml && plain "$tmp/err" 1
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

# ---- a rewrite keeps the mode (and, for root, the owner) of the file it
# replaces: nnrun's epoch and final writes, --force, nneval's store of /test
mode() { stat -c %a "$1"; }
owner() { stat -c %U:%G "$1"; }
(umask 027 && "$NNRUN" -q -o m.h5 tiny.yaml) && [ "$(mode m.h5)" = 640 ] && pass ||
  fail "a new file under umask 027 is $(mode m.h5), not 640"
chmod 604 m.h5
expect 0 "$NNEVAL" m.h5 && [ "$(mode m.h5)" = 604 ] && pass || fail "nneval's store made 604 $(mode m.h5)"
"$H5DUMP" -d /test/accuracy m.h5 >/dev/null 2>&1 && pass || fail "nneval stored no /test"
expect 0 "$NNRUN" --force -o m.h5 tiny.yaml train.epochs=3 &&
  [ "$(mode m.h5)" = 604 ] && pass || fail "nnrun --force made 604 $(mode m.h5)"
expect 0 "$RESEDIT" m.h5 status=interrupted notest
[ "$(mode m.h5)" = 604 ] && pass || fail "resedit made 604 $(mode m.h5)"
expect 0 "$NNRUN" -o m.h5 tiny.yaml train.epochs=3 && expect_in "$tmp/out" "resuming m.h5 after epoch 3" &&
  [ "$(mode m.h5)" = 604 ] && pass || fail "a resumed run made 604 $(mode m.h5)"
# a read-only file is not rewritten: nneval evaluates it and says why it
# stores nothing (exit 0); nnrun resumes it only once it is writable, and
# --force replaces it, read-only still
"$NNEVAL" -q m.h5 && cp m.h5 ro.h5 && chmod 444 ro.h5 && cp ro.h5 ro.before
expect 0 "$NNEVAL" ro.h5 && expect_in "$tmp/out" "ro.h5: test loss" &&
  expect_err "nneval: ro.h5 is read-only (mode 0444): not storing /test (make it writable to store it, or pass --no-store)"
cmp -s ro.h5 ro.before && [ "$(mode ro.h5)" = 444 ] && pass || fail "nneval changed a read-only file"
expect 0 "$RESEDIT" ro.h5 status=interrupted notest && chmod 444 ro.h5 && cp ro.h5 ro.before
expect 2 "$NNRUN" -o ro.h5 tiny.yaml train.epochs=3 &&
  expect_err "nnrun: ro.h5 holds an unfinished run but is read-only (mode 0444); make it writable (chmod u+w) to resume it, or use --force to replace it"
cmp -s ro.h5 ro.before && pass || fail "nnrun rewrote a read-only file"
expect 0 "$NNRUN" --force -o ro.h5 tiny.yaml train.epochs=3 && [ "$(mode ro.h5)" = 444 ] &&
  [ "$(h5status ro.h5)" = complete ] && pass || fail "--force on a read-only file: $(mode ro.h5)"
# only the permission bits are kept: never setuid, setgid or sticky (they
# were copied: a 6755 file stayed 6755) (issue 10, item E)
cp m.h5 sid.h5 && chmod 7755 sid.h5
expect 0 "$NNEVAL" sid.h5 && [ "$(mode sid.h5)" = 755 ] && pass || fail "nneval's store of a 7755 file made $(mode sid.h5)"
chmod 6755 sid.h5
expect 0 "$NNRUN" --force -o sid.h5 tiny.yaml train.epochs=2 && [ "$(mode sid.h5)" = 755 ] && pass ||
  fail "nnrun --force on a 6755 file made $(mode sid.h5)"
# the owner and group stay when the writer may set them (root)
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
  cp m.h5 own.h5 && chown nobody:"$(id -gn nobody)" own.h5 && chmod 640 own.h5
  who=$(owner own.h5)
  expect 0 "$NNEVAL" own.h5 && [ "$(owner own.h5)" = "$who" ] && [ "$(mode own.h5)" = 640 ] &&
    pass || fail "nneval's store made $who 640 $(owner own.h5) $(mode own.h5)"
  expect 0 "$NNRUN" --force -o own.h5 tiny.yaml train.epochs=2 && [ "$(owner own.h5)" = "$who" ] &&
    pass || fail "nnrun --force made $who $(owner own.h5)"
  chmod 6755 own.h5
  expect 0 "$NNRUN" --force -o own.h5 tiny.yaml train.epochs=3 && [ "$(owner own.h5)" = "$who" ] &&
    [ "$(mode own.h5)" = 755 ] && pass || fail "nnrun --force on $who 6755 made $(owner own.h5) $(mode own.h5)"
  chmod 6755 own.h5
  expect 0 "$NNEVAL" own.h5 && [ "$(owner own.h5)" = "$who" ] && [ "$(mode own.h5)" = 755 ] &&
    pass || fail "nneval's store on $who 6755 made $(owner own.h5) $(mode own.h5)"
else
  echo "not root: the owner checks are skipped" >&2
fi

# ---- a folder that cannot be written: the real problem, never "cannot remove
# stale X.tmp~HOST~PID" about a temporary file that does not exist
if [ "$(id -u)" -eq 0 ] && mkdir rofs && mount -t tmpfs -o size=8m tmpfs rofs 2>/dev/null; then
  trap 'umount "$tmp/rofs" 2>/dev/null || :; umount "$tmp/robind" 2>/dev/null || :; pkill -P $$ 2>/dev/null || :; rm -rf "$tmp"' EXIT
  cp one.h5 rofs/one.h5
  mount -o remount,ro rofs
  expect 1 "$NNRUN" -o rofs/x.h5 tiny.yaml &&
    expect_err "nnrun: cannot write rofs/x.h5: the folder rofs is not writable (Read-only file system)"
  expect 1 "$NNEVAL" rofs/one.h5 &&
    expect_err "nneval: cannot write rofs/one.h5: the folder rofs is not writable (Read-only file system)"
  # a file system that turns read-only under a running run (ext4's
  # errors=remount-ro): here the run's folder, reached through a link,
  # becomes a read-only bind mount of itself between two epochs
  mkdir rw robind && mount --bind rw robind && mount -o remount,bind,ro robind
  ln -s rw via
  "$NNRUN" -o via/x.h5 tiny.yaml train.epochs=1000000 >/dev/null 2>"$tmp/ro.err" &
  pid=$!
  i=0
  while [ ! -e rw/x.h5 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  kill -STOP $pid
  ln -sfn robind via
  kill -CONT $pid
  set +e
  wait $pid
  code=$?
  set -e
  [ $code -eq 1 ] && pass || fail "nnrun on a folder turned read-only: exit $code"
  grep -q "stale" "$tmp/ro.err" && fail "nnrun blamed a stale file: $(cat "$tmp/ro.err")" || pass
  expect_in "$tmp/ro.err" "nnrun: cannot write via/x.h5: the folder via is not writable (Read-only file system)"
  umount robind
  umount rofs
else
  echo "not root, or no tmpfs: the read-only file system checks are skipped" >&2
fi
# a folder without write permission, its lock file left writable (as a
# crashed writer leaves it): run as nobody
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
  mkdir noperm && cp one.h5 noperm/one.h5 && touch noperm/one.h5.lock noperm/x.h5.lock
  chmod 666 noperm/one.h5 noperm/one.h5.lock noperm/x.h5.lock && chmod 555 noperm
  chmod 755 "$tmp"
  nobody() { setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups "$@"; }
  expect 1 nobody "$NNEVAL" noperm/one.h5 &&
    expect_err "nneval: cannot write noperm/one.h5: the folder noperm is not writable (Permission denied)"
  expect 1 nobody "$NNRUN" -o noperm/x.h5 tiny.yaml &&
    expect_err "nnrun: cannot write noperm/x.h5: the folder noperm is not writable (Permission denied)"
  rm -f noperm/one.h5.lock
  expect 1 nobody "$NNEVAL" noperm/one.h5 &&
    expect_err "nneval: cannot write noperm/one.h5: the folder noperm is not writable (Permission denied)"
  chmod 755 noperm
fi

# ---- long paths: -o and data.dir up to PATH_MAX work; longer ones get exit 2
# and a whole message (they gave exit 1 and a message cut before its reason)
# deep N: a relative folder path of about N bytes, made
deep() {
  p=long
  while [ ${#p} -lt $(($1 - 100)) ]; do p=$p/ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd; done
  p=$p/$(printf '%*s' $(($1 - ${#p} - 1)) '' | tr ' ' e)
  mkdir -p "$p"
  echo "$p"
}
for n in 1000 2000 4000; do
  d=$(deep $n)
  cp tiny/* "$d/"
  [ ${#d} -eq "$n" ] && pass || fail "deep $n made ${#d} bytes"
  expect 0 "$NNRUN" -q -o "$d/r.h5" tiny.yaml data.dir="$d" && [ -f "$d/r.h5" ] && pass ||
    fail "nnrun on a path of $n bytes"
  expect 0 "$NNEVAL" -q "$d/r.h5" && "$H5DUMP" -d /test/n "$d/r.h5" >/dev/null 2>&1 && pass ||
    fail "nneval on a path of $n bytes"
  expect 0 "$NNCOMPARE" "$d/r.h5" && expect_in "$tmp/out" "complete"
  expect 0 "$NNRUN" -o "$d/r.h5" tiny.yaml data.dir="$d" && expect_in "$tmp/out" "up to date"
done
d=$(deep 4090)
expect 2 "$NNRUN" -o "$d/r.h5" tiny.yaml && plain "$tmp/err" 1 &&
  expect_re "$tmp/err" "^nnrun: long/d+/d+/.*\.\.\.: a path of 4095 bytes is too long for a results file: with its temporary file's suffix \([0-9]+ bytes more\) it must fit in 4096 bytes \(PATH_MAX, the end included\)$"
big=$(printf '%5000s' '' | tr ' ' x)
expect 2 "$NNRUN" -o "$big" tiny.yaml && plain "$tmp/err" 1 && expect_in "$tmp/err" "a path of 5000 bytes is too long"
expect 2 "$NNRUN" -n tiny.yaml data.dir="$big" && plain "$tmp/err" 1 &&
  expect_re "$tmp/err" "^nnrun: command line 'data.dir=x+(\\.\\.\\.)?': data.dir: expected a path of at most 4095 bytes, got 5000 bytes$"
# data.dir: the limit for the data file's name, which the message names (it
# said "at most 4032 bytes" and took 4060) (issue 10, item G)
d=$(deep 4078) && cp tiny/* "$d/"
expect 0 "$NNRUN" -n tiny.yaml data.dir="$d" && expect_in "$tmp/err" "spec and data files are valid"
d=$(deep 4079)
expect 2 "$NNRUN" -n tiny.yaml data.dir="$d" && plain "$tmp/err" 1 &&
  expect_re "$tmp/err" "^nnrun: long/d+/.*\.\.\.: a data folder of 4079 bytes is too long for its file images_train\.csv: the file's path must fit in 4096 bytes \(PATH_MAX, the end included\): at most 4078 bytes$"
expect 2 "$NNRUN" -n tiny.yaml data.format=idx data.dir="$d" && plain "$tmp/err" 1 &&
  expect_in "$tmp/err" ": a data folder of 4079 bytes is too long for its file train-images-idx3-ubyte: the file's path must fit in 4096 bytes (PATH_MAX, the end included): at most 4071 bytes"

# ---- file names: the results file's name with ".tmp~HOST~PID" (room for a
# 7-digit pid) and ".lock" must fit in NAME_MAX (255): exit 2 up front, in the
# dry run too (a 243-byte name passed the dry run, then the run failed with
# exit 1 "File name too long"; nneval could not take its lock) (issue 10, item B)
names_max=$((255 - 13 - $(uname -n | cut -c1-63 | wc -c) + 1))
name_of() { printf '%*s' $(($1 - 3)) '' | tr ' ' a; printf '.h5'; }
expect 0 "$NNRUN" -q -o "$(name_of $names_max)" tiny.yaml train.epochs=1 &&
  [ -f "$(name_of $names_max)" ] && pass || fail "nnrun on a name of $names_max bytes"
expect 0 "$NNEVAL" -q "$(name_of $names_max)"
for n in $((names_max + 1)) 243 253; do
  expect 2 "$NNRUN" -n -o "$(name_of $n)" tiny.yaml && plain "$tmp/err" 1 &&
    expect_in "$tmp/err" "a file name of $n bytes is too long for a results file" &&
    expect_in "$tmp/err" "must fit in 255 bytes (NAME_MAX): at most $names_max bytes"
  expect 2 "$NNRUN" -q -o "$(name_of $n)" tiny.yaml && plain "$tmp/err" 1 &&
    expect_in "$tmp/err" "(NAME_MAX): at most $names_max bytes"
  [ ! -e "$(name_of $n)" ] && pass || fail "nnrun wrote a file of a name of $n bytes"
done
# nneval: a name that cannot have a lock can be read, not stored into
cp one.h5 "$(name_of 251)"
expect 2 "$NNEVAL" "$(name_of 251)" && plain "$tmp/err" 1 &&
  expect_in "$tmp/err" "(NAME_MAX): at most $names_max bytes; evaluate it with --no-store"
expect 0 "$NNEVAL" --no-store "$(name_of 251)" && expect_in "$tmp/out" "test loss"

# ---- --dry-run reports what the run would do, refusals included: the same
# exit status and message as the run itself (it said "would write" and exit 0)
# dry_as_run CODE ARGS: nnrun -n ARGS and nnrun ARGS both exit CODE with the
# same one-line message
dry_as_run() {
  code=$1; shift
  expect "$code" "$NNRUN" -n "$@" && cp "$tmp/err" "$tmp/dry.err" && [ ! -s "$tmp/out" ] && pass ||
    fail "a refused dry run printed the spec"
  expect "$code" "$NNRUN" "$@" && plain "$tmp/err" 1 &&
    { cmp -s "$tmp/err" "$tmp/dry.err" && pass || fail "dry run: $(cat "$tmp/dry.err"); run: $(cat "$tmp/err")"; }
}
mkfifo dry-fifo.h5
dry_as_run 2 -o dry-fifo.h5 tiny.yaml
echo notes >dry-notes.h5
dry_as_run 2 -o dry-notes.h5 tiny.yaml
dry_as_run 2 tiny.yaml output.dir=dry-notes.h5/sub
dry_as_run 2 -o no-such-folder/x.h5 tiny.yaml
dry_as_run 2 -o one.h5 tiny.yaml train.epochs=5
expect 0 "$NNRUN" -n -o one.h5 tiny.yaml train.epochs=1 && expect_in "$tmp/out" "epochs: 1" &&
  expect_err "nnrun: dry run: one.h5 is up to date: it holds a complete run of this spec; --force trains again"
expect 0 "$NNRUN" -n --force -o one.h5 tiny.yaml train.epochs=1 &&
  expect_err "nnrun: dry run: spec and data files are valid; would replace one.h5"
expect 0 "$NNRUN" -n -o dry-new.h5 tiny.yaml &&
  expect_err "nnrun: dry run: spec and data files are valid; would write dry-new.h5"
[ ! -e dry-new.h5 ] && pass || fail "a dry run wrote dry-new.h5"
# a running run holds the lock; once interrupted, it would resume
"$NNRUN" -o dry-busy.h5 tiny.yaml train.epochs=1000000 >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -e dry-busy.h5 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
dry_as_run 2 -o dry-busy.h5 tiny.yaml train.epochs=1000000
expect_in "$tmp/err" "dry-busy.h5 is being written by nnrun (pid $pid on "
kill -INT $pid
wait $pid || :
expect 0 "$NNRUN" -n -o dry-busy.h5 tiny.yaml train.epochs=1000000 &&
  expect_re "$tmp/err" "^nnrun: dry run: spec and data files are valid; would resume dry-busy.h5 after epoch [0-9]+ of 1000000$"
# a folder that cannot be written or created (as nobody: root writes anywhere)
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
  mkdir -p shut && chmod 555 shut && chmod 755 "$tmp"
  nobody() { setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups "$@"; }
  # the data first: nobody reads the tiny set
  chmod -R a+rX tiny tiny.yaml
  expect 1 nobody "$NNRUN" -n -o shut/x.h5 tiny.yaml && cp "$tmp/err" "$tmp/dry.err"
  expect 1 nobody "$NNRUN" -o shut/x.h5 tiny.yaml && cmp -s "$tmp/err" "$tmp/dry.err" && pass ||
    fail "dry run: $(cat "$tmp/dry.err"); run: $(cat "$tmp/err")"
  expect_err "nnrun: cannot write shut/x.h5: the folder shut is not writable (Permission denied)"
  expect 1 nobody "$NNRUN" -n tiny.yaml output.dir=shut/a/b && cp "$tmp/err" "$tmp/dry.err"
  expect 1 nobody "$NNRUN" tiny.yaml output.dir=shut/a/b && cmp -s "$tmp/err" "$tmp/dry.err" && pass ||
    fail "dry run: $(cat "$tmp/dry.err"); run: $(cat "$tmp/err")"
  expect_err "nnrun: output.dir: cannot create shut/a: Permission denied"
  chmod 755 shut
fi

# ---- the README's example of a spec error is a real message, verbatim (it
# named configs/typo.yaml, which does not exist, at the key's column)
spec=$(sed -n 's/^\$ src\/nnrun \([^ ]*\.yaml\)$/\1/p' "$top_srcdir/README.md" | head -1)
shown_msg=$(grep -A1 -F -x "\$ src/nnrun $spec" "$top_srcdir/README.md" | sed -n 2p)
(cd "$top_srcdir" && "$NNRUN" --dry-run "$spec" >"$tmp/out" 2>"$tmp/err") && code=0 || code=$?
[ "$code" -eq 2 ] && pass || fail "the README's example $spec: exit $code"
expect_err "$shown_msg"
# --help says what --force replaces, and that it replaces nothing else
expect 0 "$NNRUN" --help && expect_in "$tmp/out" "whatever run it holds (complete, diverged," &&
  expect_in "$tmp/out" "never any other file (a link, FIFO, device or foreign file)"

finish
