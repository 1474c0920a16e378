#!/bin/sh
# tests/h5trust.sh: results files from someone else (issue 10, items 2, 3 and
# 15).  A crafted file may point outside itself (external storage, external
# or soft links, virtual datasets) at a secret file or a FIFO, declare a
# compression bomb, or carry a flipped byte in its metadata.  Every reader --
# nneval (which stores), nncompare, nnplot, nnrun's resume check and nnsweep
# --list -- refuses it with exit 2 and one line naming the file and the
# object; nothing hangs (every command runs under timeout) and no byte of the
# secret reaches any file.  (More bad files, one message each: tests/corpus.)
. "$top_srcdir/tests/setup.sh"
NNCOMPARE=$top_builddir/src/nncompare
NNPLOT=$top_builddir/src/nnplot
NNSWEEP=$top_builddir/src/nnsweep
H5EDIT=$top_builddir/tests/h5edit
T="timeout ${H5TRUST_TIMEOUT:-60}" # a FIFO must never block a reader; generous for sanitizers
# HDF5 1.10.8 leaks 424 bytes of its own when an object header fails its
# checksum; in a sanitizer build LeakSanitizer would fail the reader for it.
# Only leaks from inside libhdf5 are suppressed: ours are still found.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$top_srcdir/tests/fuzz/lsan.supp:print_suppressions=0"

make_tiny "$tmp/tiny"
cat >"$tmp/tiny.yaml" <<EOT
name: tiny
seed: 3
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 8}
train: {epochs: 3, batch: 25, lr: 2.0}
output: {dir: $tmp/runs}
EOT
expect 0 $T "$NNRUN" -q "$tmp/tiny.yaml" -o "$tmp/good.h5" || { finish; exit 1; }
cd "$tmp"
# the secret: more than any dataset below reads, in a private file
for i in $(seq 200); do echo "TOPSECRET-$i"; done >secret
chmod 600 secret
mkfifo fifo

# refused FILE OBJ PROGS: each program of PROGS (all: nneval nncompare nnplot
# nnrun nnsweep; model: nneval nnrun, the readers of /model) exits 2 with one
# line that names FILE and OBJ; FILE is unchanged.
refused() {
  _f=$1 _obj=$2
  case $3 in
    all) set -- nneval nncompare nnplot nnrun nnsweep ;;
    model) set -- nneval nnrun ;;
  esac
  cp "$_f" saved.h5
  for _p in "$@"; do
    rm -rf plots sw && mkdir plots
    case $_p in
      nneval) expect 2 $T "$NNEVAL" --data "$tmp/tiny" "$_f" ;;
      nncompare) expect 2 $T "$NNCOMPARE" "$_f" ;;
      nnplot) expect 2 $T "$NNPLOT" -q -o plots "$_f" ;;
      nnrun) expect 2 $T "$NNRUN" -q "$tmp/tiny.yaml" -o "$_f" ;;
      nnsweep) # a sweep's --list reads its point's file
        printf 'spec: tiny.yaml\ngrid: {seed: [3]}\noutput: {dir: %s/sw}\n' "$tmp" >sw.yaml
        mkdir sw && cp "$_f" 'sw/seed=3.h5'
        expect 0 $T "$NNSWEEP" -n sw.yaml && grep " unreadable: " "$tmp/out" >"$tmp/err" ;;
    esac || { echo "  ($_p on $_f)" >&2; continue; }
    case $_p in nnsweep) _name=sw/seed=3.h5 ;; *) _name=$_f ;; esac
    if [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "$_name.*$_obj" "$tmp/err"; then pass; else
      fail "$_p did not refuse $_f naming $_obj in one line"; sed 's/^/  got: /' "$tmp/err" >&2
    fi
    cmp -s "$_f" saved.h5 && pass || fail "$_p changed $_f"
  done
}

# ---- item 2: data and objects outside the file, at a secret file and a FIFO
for target in secret fifo; do
  t=$tmp/$target
  cp good.h5 ext-w1-$target.h5 && "$H5EDIT" ext-w1-$target.h5 external /model/W1 f64 16x8 "$t"
  refused ext-w1-$target.h5 "/model/W1: its data is stored in another file" model
  cp good.h5 ext-loss-$target.h5 && "$H5EDIT" ext-loss-$target.h5 external /metrics/train_loss f64 3 "$t"
  refused ext-loss-$target.h5 "/metrics/train_loss: its data is stored in another file" all
  cp good.h5 elink-spec-$target.h5 && "$H5EDIT" elink-spec-$target.h5 extlink /spec "$t" /spec
  refused elink-spec-$target.h5 "/spec: an external link to another file" all
  cp good.h5 elink-model-$target.h5 && "$H5EDIT" elink-model-$target.h5 extlink /model "$t" /model
  refused elink-model-$target.h5 "/model: an external link to another file" model
  cp good.h5 virt-test-$target.h5 &&
    "$H5EDIT" virt-test-$target.h5 virtual /test/confusion i64 10x10 "$t" /test/confusion
  refused virt-test-$target.h5 "/test/confusion: a virtual dataset" all
done
cp good.h5 soft-metrics.h5 && "$H5EDIT" soft-metrics.h5 softlink /metrics /data
refused soft-metrics.h5 "/metrics: a soft link" all
cp good.h5 soft-b1.h5 && "$H5EDIT" soft-b1.h5 softlink /model/b1 /model/b2
refused soft-b1.h5 "/model/b1: a soft link" model
# nothing read from the secret reached a file (nneval stores what it evaluates)
if grep -rl --exclude=secret TOPSECRET "$tmp" >leaks; then
  fail "the secret reached $(cat leaks)"
else pass; fi

# ---- item 3: compression bombs.  A 1 MB file declaring a 1 GB confusion
# matrix: nncompare (which reads /test, not /model) allocated it and showed a
# normal run; a 1 GB W1 made nneval allocate it.
cp good.h5 bomb-test.h5 && "$H5EDIT" bomb-test.h5 deflate /test/confusion i64 11585x11585
cp good.h5 bomb-w1.h5 && "$H5EDIT" bomb-w1.h5 deflate /model/W1 f64 16777216x8
[ "$(wc -c <bomb-test.h5)" -lt 3000000 ] && [ "$(wc -c <bomb-w1.h5)" -lt 3000000 ] && pass ||
  fail "the bombs are not small files"
refused bomb-test.h5 "/test/confusion: " all # nneval: not its (10, 10)
expect 2 $T "$NNCOMPARE" bomb-test.h5 && expect_err "nncompare: bomb-test.h5: /test/confusion: stored \
through HDF5 filter 'deflate', which nnrun never writes (compressed? h5repack -f NONE undoes it)"
refused bomb-w1.h5 "/model/W1: stored through HDF5 filter 'deflate'" model
# the summary of a file (no model) bounds the classes before it allocates
cp good.h5 wide-test.h5 && "$H5EDIT" wide-test.h5 dset /test/confusion i64 300x300
expect 2 $T "$NNCOMPARE" wide-test.h5 &&
  expect_err "nncompare: wide-test.h5: /test/confusion: expected a square matrix of 2 to 256 classes, got (300, 300)"
if [ -x /usr/bin/time ]; then # and what a refused bomb costs: nothing like 1 GB
  for p in "$NNEVAL --no-store" "$NNCOMPARE"; do
    /usr/bin/time -f %M -o rss $T $p bomb-w1.h5 >/dev/null 2>&1 || :
    [ "$(tail -1 rss)" -lt 200000 ] && pass || fail "$p used $(tail -1 rss) kB on a refused bomb"
  done
fi

# ---- item 15: nnrun writes superblock 2 and object headers 2, whose metadata
# carry checksums, so a flipped byte in them is refused, never read as data
# (superblock 0, written before, has none).  Superblock byte 11 holds the
# file-consistency flags, which HDF5 1.10 does not otherwise look at in
# superblock 2: only the checksum can tell.
[ "$("$H5DUMP" -B -H good.h5 | sed -n 's/.*SUPERBLOCK_VERSION //p')" -ge 2 ] && pass ||
  fail "good.h5 is not written with superblock 2 or later"
flip() { # flip FILE OFFSET: inverts one byte in place
  _b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "\\$(printf '%03o' $((_b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
cp good.h5 flip-super.h5 && flip flip-super.h5 11
refused flip-super.h5 "cannot open HDF5 file (damaged?)" all
# every object header (OHDR, a signature only the checksummed version 2 has):
# one byte flipped in its first message, and nneval, which opens them all, refuses
headers=$(grep -obUa OHDR good.h5 | cut -d: -f1)
[ "$(echo $headers | wc -w)" -ge 20 ] && pass || fail "good.h5 has $(echo $headers | wc -w) checksummed object headers"
for o in $headers; do
  cp good.h5 flip.h5 && flip flip.h5 $((o + 12))
  expect 2 $T "$NNEVAL" --no-store --data "$tmp/tiny" flip.h5 && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
    grep -q "^nneval: flip.h5: .*damaged" "$tmp/err" && pass || { fail "a flipped byte at $((o + 12)) was not refused"; cat "$tmp/err" >&2; }
done

# ---- old files (superblock 0, fixed-length strings) still read, whole: a
# file of the old nnrun summarizes the same before and after resedit read it
# (results_read) and wrote it again (results_write, superblock 2)
fx=$top_srcdir/tests/fixtures/v0/tiny-adam.h5
[ "$("$H5DUMP" -B -H "$fx" | sed -n 's/.*SUPERBLOCK_VERSION //p')" = 0 ] && pass ||
  fail "$fx is not superblock 0"
expect 0 $T "$NNCOMPARE" "$fx" && cp "$tmp/out" old.out
cp "$fx" re.h5 && chmod u+w re.h5
expect 0 $T "$top_builddir/tests/resedit" re.h5
expect 0 $T "$NNCOMPARE" re.h5 && cmp -s old.out "$tmp/out" && pass ||
  fail "$fx does not read the same after a rewrite"
[ "$("$H5DUMP" -B -H re.h5 | sed -n 's/.*SUPERBLOCK_VERSION //p')" -ge 2 ] && pass ||
  fail "the rewrite of $fx is not superblock 2"

finish
