#!/bin/sh
# tests/fuzz/run.sh: builds and runs the libFuzzer harnesses (make fuzz calls
# it with the variables below set from the build).  Each harness runs for
# FUZZ_SECONDS on a working corpus seeded by seeds.sh; a crash stops that
# harness, leaves its input in BUILD/crashes, and makes the script fail.
#   FUZZ_CC       clang (libFuzzer needs it)
#   FUZZ_CPPFLAGS include flags of the build (config.h, src/, the libraries)
#   FUZZ_LIBS     libraries to link (HDF5, libyaml, zlib, GSL, BLAS)
#   FUZZ_SOURCES  the library sources (relative to FUZZ_SRCDIR; headers and
#                 all, only the .c files are used), compiled here with the
#                 fuzz flags; or
#   FUZZ_LIBNN    an already instrumented libnn.a (configure --enable-fuzz)
#   FUZZ_SECONDS  seconds per harness (60; 0 builds and seeds only);
#   FUZZ_HARNESSES to pick some of spec, idx, csv, results
#   NNRUN         the nnrun program, for the results-file seeds
#   FUZZ_FORK     harnesses run with -fork=1 -ignore_crashes=1 (default:
#                 results): they go on after a crash, and each crash is then
#                 re-run and blamed on HDF5 when its first frame outside the
#                 sanitizers is in libhdf5 (Debian's HDF5 1.10.8 crashes on
#                 some damaged files; see README.md), else on nnrun
set -eu
srcdir=$(cd "$(dirname "$0")" && pwd)
build=${1:-tests/fuzz}
: "${FUZZ_CC:=clang}" "${FUZZ_SECONDS:=60}" "${FUZZ_CPPFLAGS:=}" "${FUZZ_LIBS:=}"
: "${FUZZ_HARNESSES:=spec idx csv results}" "${NNRUN:=}" "${FUZZ_SOURCES:=}" "${FUZZ_LIBNN:=}"
: "${FUZZ_SRCDIR:=.}" "${FUZZ_FORK=results}"
flags="-g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
mkdir -p "$build/obj" "$build/crashes"

# ---- build: the library once (instrumented, no libFuzzer main), then each harness
objs=$FUZZ_LIBNN
if [ -z "$objs" ]; then
  for src in $FUZZ_SOURCES; do
    case $src in *.c) ;; *) continue ;; esac
    o=$build/obj/$(basename "$src" .c).o
    echo "  FUZZCC   $src"
    $FUZZ_CC $flags -fsanitize=fuzzer-no-link,address,undefined $FUZZ_CPPFLAGS \
      -c "$FUZZ_SRCDIR/$src" -o "$o"
    objs="$objs $o"
  done
fi
for h in $FUZZ_HARNESSES; do
  echo "  FUZZLD   $build/fuzz_$h"
  $FUZZ_CC $flags -fsanitize=fuzzer,address,undefined $FUZZ_CPPFLAGS -I"$srcdir" \
    "$srcdir/fuzz_$h.c" $objs $FUZZ_LIBS -o "$build/fuzz_$h"
done

# ---- seeds, then the runs
rm -rf "$build/seeds"
"$srcdir/seeds.sh" "$build/seeds" "$NNRUN"
[ "$FUZZ_SECONDS" -gt 0 ] || exit 0

# blame HARNESS INPUT: "hdf5" when the crash's first frame outside the
# sanitizers and libc is in libhdf5, "none" when it does not crash again
# alone, else "nnrun".
blame() {
  out=$(ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$srcdir/lsan.supp \
    "$build/fuzz_$1" "$2" 2>&1) && { echo none; return; }
  frame=$(echo "$out" | grep -E '^ +#[0-9]+ ' |
    grep -vE '__interceptor|__asan|__sanitizer|__lsan|fuzzer::|sysdeps|libc\.so| in (malloc|calloc|realloc|free|strdup|memcpy|memmove|raise|abort|__libc)' |
    head -1)
  case $frame in *libhdf5*) echo hdf5 ;; *) echo nnrun ;; esac
}

failed=
for h in $FUZZ_HARNESSES; do
  mkdir -p "$build/corpus/$h"
  dict=
  [ -f "$srcdir/$h.dict" ] && dict=-dict=$srcdir/$h.dict
  fork=
  case " $FUZZ_FORK " in *" $h "*) fork="-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1" ;; esac
  log=$build/fuzz_$h.log
  rm -f "$build/crashes/$h-"*
  echo "fuzz_$h: $FUZZ_SECONDS s${fork:+ (fork mode)} (log in $log)"
  set +e
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$srcdir/lsan.supp} \
    "$build/fuzz_$h" $fork -max_total_time="$FUZZ_SECONDS" -timeout=20 -print_final_stats=1 \
    $dict -artifact_prefix="$build/crashes/$h-" "$build/corpus/$h" "$build/seeds/$h" >"$log" 2>&1
  rc=$?
  set -e
  if [ -n "$fork" ]; then
    # fork mode: "#EXECS: cov: N ft: N corp: N exec/s N oom/timeout/crash: a/b/c time: Ns ..."
    last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
    execs=$(echo "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
    rate=$(echo "$last" | sed -n 's/.*exec\/s \([0-9]*\).*/\1/p')
  else
    last=$(grep -E '^#[0-9]+[[:space:]].*cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  fi
  cov=$(echo "$last" | sed -n 's/.*\(cov: [0-9]*\).*\(ft: [0-9]*\).*/\1 \2/p')
  ours=0 theirs=0 gone=0
  for a in "$build/crashes/$h-"*; do
    [ -f "$a" ] || continue
    case $(blame "$h" "$a") in
      hdf5) theirs=$((theirs + 1)) ;;
      none) gone=$((gone + 1)) ;;
      *) ours=$((ours + 1)) ;;
    esac
  done
  [ -n "$fork" ] || [ "$rc" -eq 0 ] || [ "$ours" -gt 0 ] || ours=1
  echo "fuzz_$h: ${execs:-?} executions, ${rate:-?} exec/s, ${cov:-no final stats}; crashes: $ours in nnrun, $theirs in HDF5, $gone not reproduced alone"
  if [ "$ours" -gt 0 ]; then
    failed="$failed $h"
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/  /'
  fi
done
if [ -n "$failed" ]; then
  echo "fuzz: crashes in nnrun's code:$failed (inputs in $build/crashes)"
  exit 1
fi
