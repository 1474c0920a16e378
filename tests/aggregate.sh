#!/bin/sh
# tests/aggregate.sh: nncompare and nnplot over many runs, made here from the
# tiny CSV data set -- 2 lambdas x 3 seeds in one folder: groups of n = 3, means
# and standard deviations checked by awk against the per-run CSV, the 95%
# Student-t interval against a t quantile from a table, --by, --sort, --no-group,
# folder arguments (links and other files skipped), a killed and a running run,
# hostile file and key names that must not become gnuplot code, the bands.
. "$top_srcdir/tests/setup.sh"
NNCOMPARE=$top_builddir/src/nncompare
NNPLOT=$top_builddir/src/nnplot
PNGINFO=$top_builddir/tests/pnginfo
RESEDIT=$top_builddir/tests/resedit
T975_2=4.302652729911275  # t_{0.975, 2}: the 97.5% quantile of Student's t, 2 d.o.f.

make_tiny "$tmp/tiny"
cat >"$tmp/tiny.yaml" <<EOT
name: tiny
seed: 3
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 8}
train: {epochs: 4, batch: 25, lr: 2.0, lambda: 0.001}
EOT
cd "$tmp"
mkdir runs
for lambda in 0 0.001; do
  for seed in 1 2 3; do
    expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o "runs/lambda=$lambda.seed=$seed.h5" \
      train.lambda=$lambda seed=$seed
  done
done

# csv_rows FILE: CSV (no quoted fields here) as tab-separated lines.
csv_rows() { tr ',' '\t' <"$1"; }
# col TSV NAME: the values of a column by header name, one a line.
col() {
  awk -F '\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
    { print $k }' "$1"
}
# close A B [TOL]: |A - B| <= TOL * max(1, |B|).
close() {
  awk -v a="$1" -v b="$2" -v t="${3:-1e-12}" 'BEGIN {
    d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; if (m < 1) m = 1; exit !(d <= t * m) }'
}

# ---- bad options: exit 2, one line naming what was expected
expect 2 "$NNCOMPARE" --by train.lamda runs &&
  expect_err "nncompare: --by: train.lamda: unknown key; did you mean 'train.lambda'?"
expect 2 "$NNCOMPARE" --by ,seed runs && expect_err "nncompare: --by: expected KEY,KEY,... got ',seed'"
expect 2 "$NNCOMPARE" --sort bogus runs &&
  expect_err "nncompare: --sort: unknown column 'bogus'; expected run, n, train_loss, train_acc, dev_loss, dev_acc, best_acc, best_epoch, test_loss, test_acc, time, status or a spec key such as train.lambda"
expect 2 "$NNCOMPARE" --sort train.lamda runs &&
  expect_err "nncompare: --sort: train.lamda: unknown key; did you mean 'train.lambda'?"
expect 2 "$NNCOMPARE" --by seed --no-group runs &&
  expect_err "nncompare: --by and --no-group exclude each other"
expect 2 "$NNPLOT" --band wide runs && expect_err "nnplot: --band: expected sd, ci, minmax or none, got 'wide'"
expect 2 "$NNPLOT" --by model.hiden runs &&
  expect_err "nnplot: --by: model.hiden: unknown key; did you mean 'model.hidden'?"
expect 0 "$NNCOMPARE" --help && expect_in "$tmp/out" "--no-group" && expect_in "$tmp/out" "--sort COLUMN"
expect 0 "$NNPLOT" --help && expect_in "$tmp/out" "--band BAND"

# ---- the folder: two groups of three, one row each
expect 0 "$NNCOMPARE" runs
[ ! -s "$tmp/err" ] && pass || fail "nncompare wrote to stderr: $(cat "$tmp/err")"
sed -n 2p "$tmp/out" >"$tmp/head"
expect_re "$tmp/head" "^run +n +train.lambda +loss +acc +loss"
[ "$(wc -l <"$tmp/out")" -eq 4 ] && pass || fail "expected 2 group rows: $(cat "$tmp/out")"
expect_re "$tmp/out" "^tiny +3 +0 +[0-9.]+ ± [0-9.]+ "
expect_re "$tmp/out" "^tiny +3 +0.001 +[0-9.]+ ± [0-9.]+ .*complete$"
expect 0 "$NNCOMPARE" --ci runs
expect_re "$tmp/out" "^tiny +3 +0 +[0-9.]+ \[[0-9.]+, [0-9.]+\] "

# ---- means, sd and the interval against awk over the per-run values
expect 0 "$NNCOMPARE" --no-group --format csv runs
csv_rows "$tmp/out" >"$tmp/runs.tsv"
[ "$(wc -l <"$tmp/runs.tsv")" -eq 7 ] && pass || fail "--no-group: expected 6 runs: $(cat "$tmp/out")"
[ "$(col "$tmp/runs.tsv" file | head -1)" = "runs/lambda=0.001.seed=1.h5" ] && pass ||
  fail "--no-group: runs not in name order: $(col "$tmp/runs.tsv" file | tr '\n' ' ')"
expect 0 "$NNCOMPARE" --ci --format csv runs
csv_rows "$tmp/out" >"$tmp/groups.tsv"
[ "$(col "$tmp/groups.tsv" n | tr '\n' ' ')" = "3 3 " ] && pass || fail "n per group: $(cat "$tmp/out")"
for metric in test_loss test_accuracy train_loss dev_loss seconds best_dev_epoch; do
  for lambda in 0 0.001; do
    # mean and sample sd of the runs of this lambda, by awk
    set -- $(awk -F '\t' -v c="$metric" -v l="$lambda" '
      NR == 1 { for (i = 1; i <= NF; i++) { if ($i == c) k = i; if ($i == "train.lambda") g = i }; next }
      $g == l { n++; x[n] = $k; s += $k }
      END { m = s / n; for (i = 1; i <= n; i++) q += (x[i] - m) ^ 2; printf "%.17g %.17g %d\n", m, sqrt(q / (n - 1)), n }' \
      "$tmp/runs.tsv")
    mean=$1 sd=$2 n=$3
    row=$(col "$tmp/groups.tsv" train.lambda | grep -nx -- "$lambda" | cut -d: -f1)
    got_mean=$(col "$tmp/groups.tsv" ${metric}_mean | sed -n ${row}p)
    got_sd=$(col "$tmp/groups.tsv" ${metric}_sd | sed -n ${row}p)
    got_ci=$(col "$tmp/groups.tsv" ${metric}_ci95 | sed -n ${row}p)
    want_ci=$(awk -v t=$T975_2 -v s="$sd" -v n="$n" 'BEGIN { printf "%.17g", t * s / sqrt(n) }')
    [ "$n" -eq 3 ] && pass || fail "$metric, lambda $lambda: $n runs"
    close "$got_mean" "$mean" && pass || fail "$metric mean, lambda $lambda: $got_mean, awk $mean"
    close "$got_sd" "$sd" 1e-9 && pass || fail "$metric sd, lambda $lambda: $got_sd, awk $sd"
    close "$got_ci" "$want_ci" 1e-9 && pass || fail "$metric ci95, lambda $lambda: $got_ci, want $want_ci"
  done
done
# without --ci no interval columns; markdown carries the same columns
expect 0 "$NNCOMPARE" -f csv runs
head -1 "$tmp/out" | grep -q ci95 && fail "ci95 columns without --ci" || pass
expect_in "$tmp/out" "run,n,train.lambda,train_loss_mean,train_loss_sd,train_accuracy_mean"
expect 0 "$NNCOMPARE" -f markdown --ci runs
expect_in "$tmp/out" "| run | n | train.lambda | train loss | train loss sd | train loss ci95 |"

# ---- --by: by seed, groups of two across the lambdas; --sort
expect 0 "$NNCOMPARE" --by seed -f csv runs
csv_rows "$tmp/out" >"$tmp/byseed.tsv"
[ "$(col "$tmp/byseed.tsv" seed | tr '\n' ' ')" = "1 2 3 " ] && pass || fail "--by seed: $(cat "$tmp/out")"
[ "$(col "$tmp/byseed.tsv" n | tr '\n' ' ')" = "2 2 2 " ] && pass || fail "--by seed: n"
expect 0 "$NNCOMPARE" --by train.lambda --sort train.lambda -f csv runs
[ "$(csv_rows "$tmp/out" | col /dev/stdin train.lambda | tr '\n' ' ')" = "0 0.001 " ] && pass ||
  fail "--sort train.lambda: $(cat "$tmp/out")"
# losses ascending, accuracies descending (best first), ties in input order
expect 0 "$NNCOMPARE" --no-group --sort test_loss -f csv runs
csv_rows "$tmp/out" | col /dev/stdin test_loss >"$tmp/sorted"
sort -g "$tmp/sorted" | cmp -s - "$tmp/sorted" && pass || fail "--sort test_loss: $(cat "$tmp/sorted" | tr '\n' ' ')"
expect 0 "$NNCOMPARE" --no-group --sort dev_acc -f csv runs/lambda=0.seed=1.h5 runs/lambda=0.001.seed=2.h5
csv_rows "$tmp/out" | col /dev/stdin dev_accuracy >"$tmp/sorted"
sort -gr "$tmp/sorted" | cmp -s - "$tmp/sorted" && pass || fail "--sort dev_acc: $(cat "$tmp/sorted" | tr '\n' ' ')"
expect 0 "$NNCOMPARE" --sort test_loss runs
expect_re "$tmp/out" "^tiny +3 +0 "
[ "$(sed -n 3p "$tmp/out" | awk '{ print $3 }')" = 0 ] && pass || fail "--sort test_loss: lambda 0 first"

# ---- a folder: only regular *.h5 files directly in it, links skipped
mkdir mixed mixed/sub
cp "runs/lambda=0.seed=1.h5" "runs/lambda=0.seed=2.h5" mixed/
cp "runs/lambda=0.seed=3.h5" mixed/sub/
echo "not results" >mixed/notes.txt
ln -s "$tmp/runs/lambda=0.001.seed=1.h5" mixed/link.h5
ln -s "$tmp/runs" mixed/dirlink.h5
expect 0 "$NNCOMPARE" -f csv mixed
[ "$(csv_rows "$tmp/out" | col /dev/stdin n)" = 2 ] && pass || fail "mixed folder: $(cat "$tmp/out")"
mkdir empty
expect 2 "$NNCOMPARE" empty && expect_err "nncompare: empty: no results files (*.h5) in this folder"

# ---- a killed run: status running, lock free; left out of its group's numbers
rm -rf killed && mkdir killed && cp runs/lambda=0.seed*.h5 killed/
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o killed/lambda=0.seed=4.h5 train.lambda=0 seed=4
expect 0 "$RESEDIT" killed/lambda=0.seed=4.h5 status=running epochs=2 notest
expect 0 "$NNCOMPARE" killed
expect_err "nncompare: killed/lambda=0.seed=4.h5: killed after epoch 2 (no process holds its lock; rerun it to resume); left out of its group's statistics"
expect_re "$tmp/out" "^tiny +3 .*  3 complete, 1 killed$"
expect 0 "$NNCOMPARE" --no-group killed/lambda=0.seed=4.h5
expect_re "$tmp/out" "killed after epoch 2$"
expect 0 "$NNCOMPARE" -f csv killed
row=$(col "$tmp/groups.tsv" train.lambda | grep -nx 0 | cut -d: -f1)
[ "$(csv_rows "$tmp/out" | col /dev/stdin test_loss_mean)" = "$(col "$tmp/groups.tsv" test_loss_mean | sed -n ${row}p)" ] &&
  pass || fail "the killed run changed the group's mean"
# the same file while a process holds its lock: running
if command -v python3 >/dev/null 2>&1; then
  python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1] + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.write(fd, b"program nnrun\nhost testhost\npid %d\nsince 10:00:00\n" % os.getpid())
open(sys.argv[2], "w").close()
time.sleep(60)' killed/lambda=0.seed=4.h5 "$tmp/locked" &
  holder=$!
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do [ -e "$tmp/locked" ] && break; sleep 0.2; done
  expect 0 "$NNCOMPARE" --no-group killed/lambda=0.seed=4.h5
  expect_err "nncompare: killed/lambda=0.seed=4.h5: still running (2 of 4 epochs done); shown as it stands"
  expect_re "$tmp/out" "running 2/4$"
  kill "$holder" 2>/dev/null || :
  wait "$holder" 2>/dev/null || :
else
  echo "python3 is absent: the running case (a lock held) skipped" >&2
fi

# ---- hostile names: quotes, backquotes, backslashes, @macros and newlines in
# key values and file names are shown, never run
evil="q'\`touch PWNED\`\\@x;system(\"touch P2\")"  # a data.dir, relative to $tmp
mkdir hostile "$evil"
cp "$tmp/tiny/"*.csv "$evil/"
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o hostile/evil.h5 "data.dir=$evil"
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o hostile/plain.h5
expect 0 "$NNPLOT" -o "$tmp/hplot" -k hostile
gp=$tmp/hplot/compare.gp
expect_in "$gp" "title 'data.dir=q''\`touch PWNED\`\\@x;system(\"touch P2\") train'"
expect_in "$gp" "title 'data.dir=$tmp/tiny dev'"
# twins (the same spec and seed) are told apart by their files' names
mkdir twins
cp hostile/plain.h5 "twins/a'b\`touch PWNED3\`.h5"
cp hostile/plain.h5 "twins/new
line'); system('touch PWNED4.h5"
expect 0 "$NNPLOT" -o "$tmp/tplot" -k twins
gp=$tmp/tplot/compare.gp
expect_in "$gp" "title 'twins/a''b\`touch PWNED3\`.h5 train'"
expect_in "$gp" "title 'twins/new?line''); system(''touch PWNED4.h5 dev'"
grep -q "^line'" "$gp" && fail "a file name's newline reached the script" || pass
expect 0 "$NNCOMPARE" twins
expect_re "$tmp/out" '^twins/new\\nl'   # the newline escaped, as in messages
expect 0 "$NNCOMPARE" --no-group -f csv twins
expect_in "$tmp/out" 'twins/new\nline'
for d in hplot tplot; do
  (cd "$tmp/$d" && gnuplot compare.gp) && pass || fail "the kept script of $d does not run"
done
[ -z "$(find "$tmp" / -maxdepth 1 -name 'PWNED*' -o -maxdepth 1 -name P2 2>/dev/null)" ] && pass ||
  fail "a name ran as code"

# ---- nnplot: one curve per group with a band; PNGs that are not blank
# png_ok FILE: a readable 800x600 PNG with many colours and some ink.
png_ok() {
  if ! info=$("$PNGINFO" "$1"); then
    fail "$1 is not a readable PNG"
    return 1
  fi
  set -- $info
  [ "$1" -eq 800 ] && [ "$2" -eq 600 ] && [ "$3" -ge 16 ] && [ "$4" -ge 10 ] && pass ||
    fail "$1: ${1}x$2, $3 colours, $4 per mille ink"
}
for band in sd ci minmax none; do
  expect 0 "$NNPLOT" -q -k -o "$tmp/band-$band" --band $band runs
  png_ok "$tmp/band-$band/compare-loss.png"
  png_ok "$tmp/band-$band/compare-accuracy.png"
  gp=$tmp/band-$band/compare.gp
  [ "$(grep -c '^\$group[0-9]* << EOD$' "$gp")" -eq 2 ] && pass || fail "--band $band: not 2 groups"
  if [ $band = none ]; then
    grep -q filledcurves "$gp" && fail "--band none drew a band" || pass
  else
    [ "$(grep -c 'filledcurves' "$gp")" -eq 8 ] && pass || fail "--band $band: not 2 groups x 2 curves x 2 plots of bands"
  fi
done
gp=$tmp/band-sd/compare.gp
expect_in "$gp" "title 'train.lambda=0.001 (n=3) dev'"
expect_in "$gp" "set title 'Loss per epoch: 2 groups of 6 runs; band: mean +- 1 sd'"
grep -q "title '[^']*runs/" "$gp" && fail "a legend names a file" || pass
expect_in "$gp" "center bottom horizontal maxcols 2"   # bands may reach any corner
# the interval band is t * sd / sqrt(n) wide around the mean
awk -v t=$T975_2 '/^\$group1 << EOD/ { on = 1; next } /^EOD/ { on = 0 } on && !/^#/ { print; exit }' \
  "$tmp/band-ci/compare.gp" >"$tmp/row.ci"
awk '/^\$group1 << EOD/ { on = 1; next } /^EOD/ { on = 0 } on && !/^#/ { print; exit }' \
  "$tmp/band-sd/compare.gp" >"$tmp/row.sd"
set -- $(cat "$tmp/row.sd")
sd_half=$(awk -v m="$3" -v h="$5" 'BEGIN { printf "%.17g", h - m }')
set -- $(cat "$tmp/row.ci")
close "$(awk -v m="$3" -v h="$5" 'BEGIN { printf "%.17g", h - m }')" \
  "$(awk -v t=$T975_2 -v s="$sd_half" 'BEGIN { printf "%.17g", t * s / sqrt(3) }')" 1e-9 && pass ||
  fail "ci band half-width is not t * sd / sqrt(3)"
# many curves: the legend right of the plot area
expect 0 "$NNPLOT" -q -k -o "$tmp/many" --no-group runs
expect_in "$tmp/many/compare.gp" "center bottom horizontal maxcols 2"
expect_in "$tmp/many/compare.gp" "title 'seed=3, train.lambda=0.001 dev'"
png_ok "$tmp/many/compare-accuracy.png"
# --by seed: 3 curves of two runs each
expect 0 "$NNPLOT" -q -k -o "$tmp/byseed" --by seed runs
expect_in "$tmp/byseed/compare.gp" "title 'seed=2 (n=2) train'"

finish
