#!/bin/sh
# tests/badinput.sh: bad input everywhere -- the corrupt data files of
# tests/corpus/data.txt against nnrun and nneval, and the bad results files of
# tests/corpus/results.txt against nneval, nncompare, nnplot and nnrun -o.
# Every case: exit 2, one line on stderr that names the file and the place,
# no crash, nothing written.  (Bad specs and overrides: tests/cli.sh.)
. "$top_srcdir/tests/setup.sh"
NNCOMPARE=$top_builddir/src/nncompare
NNPLOT=$top_builddir/src/nnplot
H5EDIT=$top_builddir/tests/h5edit
tab=$(printf '\t')

# ---- helpers the recipes use
bytes() { for b in "$@"; do printf "\\$(printf '%03o' "$b")"; done; }
be32() { bytes $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
# poke FILE OFFSET BYTE...: overwrites bytes in place.
poke() {
  _f=$1 _o=$2
  shift 2
  bytes "$@" | dd of="$_f" bs=1 seek="$_o" conv=notrunc 2>/dev/null
}
# poke_from_end FILE N BYTE...: the same, N bytes before the end.
poke_from_end() {
  _f=$1 _n=$2
  shift 2
  poke "$_f" $(($(wc -c <"$_f") - _n)) "$@"
}
cut_to() { truncate -s "$2" "$1"; }
# make_idx_images FILE N ROWS COLS and make_idx_labels FILE N: the tiny set as IDX.
make_idx_images() {
  { be32 2051; be32 "$2"; be32 "$3"; be32 "$4"
    printf "$(awk -v n="$2" -v d=$(($3 * $4)) 'BEGIN {
      for (i = 0; i < n; i++) for (j = 0; j < d; j++) {
        c = (i * 7 + 1) % 10
        printf "\\%03o", ((j == c || j == c + 6) ? 200 : 0) + (i * 31 + j * 13 + 1) % 40
      } }')"
  } >"$1"
}
make_idx_labels() {
  { be32 2049; be32 "$2"
    printf "$(awk -v n="$2" -v s="$3" 'BEGIN { for (i = 0; i < n; i++) printf "\\%03o", (i * 7 + s) % 10 }')"
  } >"$1"
}
# one_line_naming PROG FILE: stderr is one line "PROG: ..." that names FILE.
one_line_naming() {
  case $(cat "$tmp/err") in
    "$1: "*"$2"*) [ "$(wc -l <"$tmp/err")" -eq 1 ] && pass && return 0 ;;
  esac
  fail "$1 did not name $2 in one line"
  sed 's/^/  got: /' "$tmp/err" >&2
  return 1
}
# no_new_files DIR BEFORE: DIR lists the same names as the file BEFORE.
no_new_files() {
  ls -A "$1" >"$tmp/after"
  cmp -s "$2" "$tmp/after" && pass || { fail "new files in $1: $(comm -13 "$2" "$tmp/after" | tr '\n' ' ')"; return 1; }
}

# ---- the good data sets and a model trained on each
mkdir -p "$tmp/good-idx"
make_tiny "$tmp/good-csv"
make_idx_images "$tmp/good-idx/train-images-idx3-ubyte" 200 4 4
make_idx_labels "$tmp/good-idx/train-labels-idx1-ubyte" 200 1
make_idx_images "$tmp/good-idx/t10k-images-idx3-ubyte" 50 4 4
make_idx_labels "$tmp/good-idx/t10k-labels-idx1-ubyte" 50 3
cat >"$tmp/tiny.yaml" <<EOT
name: tiny
seed: 3
data: {dir: $tmp/good-csv, format: csv, dev_size: 50}
model: {hidden: 8}
train: {epochs: 4, batch: 25, lr: 2.0, lambda: 0.001}
output: {dir: $tmp/runs}
EOT
for fmt in csv idx; do
  expect 0 "$NNRUN" -q "$tmp/tiny.yaml" data.dir="$tmp/good-$fmt" data.format=$fmt -o "$tmp/good-$fmt.h5" ||
    { finish; exit 1; }
done

# ---- corrupt data files
while IFS="$tab" read -r name fmt file recipe msg evalmsg; do
  case $name in '#'* | '') continue ;; esac
  d=$tmp/data-$name
  cp -r "$tmp/good-$fmt" "$d"
  f=$d/$file
  (eval "$recipe") || { fail "$name: the recipe failed"; continue; }
  [ "$evalmsg" = "=" ] && evalmsg=$msg
  msg=$(printf '%s' "$msg" | sed "s|@D@|$d|g")
  if [ "$msg" = - ]; then # data nnrun may train on: a model of its own classes
    expect 0 "$NNRUN" -q "$tmp/tiny.yaml" data.dir="$d" data.format=$fmt output.dir="$tmp/out-$name" ||
      echo "  in data case $name" >&2
  else
    expect 2 "$NNRUN" "$tmp/tiny.yaml" data.dir="$d" data.format=$fmt output.dir="$tmp/out-$name" &&
      expect_err "nnrun: $msg" || echo "  in data case $name" >&2
    [ ! -e "$tmp/out-$name" ] && pass || fail "$name: nnrun created its output folder"
  fi
  case $file in *test* | t10k*) split=test ;; *) split=dev ;; esac
  r=$tmp/eval-$name.h5
  cp "$tmp/good-$fmt.h5" "$r"
  evalmsg=$(printf '%s' "$evalmsg" | sed "s|@D@|$d|g; s|@F@|$r|g")
  if [ "$evalmsg" = - ]; then
    expect 0 "$NNEVAL" --no-store --split $split --data "$d" "$r" ||
      echo "  in data case $name (nneval --split $split)" >&2
  else
    expect 2 "$NNEVAL" --split $split --data "$d" "$r" && expect_err "nneval: $evalmsg" ||
      echo "  in data case $name (nneval --split $split)" >&2
  fi
  cmp -s "$r" "$tmp/good-$fmt.h5" && pass || fail "$name: nneval changed $r"
  data_cases=$((${data_cases:-0} + 1))
done <"$top_srcdir/tests/corpus/data.txt"

# ---- bad results files
# nncompare and nnplot may still be placeholders: their cases are skipped, with a note.
others=
for prog in "$NNCOMPARE" "$NNPLOT"; do
  if "$prog" --help >/dev/null 2>&1; then
    others="$others $prog"
  else
    echo "NOTE: $(basename "$prog") is not written yet (--help fails): its bad-results cases are skipped"
  fi
done
good=$tmp/good-csv.h5
testcrc=$(printf '%08x' "$("$H5DUMP" -a /data/test_images_crc32 "$good" | sed -n 's/.*(0): *//p')")
mkdir -p "$tmp/rc"
while IFS="$tab" read -r name progs recipe msg; do
  case $name in '#'* | '') continue ;; esac
  f=$tmp/rc/$name.h5
  cp "$good" "$f"
  (eval "$recipe") || { fail "$name: the recipe failed"; continue; }
  rm -rf "$tmp/saved"
  if [ -e "$f" ]; then cp -r "$f" "$tmp/saved"; fi
  ls -A "$tmp/rc" >"$tmp/before"
  size=$([ -f "$f" ] && wc -c <"$f" || echo 0)
  msg=$(printf '%s' "$msg" | sed "s|@F@|$f|g; s|@D@|$tmp/good-csv|g; s|@TESTCRC@|$testcrc|g; s|@SIZE@|$size|g")
  # nneval: the exact message; the file untouched
  expect 2 "$NNEVAL" "$f" || echo "  in results case $name" >&2
  case $msg in
    "*") one_line_naming nneval "$f" ;;
    "$f"*) expect_err "nneval: $msg" ;;
    *) expect_err "nneval: $f: $msg" ;;
  esac ||
    echo "  in results case $name" >&2
  if [ -e "$f" ]; then diff -r "$f" "$tmp/saved" >/dev/null && pass || fail "$name: nneval changed $f"; fi
  no_new_files "$tmp/rc" "$tmp/before" || echo "  in results case $name (nneval)" >&2
  [ "$progs" = all ] || [ "$progs" = weights ] || { results_cases=$((${results_cases:-0} + 1)); continue; }
  # nncompare and nnplot: exit 2, one line naming the file, nothing written
  for prog in $others; do
    p=$(basename "$prog")
    rm -rf "$tmp/plots"
    mkdir "$tmp/plots"
    if [ "$p" = nnplot ]; then set -- -o "$tmp/plots" "$f"; else set -- "$f"; fi
    if [ "$progs" = weights ]; then
      # the damage is where they never read: the file is summarized
      expect 0 "$prog" "$@" || echo "  in results case $name ($p)" >&2
    else
      expect 2 "$prog" "$@" && one_line_naming "$p" "$f" || echo "  in results case $name ($p)" >&2
      [ -z "$(ls -A "$tmp/plots")" ] && pass || fail "$name: $p wrote $(ls "$tmp/plots")"
    fi
    no_new_files "$tmp/rc" "$tmp/before" || echo "  in results case $name ($p)" >&2
  done
  # nnrun -o: refused (a foreign or complete file), untouched, no temporary left
  if [ -e "$f" ]; then
    expect 2 "$NNRUN" -q "$tmp/tiny.yaml" -o "$f" && one_line_naming nnrun "$f" ||
      echo "  in results case $name (nnrun -o)" >&2
    diff -r "$f" "$tmp/saved" >/dev/null && pass || fail "$name: nnrun -o changed $f"
    no_new_files "$tmp/rc" "$tmp/before" || echo "  in results case $name (nnrun -o)" >&2
  fi
  results_cases=$((${results_cases:-0} + 1))
done <"$top_srcdir/tests/corpus/results.txt"

# ---- specs and overrides beyond tests/specs (what a new user tries)
nl='
'
expect 2 "$NNRUN" --dry-run "$tmp/tiny.yaml" "train.lr=${nl}1" &&
  expect_err "nnrun: command line 'train.lr=\n1': train.lr: expected a number > 0, got \"\n1\""
expect 2 "$NNRUN" --dry-run "$tmp/tiny.yaml" "$(printf 'data.dir=\033]0;x\007')" &&
  expect_err "nnrun: command line 'data.dir=\x1b]0;x\x07': data.dir: expected a path of printable UTF-8 text, got \"\x1b]0;x\x07\""
# a megabyte of '[': refused at once, not after minutes in libyaml
head -c 1000000 /dev/zero | tr '\0' '[' >"$tmp/deep.yaml"
expect 2 timeout 20 "$NNRUN" --dry-run "$tmp/deep.yaml" &&
  expect_err "nnrun: $tmp/deep.yaml:1:33: YAML nested deeper than 32 levels (a spec needs 2)"
mkdir "$tmp/spec-dir.yaml"
expect 2 "$NNRUN" --dry-run "$tmp/spec-dir.yaml" &&
  expect_err "nnrun: $tmp/spec-dir.yaml: cannot read: Is a directory"
gzip -c "$tmp/tiny.yaml" >"$tmp/gz.yaml"
expect 2 "$NNRUN" --dry-run "$tmp/gz.yaml" &&
  expect_err "nnrun: $tmp/gz.yaml:1:1: YAML error: control characters are not allowed (byte 0x1f)"
[ ! -e "$tmp/runs" ] && pass || fail "a rejected spec created $tmp/runs"

echo "$data_cases data cases (nnrun, nneval), $results_cases results-file cases (nneval, nnrun -o${others:+,$(for p in $others; do printf ' %s' "$(basename "$p")"; done)})"
finish
