#!/bin/sh
# tests/compare.sh: nncompare on results files made here from the tiny CSV
# data set (no MNIST needed) -- the exact text and markdown tables, a CSV that
# parses as one header and one row a run at full precision, only the keys that
# differ, and files that are foreign, missing, running, diverged or empty.
. "$top_srcdir/tests/setup.sh"
NNCOMPARE=$top_builddir/src/nncompare
RESEDIT=$top_builddir/tests/resedit

make_tiny "$tmp/tiny"
cat >"$tmp/tiny.yaml" <<EOT
name: tiny
seed: 3
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 8}
train: {epochs: 4, batch: 25, lr: 2.0, lambda: 0.001}
EOT
cd "$tmp"

# csv_table FILE: the records of a CSV file (RFC 4180 quoting, no line breaks
# inside fields) as tab-separated fields; fails on a bad quote or a row whose
# field count differs from the header's.
csv_table() {
  awk 'function parse(line,   i, c, f, inq, n) {
    n = 0; f = ""; inq = 0; quoted = 0
    for (i = 1; i <= length(line); i++) {
      c = substr(line, i, 1)
      if (inq) {
        if (c != "\"") f = f c
        else if (substr(line, i + 1, 1) == "\"") { f = f "\""; i++ }
        else inq = 0
      } else if (c == "\"" && f == "" && !quoted) { inq = 1; quoted = 1 }
      else if (c == ",") { fld[++n] = f; f = ""; quoted = 0 }
      else if (quoted) { bad = "text after a closing quote"; return n }
      else f = f c
    }
    if (inq) bad = "unclosed quote"
    fld[++n] = f
    return n
  }
  {
    n = parse($0)
    if (bad) { print "line " NR ": " bad > "/dev/stderr"; exit 1 }
    if (NR == 1) head = n
    else if (n != head) { print "line " NR ": " n " fields, header has " head > "/dev/stderr"; exit 1 }
    out = fld[1]; for (i = 2; i <= n; i++) out = out "\t" fld[i]; print out
  }' "$1"
}

# csv_field TABLE ROW COLUMN: a field of csv_table's output by header name.
csv_field() {
  awk -F '\t' -v row="$2" -v col="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
    NR == row + 1 { print $c }' "$1"
}

# ---- options
expect 0 "$NNCOMPARE" --help && expect_in "$tmp/out" "--format" && expect_in "$tmp/out" "/metrics/seconds"
expect 0 "$NNCOMPARE" --version && expect_in "$tmp/out" "nncompare "
expect 2 "$NNCOMPARE" && expect_err "nncompare: no results file given; usage: nncompare [OPTIONS] RESULT.h5 ..."
expect 2 "$NNCOMPARE" --format json x.h5 && expect_err "nncompare: --format: expected text, csv or markdown, got 'json'"
expect 2 "$NNCOMPARE" --bogus x.h5 && expect_err "nncompare: unknown option '--bogus'; see nncompare --help"
expect 2 "$NNCOMPARE" x.h5 -f && expect_err "nncompare: -f needs an argument; see nncompare --help"

# ---- two runs that differ in train.lr and train.lambda; timings fixed so
# the text is exact (4 epochs of 0.25 s)
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o base.h5
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o slow.h5 name=slow train.lr=0.5 train.lambda=0
expect 0 "$RESEDIT" base.h5 seconds=0.25
expect 0 "$RESEDIT" slow.h5 seconds=0.25

expect 0 "$NNCOMPARE" base.h5 slow.h5
[ ! -s "$tmp/err" ] && pass || fail "nncompare wrote to stderr: $(cat "$tmp/err")"
cat >"$tmp/want" <<'EOT'
                              --- train --- ---- dev ---- - best dev - --- test ----
run   train.lr  train.lambda    loss    acc   loss    acc    acc epoch   loss    acc  time  status
tiny         2         0.001  0.2288 1.0000 0.2333 1.0000 1.0000     2 0.2331 1.0000   1.0  complete
slow       0.5             0  0.9986 0.9200 0.9914 0.9400 0.9400     4 1.0052 0.8800   1.0  complete
EOT
diff "$tmp/want" "$tmp/out" >&2 && pass || fail "text table differs (above: - expected, + got)"

expect 0 "$NNCOMPARE" --format markdown base.h5 slow.h5
cat >"$tmp/want" <<'EOT'
| run | train.lr | train.lambda | train loss | train acc | dev loss | dev acc | best dev acc | best epoch | test loss | test acc | time (s) | status |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
| tiny | 2 | 0.001 | 0.2288 | 1.0000 | 0.2333 | 1.0000 | 1.0000 | 2 | 0.2331 | 1.0000 | 1.0 | complete |
| slow | 0.5 | 0 | 0.9986 | 0.9200 | 0.9914 | 0.9400 | 0.9400 | 4 | 1.0052 | 0.8800 | 1.0 | complete |
EOT
diff "$tmp/want" "$tmp/out" >&2 && pass || fail "markdown table differs (above: - expected, + got)"

# ---- CSV: a header and one row a run, every number at full precision
expect 0 "$NNCOMPARE" --format csv base.h5 slow.h5
cp "$tmp/out" "$tmp/two.csv"
csv_table "$tmp/two.csv" >"$tmp/two.tsv" && pass || fail "the CSV does not parse"
[ "$(wc -l <"$tmp/two.tsv")" -eq 3 ] && pass || fail "expected a header and 2 rows: $(cat "$tmp/two.csv")"
want=$(printf '%s\t' run file train.lr train.lambda train_loss train_accuracy dev_loss dev_accuracy \
  best_dev_accuracy best_dev_epoch test_loss test_accuracy seconds status)
[ "$(head -1 "$tmp/two.tsv")" = "${want%?}" ] && pass || fail "CSV header: $(head -1 "$tmp/two.csv")"
[ "$(csv_field "$tmp/two.tsv" 2 file)" = slow.h5 ] && pass || fail "CSV file column"
[ "$(csv_field "$tmp/two.tsv" 2 status)" = complete ] && pass || fail "CSV status column"
[ "$(csv_field "$tmp/two.tsv" 1 seconds)" = 1 ] && pass || fail "CSV seconds: $(csv_field "$tmp/two.tsv" 1 seconds)"
# Each number reads back to exactly the double in the file.
for pair in "1 train_loss /metrics/train_loss" "2 dev_loss /metrics/dev_loss" \
  "1 test_loss /test/loss" "2 test_accuracy /test/accuracy"; do
  set -- $pair
  f=$([ "$1" = 1 ] && echo base.h5 || echo slow.h5)
  h5=$("$H5DUMP" -m %.17g -d "$3" -y -w 0 "$f" | sed -n '/DATA {/,/}/p' | sed '1d;$d' |
    tr -d ' \n' | tr ',' '\n' | tail -1)
  csv=$(csv_field "$tmp/two.tsv" "$1" "$2")
  awk -v a="$h5" -v b="$csv" 'BEGIN { exit !(a + 0 == b + 0 && length(b) > 0) }' && pass ||
    fail "CSV $2 of row $1 is $csv, the file holds $h5"
done

# ---- only the keys that differ: none for twins, and the name is no key
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o twin.h5 name=twin
expect 0 "$NNCOMPARE" base.h5 twin.h5
sed -n 2p "$tmp/out" >"$tmp/head"
expect_re "$tmp/head" "^run +loss +acc +loss"
expect 0 "$NNCOMPARE" -f csv base.h5 twin.h5
[ "$(head -1 "$tmp/out" | cut -d, -f1-3)" = "run,file,train_loss" ] && pass || fail "twins: $(head -1 "$tmp/out")"
# every key that differs is named by its dotted path
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o wide.h5 name=wide seed=4 model.hidden=5 train.batch=50 \
  data.normalize=scale
expect 0 "$NNCOMPARE" base.h5 wide.h5
sed -n 2p "$tmp/out" >"$tmp/head"
expect_re "$tmp/head" "^run +seed +data.normalize +model.hidden +train.batch +loss"

# ---- CSV quoting: a field with a comma and quotes (a data.dir that differs)
mkdir "$tmp/tiny, \"2\""
cp "$tmp/tiny/"*.csv "$tmp/tiny, \"2\"/"
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o quoted.h5 name=quoted "data.dir=$tmp/tiny, \"2\""
expect 0 "$NNCOMPARE" -f csv base.h5 quoted.h5
cp "$tmp/out" "$tmp/quoted.csv"
expect_in "$tmp/quoted.csv" "\"$tmp/tiny, \"\"2\"\"\""
csv_table "$tmp/quoted.csv" >"$tmp/quoted.tsv" && pass || fail "the quoted CSV does not parse"
[ "$(csv_field "$tmp/quoted.tsv" 2 data.dir)" = "$tmp/tiny, \"2\"" ] && pass ||
  fail "data.dir read back as '$(csv_field "$tmp/quoted.tsv" 2 data.dir)'"

# ---- bad files are named, the good ones still shown, exit 2
echo "not hdf5" >foreign.h5
mkdir empty
expect 2 "$NNCOMPARE" foreign.h5 base.h5 missing.h5 empty
cat >"$tmp/want" <<EOT
nncompare: foreign.h5: not an HDF5 file
nncompare: missing.h5: no such file
nncompare: empty: no results files (*.h5) in this folder
EOT
diff "$tmp/want" "$tmp/err" >&2 && pass || fail "messages for bad files differ"
[ "$(wc -l <"$tmp/out")" -eq 3 ] && pass || fail "the good file is not shown alone"
expect_re "$tmp/out" "^tiny .* complete$"
expect 2 "$NNCOMPARE" foreign.h5 && expect_err "nncompare: foreign.h5: not an HDF5 file"
[ ! -s "$tmp/out" ] && pass || fail "a table without any good file"
# an HDF5 file that is not a results file
h5copy -i base.h5 -o metrics-only.h5 -s /metrics -d /metrics
expect 2 "$NNCOMPARE" metrics-only.h5
expect_err "nncompare: metrics-only.h5: not an nnrun results file (no 'format' attribute)"

# ---- a run killed while running (status running, its lock free): shown,
# marked, noted on stderr; same spec and seed: two rows, told apart by file
cp base.h5 running.h5
expect 0 "$RESEDIT" running.h5 status=running epochs=2 notest
expect 0 "$NNCOMPARE" base.h5 running.h5
expect_err "nncompare: running.h5: killed after epoch 2 (no process holds its lock; rerun it to resume); shown as it stands"
cat >"$tmp/want" <<'EOT'
            --- train --- ---- dev ---- - best dev - --- test ----
run           loss    acc   loss    acc    acc epoch   loss    acc  time  status
base.h5     0.2288 1.0000 0.2333 1.0000 1.0000     2 0.2331 1.0000   1.0  complete
running.h5  0.5051 1.0000 0.5031 1.0000 1.0000     2      -      -   0.5  killed after epoch 2
EOT
diff "$tmp/want" "$tmp/out" >&2 && pass || fail "table with a running run differs (above: - expected, + got)"
expect 0 "$NNCOMPARE" -f csv base.h5 running.h5
csv_table "$tmp/out" >"$tmp/running.tsv" && pass || fail "CSV with a running run does not parse"
[ "$(csv_field "$tmp/running.tsv" 2 status)" = killed ] && pass || fail "CSV status of a killed run (running, its lock free)"
[ -z "$(csv_field "$tmp/running.tsv" 2 test_loss)" ] && pass || fail "CSV test_loss of a running run"
[ "$(csv_field "$tmp/running.tsv" 1 run)" = base.h5 ] && pass || fail "shared names: the file names the run"

# ---- diverged and zero-epoch runs: their status, '-' for what they lack
expect 1 "$NNRUN" -q "$tmp/tiny.yaml" -o div.h5 name=div train.lr=1e300
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o zero.h5 name=zero train.epochs=0
expect 0 "$NNCOMPARE" div.h5 zero.h5
expect_re "$tmp/out" "^div +4 +1e\+300 +(- +){8} *[0-9.]+  diverged$"
expect_re "$tmp/out" "^zero +0 +2 +(- +){6}[0-9.]+ [0-9.]+ +[0-9.]+  complete$"

# ---- no dev split (issue 10, item 13): '-' for the dev metrics and the best
# dev epoch, never 0 at epoch 1; empty CSV fields; a group of two seeds too
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o nodev.h5 name=nodev data.dev_size=0
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o nodev4.h5 name=nodev data.dev_size=0 seed=4
expect 0 "$NNCOMPARE" --no-group nodev.h5
expect_re "$tmp/out" "^nodev +[0-9.]+ [0-9.]+ +(- +){4}[0-9.]+ [0-9.]+ +[0-9.]+  complete$"
expect 0 "$NNCOMPARE" nodev.h5 nodev4.h5
expect_re "$tmp/out" "^nodev +2 .* [0-9.]+ ± [0-9.]+ +(- +){4}[0-9.]+ ± [0-9.]+ "
expect 0 "$NNCOMPARE" -f csv nodev.h5
csv_table "$tmp/out" >"$tmp/nodev.tsv" && pass || fail "CSV without a dev split does not parse"
for col in dev_loss dev_accuracy best_dev_accuracy best_dev_epoch; do
  [ -z "$(csv_field "$tmp/nodev.tsv" 1 $col)" ] && pass || fail "CSV $col without a dev split: '$(csv_field "$tmp/nodev.tsv" 1 $col)'"
done

# ---- long names are cut in the middle in text, kept whole in CSV
long=a_run_with_a_name_much_longer_than_a_column_should_be
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o long.h5 name=$long
expect 0 "$NNCOMPARE" base.h5 long.h5
expect_re "$tmp/out" "^a_run_with_a[.][.][.]umn_should_be  0[.]2288 "
expect 0 "$NNCOMPARE" -f csv base.h5 long.h5 && expect_in "$tmp/out" "$long,long.h5,"

# ---- huge values (a loss of 1e44) read right: 4 significant digits
# and the exponent in text and markdown, full precision in CSV (issue 10, item A)
mkdir big
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o big/s1.h5 name=big train.lr=1e5 train.epochs=3 seed=1
expect 0 "$NNRUN" -q "$tmp/tiny.yaml" -o big/s2.h5 name=big train.lr=1e5 train.epochs=3 seed=2
expect 0 "$NNCOMPARE" big
expect_re "$tmp/out" "^big +2 +[0-9][.][0-9]+e[+][0-9]+ ± [0-9][.][0-9]+e[+][0-9]+ "
! grep -q '[0-9]\{12\}' "$tmp/out" && pass || fail "nncompare shows a huge value in all its digits: $(cat "$tmp/out")"
expect 0 "$NNCOMPARE" --ci big
expect_re "$tmp/out" "^big +2 +[0-9][.][0-9]+e[+][0-9]+ \\[-?[0-9][.][0-9]+e[+][0-9]+, [0-9][.][0-9]+e[+][0-9]+\\] "
expect 0 "$NNCOMPARE" -f markdown big
expect_re "$tmp/out" "^[|] big [|] 2 [|] [0-9][.][0-9]+e[+][0-9]+ [|] [0-9][.][0-9]+e[+][0-9]+ [|]"
expect 0 "$NNCOMPARE" -f csv big
expect_re "$tmp/out" "^big,2,[0-9][.][0-9]{8,}e[+][0-9]+,[0-9][.][0-9]{8,}e[+][0-9]+,"

finish
