/* run.h: the life of one run -- its name and file, the lock, fresh start,
 * resume or "up to date", the epochs with a checkpoint after each, the final
 * test -- shared by nnrun, nneval (storing /test) and nnsweep (--list).
 *
 *   plan:  run_spec()    the spec file plus KEY=VALUE overrides, and the run name
 *   open:  run_open()    lock PATH, load the data, decide fresh / resume / up to date
 *   train: run_train()   the remaining epochs, PATH written after each, the test
 *   close: run_close()   release the lock, free everything
 *
 * Not here: argument parsing and printing (the programs), the algorithm
 * (train.c), the file format (results.c), sweeps (sweep.c).
 */
#ifndef NN_RUN_H
#define NN_RUN_H

#include <stddef.h>

#include "data.h"
#include "error.h"
#include "fsutil.h"
#include "lock.h"
#include "results.h"
#include "spec.h"
#include "train.h"

/* Bytes of a run name, NUL included.  Longer names are cut and end with a
 * hash of the whole text, so that NAME.h5.tmp~HOST~PID fits a file name. */
#define RUN_NAME_MAX 161
#define RUN_PATH_MAX FS_PATH_MAX  /* bytes of a results file's path, NUL included */

/* Joins prefix (may be empty) and the assignments "key=value" (n of them,
 * sorted here by key) with ',' into a file name: characters outside
 * [A-Za-z0-9._,=+-] are escaped as %XX, and so are ',' and '=' within a
 * key or a value (only the separators are literal); a name longer than RUN_NAME_MAX - 1
 * is cut and ends with "+h" and 12 hex digits of a hash of the whole text.
 * "regularized" + {"train.lr=1"} -> "regularized,train.lr=1". */
void run_name_join(const char *prefix, const char *const *assignments, size_t n, char *buf,
                   size_t size);

/* True for keys that cannot change a result (train.threads, output.dir) and
 * are left out of run names and of spec comparisons. */
int run_key_ignored(const char *key);

/* Loads spec_file, applies the n overrides "key=value" in order, and names
 * the run: the spec's name when the overrides change nothing, else the name
 * followed by each changed key's canonical "key=value" (sorted; ignored keys
 * left out); name=... sets the name outright.  name has RUN_NAME_MAX bytes. */
int run_spec(spec *s, const char *spec_file, char *const *overrides, size_t n, char *name,
             nn_error *err);

/* How run_open() found the results file. */
enum run_start {
  RUN_FRESH,      /* no file (or --force): a new run */
  RUN_RESUME,     /* an unfinished run of the same spec: continue it, on the
                     BLAS threads it started with (results are bit-identical
                     per thread count) */
  RUN_UP_TO_DATE, /* a complete (or diverged) run of the same spec: nothing to do */
};

typedef struct run {
  char path[RUN_PATH_MAX];   /* the results file */
  enum run_start start;
  results r;                 /* the run: new, or read back from path */
  dataset train, test;       /* the data, loaded by run_open() unless up to date */
  lock lk;                   /* held from run_open() to run_close() */
} run;

/* Flags of run_open(). */
enum {
  RUN_FORCE = 1,     /* replace any file at path (--force) */
  RUN_MAKE_DIR = 2,  /* create path's folder (output.dir) once the data are valid;
                        without it a missing folder is bad input (-o) */
};

/* Whether path can be a results file's: it, its lock's name and its
 * temporary file's name (PATH.tmp~HOST~PID) fit in PATH_MAX, and their file
 * names in NAME_MAX (with room for any pid, so a dry run agrees).  NN_BADINPUT
 * with a message that names it (cut to its start when long) and the limit. */
int run_check_path(const char *path, nn_error *err);

/* Takes the lock of path for program, then decides: no file -> fresh; a file
 * of the same spec (ignored keys aside) -> resume when running or interrupted,
 * up to date when complete or diverged (no data is loaded then); anything
 * else is refused with NN_BADINPUT unless RUN_FORCE.  Loads and checks the
 * data, and for a fresh run shuffles, splits and initializes (train_begin). */
int run_open(run *u, const spec *s, const char *path, int flags, const char *program,
             nn_error *err);

/* What run_open() would decide, for --dry-run: the same refusals with the
 * same status and message (path too long, no folder or one that cannot be
 * created or written, a lock held by a running writer, a file that is not
 * ours, another spec), and else u->start (u->r is the file's run when it
 * would resume).  Under an address-space limit (ulimit -v) it loads and
 * checks the data as run_open() does (unless up to date), with its
 * refusals, so that run_check_room() weighs the same run; else it loads no
 * data.  Takes no lock, writes nothing; run_close() frees u. */
int run_dry_open(run *u, const spec *s, const char *path, int flags, nn_error *err);

/* Records versions, host, threads and command_line (borrowed, may be NULL),
 * and trains the remaining epochs,
 * writing u->path atomically after each and at the end (status complete,
 * diverged or interrupted; see train_run()).  Removes the temporary files of
 * u->path left by killed writers first: only the lock holder does that. */
int run_train(run *u, long threads, const char *command_line, const train_hooks *hooks,
              nn_error *err);

/* Bytes OpenBLAS maps for each thread's buffer, the main thread's included:
 * BUFFER_SIZE (32 << 22 on x86_64, common_x86_64.h) and a page. */
#define RUN_BLAS_BUFFER (((size_t)128 << 20) + 4096)
/* Room kept for what run_check_memory() does not count: HDF5, the C
 * library's arenas, small allocations. */
#define RUN_MEMORY_MARGIN ((size_t)48 << 20)

/* Whether the address-space limit (RLIMIT_AS, ulimit -v), if any, leaves
 * room for more bytes (train_memory()) and an eighth more, the margin, and
 * what the BLAS library maps on threads threads, beyond what is mapped now.
 * Call it before cli_set_threads() starts the threads: OpenBLAS retries a
 * buffer that does not fit forever, so a run that cannot fit must stop
 * before.  NN_FAIL "the address-space limit (ulimit -v KIB) is too small:
 * this run needs about N MiB (...); raise it to ulimit -v KIB or more". */
int run_check_memory(long threads, size_t more, nn_error *err);

/* run_check_memory() for training u's run, opened by run_open() or
 * run_dry_open(), on its train.threads (0: one per core): what nnrun checks
 * before the BLAS threads start, and --dry-run too.  NN_OK when no data
 * was loaded (a dry run without a limit). */
int run_check_room(const run *u, nn_error *err);

/* The CBLAS linked in, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Zen MAX_THREADS=64". */
const char *run_blas_name(void);

/* Releases the lock and frees u; accepts a zeroed or closed run. */
void run_close(run *u);

/* What a listing shows of a results file. */
enum run_kind {
  RUN_PENDING,     /* no file */
  RUN_RUNNING,     /* status running, lock held: owner says who */
  RUN_KILLED,      /* status running, lock free: killed after epochs_done */
  RUN_INTERRUPTED,
  RUN_COMPLETE,
  RUN_DIVERGED,
  RUN_OTHER_SPEC,  /* a results file of another spec than the one wanted: why says
                      which keys differ */
  RUN_UNREADABLE,  /* not a readable results file: why says so */
};

typedef struct run_state {
  enum run_kind kind;
  long epochs_done, epochs;  /* completed and planned epochs */
  int has_test;
  double test_accuracy;
  lock_owner owner;          /* RUN_RUNNING */
  char why[NN_ERROR_MAX];    /* RUN_UNREADABLE, RUN_OTHER_SPEC */
} run_state;

/* Reads the state of the results file at path (summary only, no weights).
 * A held lock wins over what the file says (a writer is at work: a resume
 * still loading, nneval storing /test); a file whose spec differs from want
 * (when not NULL; ignored keys aside) is RUN_OTHER_SPEC. */
void run_inspect(const char *path, const spec *want, run_state *st);

/* "pending", "running on node7 (pid 12, since 10:02:11), epoch 3/30",
 * "being written by nneval on node7 (pid 12, since 10:02:11)",
 * "another spec (train.lr: 5 in the file, 1 now)",
 * "killed after epoch 3", "interrupted after epoch 3", "complete",
 * "diverged in epoch 4", "unreadable: WHY". */
void run_state_text(const run_state *st, char *buf, size_t n);

#endif
