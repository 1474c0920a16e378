#!/bin/sh
# tests/hostile.sh: the cases of a hostile review of the many-runs layer,
# each one a check that failed before its fix.  Names that would become
# code (a gnuplot pipe, a shell line in a Slurm script), writes through
# planted links, FIFOs where files are expected (nothing may hang: every
# command runs under timeout), one run's clean-up deleting another's files,
# a sweep trusting a file of another spec, two sweeps on one folder, and a
# resume on another thread count.
. "$top_srcdir/tests/setup.sh"
NNSWEEP=$top_builddir/src/nnsweep
NNPLOT=$top_builddir/src/nnplot
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_JOB_ID SLURM_JOB_ID
T="timeout 120"  # no command may hang; generous for sanitizer builds

make_tiny "$tmp/tiny"
spec() { # spec FILE NAME EPOCHS OUTDIR
  cat >"$1" <<EOT
name: $2
seed: 3
data: {dir: $tmp/tiny, format: csv, dev_size: 50}
model: {hidden: 8}
train: {epochs: $3, batch: 25, lr: 2.0}
output: {dir: $4}
EOT
}
cd "$tmp"

# ---- nnplot: a folder named like a gnuplot pipe runs nothing
spec a.yaml plotme 3 "$tmp/r"
expect 0 $T "$NNRUN" -q a.yaml
mkdir -p '|touch PWNED;true '
cp r/plotme.h5 '|touch PWNED;true /'
expect 0 $T "$NNPLOT" -q '|touch PWNED;true '
[ ! -e PWNED ] && pass || fail "nnplot ran a command from a folder name"
[ -s '|touch PWNED;true /plotme-loss.png' ] && pass || fail "the plot was not drawn there"

# ---- nnplot: gnuplot code in file and folder names (a line break ends a
# gnuplot command; quotes and backslashes end or escape strings) stays text
# (issue 10, item 1)
evil=$(printf 'x\nsystem("touch PWNED1")\n#\\\\"\047.h5')
cp r/plotme.h5 "$evil"
dir="o'\"\\\\ system('touch PWNED2')"
expect 0 $T "$NNPLOT" -q -k -o "$dir" "$evil" r/plotme.h5
[ ! -e PWNED1 ] && [ ! -e PWNED2 ] && [ ! -e "$dir/PWNED1" ] && pass ||
  fail "nnplot ran gnuplot's system() from a name"
[ -s "$dir/compare-loss.png" ] && [ -s "$dir/compare-accuracy.svg" ] && pass ||
  fail "nnplot drew nothing into a folder with quotes in its name"
grep -q 'system("touch PWNED1")' "$dir/compare.gp" 2>/dev/null && ! grep -q "^system(" "$dir/compare.gp" && pass ||
  fail "the kept script has a name on a line of its own: $(grep -n system "$dir/compare.gp")"
# a line break in the output folder cannot be written into gnuplot's 'set
# output' at all: refused before gnuplot runs
dir=$(printf "o\nsystem('touch PWNED3')\n#")
expect 2 $T "$NNPLOT" -q -o "$dir" r/plotme.h5
[ ! -e PWNED3 ] && [ ! -e "$dir" ] && pass || fail "nnplot ran or made something for a folder name with a line break"

# ---- nnplot: planted links at the outputs are replaced, never written through
mkdir -p plot2 && cp r/plotme.h5 plot2/
echo victim >victim.txt
ln -s "$tmp/victim.txt" plot2/plotme.gp
ln -s "$tmp/victim2.txt" plot2/plotme-loss.png
expect 0 $T "$NNPLOT" -q -k plot2 # the links are replaced by the new files
[ "$(cat victim.txt)" = victim ] && [ ! -e victim2.txt ] && pass ||
  fail "nnplot wrote through a planted link"
[ -f plot2/plotme.gp ] && [ ! -L plot2/plotme.gp ] && pass || fail "the kept script is still a link"
[ ! -e victim2.txt ] && [ ! -L plot2/plotme-loss.png ] && pass ||
  fail "nnplot wrote through the link or kept it"

# ---- a run's clean-up never deletes another run's files
spec b.yaml a.h5.tmp-x 3 "$tmp/t1"
spec c.yaml a 3 "$tmp/t1"
expect 0 $T "$NNRUN" -q b.yaml
expect 0 $T "$NNRUN" -q c.yaml
[ -f t1/a.h5.tmp-x.h5 ] && pass || fail "running 'a' deleted the results of 'a.h5.tmp-x'"
touch t1/a.h5.tmp~otherhost~123
expect 0 $T "$NNRUN" -q --force c.yaml
[ ! -e t1/a.h5.tmp~otherhost~123 ] && [ -f t1/a.h5.tmp-x.h5 ] && pass ||
  fail "the lock holder's clean-up removed the wrong files"

# ---- FIFOs where a spec, a data file or a log is expected: no hang, exit 2
mkfifo fifo.yaml
expect 2 $T "$NNRUN" fifo.yaml && expect_in "$tmp/err" "not a regular file"
mkdir fifodata && cp tiny/*.csv fifodata/ && rm fifodata/images_test.csv &&
  mkfifo fifodata/images_test.csv
expect 2 $T "$NNRUN" -q a.yaml data.dir="$tmp/fifodata" -o "$tmp/fifo.h5" &&
  expect_in "$tmp/err" "not a regular file"
expect 2 $T "$NNEVAL" -q --data "$tmp/fifodata" r/plotme.h5
cat >s1.yaml <<EOT
spec: base.yaml
set: {train.epochs: 2}
grid: {seed: [1, 2]}
output: {dir: $tmp/s1}
EOT
spec base.yaml tiny 2 "$tmp/unused"
mkdir -p s1/logs && mkfifo 's1/logs/seed=1.log'
expect 1 $T "$NNSWEEP" -q -j 2 s1.yaml && expect_in "$tmp/err" "not a regular file"
[ "$(h5status 's1/seed=2.h5')" = complete ] && pass || fail "a FIFO log stopped the other points"
rm 's1/logs/seed=1.log'

# ---- a sweep never takes a file of another spec for its own
expect 0 $T "$NNSWEEP" -q -j 2 s1.yaml
sed -i 's/train.epochs: 2/train.epochs: 3/' s1.yaml
expect 0 $T "$NNSWEEP" -n s1.yaml
[ "$(grep -c 'another spec (train.epochs: 2 in the file, 3 now)' "$tmp/out")" -eq 2 ] && pass ||
  { fail "--list does not show the files as another spec"; cat "$tmp/out" >&2; }
expect 1 $T "$NNSWEEP" -q -j 2 s1.yaml && expect_in "$tmp/err" "holds a complete run of another spec"

# ---- two sweeps on one folder: points run elsewhere are no failures, no retries
cat >s2.yaml <<EOT
spec: base.yaml
set: {train.epochs: 400, train.batch: 10}
grid: {seed: [1, 2, 3]}
output: {dir: $tmp/s2}
EOT
$T "$NNSWEEP" -q -j 1 -r 3 s2.yaml >s2a.out 2>s2a.err &
first=$!
while [ ! -e 's2/seed=1.h5.lock' ]; do sleep 0.05; done
$T "$NNSWEEP" -j 1 -r 3 s2.yaml >s2b.out 2>s2b.err || :
wait "$first" || :
if grep -q "retrying\|failed" s2a.err s2b.err; then
  fail "a point held by the other sweep counted as failed"; cat s2a.err s2b.err >&2
else pass; fi
expect 0 $T "$NNSWEEP" -n s2.yaml
[ "$(grep -c ' complete ' "$tmp/out")" -eq 3 ] && pass || fail "not every point complete"

# ---- the Slurm script: an sbatch argument never becomes a shell line
nl='
'
expect 2 $T "$NNSWEEP" --slurm --print s1.yaml -- "--x${nl}touch $tmp/PWN2" &&
  expect_in "$tmp/err" "cannot be written as an #SBATCH line"
expect 2 $T "$NNSWEEP" --slurm --print s1.yaml -- "--x${nl}y=1"
[ ! -e "$tmp/PWN2" ] && pass || fail "PWN2"

# ---- nneval never stores through a link
ln -s "$tmp/r/plotme.h5" link.h5
cp r/plotme.h5 before.h5
expect 2 $T "$NNEVAL" -q link.h5 && expect_in "$tmp/err" "a symbolic link, not a regular file"
[ -L link.h5 ] && cmp -s r/plotme.h5 before.h5 && pass || fail "nneval replaced the link"
expect 0 $T "$NNEVAL" -q --no-store link.h5

# ---- a resume keeps the run's own thread count
spec slow.yaml slow 1000 "$tmp/th"
"$NNRUN" -q --threads 1 slow.yaml &
pid=$!
while [ ! -s th/slow.h5 ]; do sleep 0.05; done
sleep 0.3
kill -KILL "$pid"; wait "$pid" 2>/dev/null || :
expect 0 timeout 300 "$NNRUN" --threads 2 slow.yaml &&
  expect_in "$tmp/out" "on the run's own 1 BLAS thread (not 2)"
[ "$("$H5DUMP" -a /threads th/slow.h5 | sed -n 's/.*(0): *//p')" = 1 ] && pass ||
  fail "the resumed run did not keep 1 thread"

# ---- (second review) two specs never share a name: ',' and '=' of a value escaped
mkdir -p d 'd,seed=5' && cp tiny/*.csv d/ && cp tiny/*.csv 'd,seed=5'/
spec n.yaml n 2 "$tmp/names"
expect 0 $T "$NNRUN" -q n.yaml 'data.dir=d,seed=5'
expect 0 $T "$NNRUN" -q n.yaml data.dir=d seed=5
[ "$(ls names | grep -c '\.h5$')" -eq 2 ] && pass || { fail "two specs share a file"; ls names >&2; }
[ -f 'names/n,data.dir=d%2Cseed%3D5.h5' ] && pass || { fail "the value's , and = are not escaped"; ls names >&2; }

# ---- a temporary of another run is never the lock holder's to remove
spec x.yaml x 2 "$tmp/t2"
mkdir -p t2 && touch "t2/x.h5.tmp-a-1.h5.tmp~$(hostname)~99999"
expect 0 $T "$NNRUN" -q x.yaml
[ -e "t2/x.h5.tmp-a-1.h5.tmp~$(hostname)~99999" ] && pass || fail "run x removed another run's temporary"

# ---- nnplot: a FIFO at the kept script, a failing gnuplot, a folder named ~/...
mkdir -p pf && mkfifo pf/plotme.gp
expect 0 $T "$NNPLOT" -q -k -o pf r/plotme.h5 && [ -f pf/plotme.gp ] && [ ! -p pf/plotme.gp ] && pass || fail "the FIFO at the kept script was not replaced"
expect 0 $T "$NNPLOT" -q -o pg r/plotme.h5
mkdir -p fakegp && printf '#!/bin/sh\ncat >/dev/null; exit 1\n' >fakegp/gnuplot && chmod +x fakegp/gnuplot
expect 1 env PATH="$tmp/fakegp:$PATH" $T "$NNPLOT" -q -o pg r/plotme.h5
[ -s pg/plotme-loss.png ] && pass || fail "a failed nnplot removed the plots of an earlier one"
expect 0 env HOME="$tmp/home" $T "$NNPLOT" -q -o '~/sub' r/plotme.h5
[ -s "$tmp/~/sub/plotme-loss.png" ] && [ ! -e "$tmp/home/sub" ] && pass || fail "'~/sub' was not a plain folder"

# ---- --task=I, and a sweep file whose name starts with a digit
cp s2.yaml 4lr.yaml
expect 0 $T "$NNSWEEP" -q --task=1 s2.yaml
expect 0 env SLURM_ARRAY_TASK_ID=0 $T "$NNSWEEP" -q --task 4lr.yaml

# ---- a run killed by a signal is reported as such
cat >s3.yaml <<EOT
spec: base.yaml
set: {train.epochs: 3000, train.batch: 10}
grid: {seed: [1]}
output: {dir: $tmp/s3}
EOT
"$NNSWEEP" -q -j 1 s3.yaml >s3.out 2>s3.err &
sw=$!
while [ ! -s 's3/seed=1.h5' ]; do sleep 0.05; done
pkill -KILL -P "$sw" nnrun || :
wait "$sw" || :
grep -q "killed by signal 9" s3.err && pass || { fail "a run killed by a signal is not reported so"; cat s3.err >&2; }

finish
