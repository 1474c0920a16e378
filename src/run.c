/* run.c: the life of one run (see run.h) -- naming, the lock, the decision
 * to start, resume or stop as up to date, and the checkpoint writes.
 * Not here: the algorithm (train.c), the file format (results.c), printing. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_version.h>
#include <hdf5.h>

#include "fsutil.h"
#include "run.h"

#ifndef NAME_MAX
#define NAME_MAX 255
#endif

#ifdef HAVE_OPENBLAS_GET_CONFIG
char *openblas_get_config(void);
#endif

/* ------------------------------------------------------------------ names */

int run_key_ignored(const char *key) {
  return strcmp(key, "train.threads") == 0 || strcmp(key, "output.dir") == 0;
}

static int by_key(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  size_t lx = strcspn(x, "="), ly = strcspn(y, "=");
  int c = strncmp(x, y, lx < ly ? lx : ly);
  return c ? c : (lx > ly) - (lx < ly);
}

static int plain_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         strchr("._,=+-", c) != NULL;
}

/* Appends s to buf[*o..cap) with %XX escapes, of the characters in also
 * too; a name never starts with '.' or '-' either (escaped too), so it is
 * neither hidden nor an option. */
static void put_escaped(char *buf, size_t cap, size_t *o, const char *s, const char *also) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    const int lead = *o == 0 && (*p == '.' || *p == '-');
    if (plain_char(*p) && !lead && !strchr(also, *p)) {
      if (*o + 1 < cap) buf[(*o)++] = (char)*p;
    } else if (*o + 3 < cap) {
      *o += (size_t)snprintf(buf + *o, cap - *o, "%%%02X", *p);
    }
  }
  buf[*o < cap ? *o : cap - 1] = '\0';
}

void run_name_join(const char *prefix, const char *const *assignments, size_t n, char *buf,
                   size_t size) {
  const char **sorted = n ? malloc(n * sizeof *sorted) : NULL;
  if (n && !sorted) n = 0; /* out of memory: the prefix alone */
  if (n) memcpy(sorted, assignments, n * sizeof *sorted);
  if (n) qsort(sorted, n, sizeof *sorted, by_key);
  /* the whole escaped text first, then cut to size if needed */
  size_t cap = 16, need = strlen(prefix) * 3 + 2;
  for (size_t i = 0; i < n; i++) need += strlen(sorted[i]) * 3 + 2;
  cap += need;
  char *full = malloc(cap);
  if (!full) {
    snprintf(buf, size, "%s", "run");
    free(sorted);
    return;
  }
  size_t o = 0;
  full[0] = '\0';
  put_escaped(full, cap, &o, prefix, "");
  for (size_t i = 0; i < n; i++) {
    if (o) full[o++] = ',', full[o] = '\0';
    /* key=value: ',' and '=' of the value escaped, so that the separators
     * alone are literal and two specs never share a name */
    const char *eq = strchr(sorted[i], '=');
    char key[256];
    snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - sorted[i]) : 255, sorted[i]);
    put_escaped(full, cap, &o, key, ",=");
    if (eq) {
      full[o++] = '=', full[o] = '\0';
      put_escaped(full, cap, &o, eq + 1, ",=");
    }
  }
  if (o < size) {
    memcpy(buf, full, o + 1);
  } else {
    /* FNV-1a over the whole text names it; the cut never splits a %XX */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < o; i++) h = (h ^ (unsigned char)full[i]) * 1099511628211ULL;
    size_t keep = size - 1 - 14;
    if (keep >= 1 && full[keep - 1] == '%') keep -= 1;
    else if (keep >= 2 && full[keep - 2] == '%') keep -= 2;
    snprintf(buf, size, "%.*s+h%012llx", (int)keep, full,
             (unsigned long long)(h & 0xffffffffffffULL));
  }
  free(full);
  free(sorted);
}

int run_spec(spec *s, const char *spec_file, char *const *overrides, size_t n, char *name,
             nn_error *err) {
  int rc = spec_load_file(s, spec_file, err);
  if (rc) return rc;
  spec base = *s;
  int named = 0;
  for (size_t i = 0; i < n; i++) {
    if ((rc = spec_override(s, overrides[i], err))) return rc;
    if (strncmp(overrides[i], "name=", 5) == 0) named = 1;
  }
  if ((rc = spec_check(s, err))) return rc; /* between keys: on the spec that runs */
  if (named) {
    snprintf(name, RUN_NAME_MAX, "%s", s->name);
    return NN_OK;
  }
  /* the keys whose value the overrides changed, as canonical key=value */
  char texts[SPEC_NKEYS][SPEC_PATH_MAX + 64];
  const char *changed[SPEC_NKEYS];
  size_t k = 0;
  for (size_t i = 0; i < spec_nkeys(); i++) {
    const char *key = spec_key_path(i);
    if (strcmp(key, "name") == 0 || run_key_ignored(key)) continue;
    char a[SPEC_PATH_MAX], b[SPEC_PATH_MAX];
    spec_key_text(&base, i, a, sizeof a);
    spec_key_text(s, i, b, sizeof b);
    if (strcmp(a, b) == 0) continue;
    snprintf(texts[k], sizeof texts[k], "%s=%s", key, b);
    changed[k] = texts[k];
    k++;
  }
  run_name_join(s->name, changed, k, name, RUN_NAME_MAX);
  return NN_OK;
}

/* ------------------------------------------------------------- open a run */

/* "key: THERE in the file, HERE now; ..." for the keys whose values differ
 * (ignored keys aside); empty when the specs are the same run. */
static void spec_differences(const spec *there, const spec *here, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < spec_nkeys() && used < n; i++) {
    if (run_key_ignored(spec_key_path(i))) continue;
    char a[SPEC_PATH_MAX], b[SPEC_PATH_MAX];
    spec_key_text(there, i, a, sizeof a);
    spec_key_text(here, i, b, sizeof b);
    if (strcmp(a, b) != 0) {
      int k = snprintf(buf + used, n - used, "%s%s: %s in the file, %s now", used ? "; " : "",
                       spec_key_path(i), a, b);
      if (k < 0) break;
      used += (size_t)k;
    }
  }
}

static int load_data(run *u, nn_error *err) {
  const spec *s = &u->r.spec;
  int rc = data_load(&u->train, s->data.dir, s->data.format, DATA_TRAIN, err);
  return rc ? rc : data_load(&u->test, s->data.dir, s->data.format, DATA_TEST, err);
}

/* Every label indexes one of the model's outputs (the data loader accepts
 * any byte). */
static int check_labels(run *u, nn_error *err) {
  int rc = data_check_labels(&u->train, u->r.model.k, err);
  return rc ? rc : data_check_labels(&u->test, u->r.model.k, err);
}

/* Decides what to do with the file at u->path (we hold its lock). */
static int examine(run *u, int force, nn_error *err) {
  const char *path = u->path;
  struct stat st;
  u->start = RUN_FRESH;
  if (lstat(path, &st) != 0) {
    if (errno == ENOENT) return NN_OK;
    return nn_error_set(err, NN_FAIL, "cannot write %s: %s", path, strerror(errno));
  }
  if (S_ISDIR(st.st_mode))
    return nn_error_set(err, NN_BADINPUT, "cannot write %s: it is a directory", path);
  /* nnrun replaces its own results files (damaged ones included) and empty
   * files, never anything else, --force or not: a link, a FIFO, a device or
   * someone's notes at the output path is a mistake to report */
  if (!S_ISREG(st.st_mode))
    return nn_error_set(err, NN_BADINPUT,
                        "%s exists and is not a regular file (a link, FIFO or device); nnrun "
                        "never replaces one, even with --force: remove it or use -o to write "
                        "elsewhere",
                        path);
  nn_error probe = {0};
  results old;
  /* read whole: a damaged file is never "up to date", and an unfinished one
   * is the run to continue */
  if (results_read(&old, path, &probe) != NN_OK) {
    char status[32];
    nn_error ignored = {0};
    const int ours = st.st_size == 0 || results_read_status(path, status, sizeof status,
                                                            &ignored) == NN_OK;
    if (force && ours) return NN_OK;
    if (ours)
      return nn_error_set(err, NN_BADINPUT,
                          "%s exists but cannot be read as an nnrun results file (%s); use "
                          "--force to replace it or -o to write elsewhere",
                          path, probe.msg);
    return nn_error_set(err, NN_BADINPUT,
                        "%s exists and is not an nnrun results file (%s); nnrun never "
                        "replaces other files, even with --force: remove it or use -o to "
                        "write elsewhere",
                        path, probe.msg);
  }
  char diff[NN_ERROR_MAX / 2];
  spec_differences(&old.spec, &u->r.spec, diff, sizeof diff);
  const int finished = strcmp(old.status, "complete") == 0 || strcmp(old.status, "diverged") == 0;
  int rc = NN_OK;
  if (force) {
    /* replaced whatever it holds */
  } else if (diff[0]) {
    rc = nn_error_set(err, NN_BADINPUT,
                      "%s holds %s run of another spec (%s); use --force to %s or -o to write "
                      "elsewhere",
                      path, finished ? (old.status[0] == 'c' ? "a complete" : "a diverged")
                                     : "an unfinished",
                      diff, finished ? "replace it" : "start over");
  } else if (finished) {
    u->start = RUN_UP_TO_DATE;
    snprintf(u->r.status, sizeof u->r.status, "%s", old.status);
  } else if (fs_read_only(path, &st)) {
    /* someone made it read-only: it is not ours to rewrite unless asked */
    rc = nn_error_set(err, NN_BADINPUT,
                      "%s holds an unfinished run but is read-only (mode %04o); make it "
                      "writable (chmod u+w) to resume it, or use --force to replace it",
                      path, (unsigned)(st.st_mode & 07777));
  } else {
    /* An unfinished run of this spec: continue it.  output.dir is today's;
     * the threads stay the run's own, so that it ends bit-identical to a
     * run never stopped (BLAS sums depend on the count) */
    snprintf(old.spec.output.dir, sizeof old.spec.output.dir, "%s", u->r.spec.output.dir);
    if (old.threads > 0) old.spec.train.threads = old.threads;
    results_free(&u->r);
    u->r = old;
    u->start = RUN_RESUME;
    return NN_OK;
  }
  results_free(&old);
  return rc;
}

/* Bytes that the names next to a results file add to its name: the
 * temporary file's ".tmp~HOST~PID" with the host's real name and room for the
 * widest pid (7 digits: Linux's pid_max is at most 4194304), so that a dry run
 * and the real run, with other pids, agree; at least ".lock"'s. */
static size_t name_suffix(void) {
  char tmp[FS_PATH_MAX];
  if (results_temp_name("", tmp, sizeof tmp) != 0) return 0;
  const size_t len = strlen(tmp);
  const size_t pid = (size_t)snprintf(NULL, 0, "%ld", (long)getpid());
  const size_t more = len - pid + (pid > 7 ? pid : 7);
  return more > sizeof ".lock" - 1 ? more : sizeof ".lock" - 1;
}

int run_check_path(const char *path, nn_error *err) {
  char tmp[FS_PATH_MAX];
  const size_t len = strlen(path);
  if (results_temp_name(path, tmp, sizeof tmp) != 0 || len + sizeof ".lock" > FS_PATH_MAX) {
    const size_t more = results_temp_name("", tmp, sizeof tmp) == 0 ? strlen(tmp) : 0;
    return nn_error_set(err, NN_BADINPUT,
                        "%.*s%s: a path of %zu bytes is too long for a results file: with its "
                        "temporary file's suffix (%zu bytes more) it must fit in %d bytes "
                        "(PATH_MAX, the end included)",
                        len > 200 ? 200 : (int)len, path, len > 200 ? "..." : "", len, more,
                        FS_PATH_MAX);
  }
  const size_t name = strlen(fs_basename(path)), suffix = name_suffix();
  if (name + suffix > NAME_MAX)
    return nn_error_set(err, NN_BADINPUT,
                        "%.*s%s: a file name of %zu bytes is too long for a results file: with "
                        "its temporary file's suffix .tmp~HOST~PID (%zu bytes on this host) or "
                        ".lock it must fit in %d bytes (NAME_MAX): at most %zu bytes",
                        len > 200 ? 200 : (int)len, path, len > 200 ? "..." : "", name, suffix,
                        NAME_MAX, NAME_MAX > suffix ? NAME_MAX - suffix : 0);
  return NN_OK;
}

/* Once examine() decided: the data loaded (unless begun did it) and checked
 * against the run, a fresh run begun (split, initialized). */
static int prepare(run *u, int begun, nn_error *err) {
  int rc;
  if (u->start == RUN_UP_TO_DATE) return NN_OK;
  if (!u->train.x && (rc = load_data(u, err))) return rc;
  if (u->start == RUN_RESUME) rc = train_check_data(&u->r, &u->train, &u->test, err);
  else if (!begun) rc = train_begin(&u->r, &u->train, &u->test, err);
  return rc ? rc : check_labels(u, err);
}

/* What run_open() and run_dry_open() begin with: u empty but for the spec,
 * path checked and kept, and dir its folder. */
static int open_begin(run *u, const spec *s, const char *path, char dir[RUN_PATH_MAX],
                      nn_error *err) {
  memset(u, 0, sizeof *u);
  u->lk.fd = -1;
  results_init(&u->r);
  u->r.spec = *s;
  int rc = run_check_path(path, err);
  if (rc) return rc;
  snprintf(u->path, sizeof u->path, "%s", path);
  fs_dirname(path, dir, RUN_PATH_MAX);
  return NN_OK;
}

int run_open(run *u, const spec *s, const char *path, int flags, const char *program,
             nn_error *err) {
  char dir[RUN_PATH_MAX];
  int rc = open_begin(u, s, path, dir, err);
  if (rc) return rc;
  struct stat st;
  int begun = 0;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (!(flags & RUN_MAKE_DIR))
      return nn_error_set(err, NN_BADINPUT, "cannot write %s: no such directory %s", path, dir);
    /* No folder, no file: a fresh run, and only a valid one creates
     * output.dir, so the data and the spec's checks against them come first. */
    if ((rc = load_data(u, err)) || (rc = train_begin(&u->r, &u->train, &u->test, err)) ||
        (rc = check_labels(u, err)) || (rc = fs_make_dirs(dir, "output.dir", err)))
      return rc;
    begun = 1;
  }
  if ((rc = lock_take(&u->lk, path, program, err))) return rc;
  if ((rc = examine(u, flags & RUN_FORCE, err))) return rc;
  return prepare(u, begun, err);
}

/* Whether a file can be created in dir, or (make) dir created with its
 * parents: the checks of fs_make_dirs() and of a write, made without them. */
static int dry_check_dir(const char *path, const char *dir, int make, nn_error *err) {
  struct stat st;
  if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (access(dir, W_OK | X_OK) != 0)
      return nn_error_set(err, NN_FAIL, "cannot write %s: the folder %s is not writable (%s)",
                          path, dir, strerror(errno));
    return NN_OK;
  }
  if (!make)
    return nn_error_set(err, NN_BADINPUT, "cannot write %s: no such directory %s", path, dir);
  /* fs_make_dirs() step by step, without the mkdir()s: the first part that
   * is missing must be creatable in its parent */
  char part[RUN_PATH_MAX], parent[RUN_PATH_MAX];
  snprintf(part, sizeof part, "%s", dir);
  for (char *p = part + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    const char c = *p;
    *p = '\0';
    if (stat(part, &st) != 0) {
      if (errno != ENOENT)
        return nn_error_set(err, errno == ENOTDIR ? NN_BADINPUT : NN_FAIL,
                            "output.dir: cannot create %s: %s", part, strerror(errno));
      fs_dirname(part, parent, sizeof parent);
      if (access(parent, W_OK | X_OK) != 0)
        return nn_error_set(err, NN_FAIL, "output.dir: cannot create %s: %s", part,
                            strerror(errno));
      return NN_OK; /* the rest is made inside the part we make */
    }
    *p = c;
    if (c == '\0') break;
  }
  return nn_error_set(err, NN_BADINPUT, "output.dir: %s is not a directory", dir);
}

int run_dry_open(run *u, const spec *s, const char *path, int flags, nn_error *err) {
  char dir[RUN_PATH_MAX];
  int rc = open_begin(u, s, path, dir, err);
  if (rc) return rc;
  if ((rc = dry_check_dir(path, dir, flags & RUN_MAKE_DIR, err))) return rc;
  lock_owner o;
  if (lock_held(path, &o) == 1) {
    char who[600];
    lock_owner_text(&o, who, sizeof who);
    return nn_error_set(err, NN_BADINPUT, "%s is being written by %s", path, who);
  }
  if ((rc = examine(u, flags & RUN_FORCE, err))) return rc;
  /* Under an address-space limit, the data as the run would load and check
   * it, so that run_check_room() weighs the run's own buffers (sparse or
   * dense by the data's density) and mapped memory. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) return prepare(u, 0, err);
  return NN_OK;
}

/* ------------------------------------------------------------------ train */

/* The versions of the libraries, the host, the start time and the threads. */
static void describe(results *r, long threads) {
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  snprintf(r->nnrun_version, sizeof r->nnrun_version, "%s", PACKAGE_VERSION);
  snprintf(r->hdf5_version, sizeof r->hdf5_version, "%u.%u.%u", maj, min, rel);
  snprintf(r->gsl_version, sizeof r->gsl_version, "%s", gsl_version);
  snprintf(r->blas, sizeof r->blas, "%s", run_blas_name());
  if (gethostname(r->host, sizeof r->host) != 0) snprintf(r->host, sizeof r->host, "unknown");
  r->host[sizeof r->host - 1] = '\0';
  train_utc_now(r->created, sizeof r->created);
  r->threads = threads;
}

const char *run_blas_name(void) {
  static char name[RESULTS_TEXT_MAX];
#ifdef HAVE_OPENBLAS_GET_CONFIG
  /* "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64 " */
  snprintf(name, sizeof name, "%s", openblas_get_config());
#else
  snprintf(name, sizeof name, "%s", NN_CBLAS_NAME);
#endif
  size_t n = strlen(name);
  while (n > 0 && name[n - 1] == ' ') name[--n] = '\0';
  return name;
}

/* The run layer's checkpoint hook, and the caller's hooks around it. */
typedef struct saver {
  const run *u;
  const train_hooks *user;
  int failed;            /* the last error came from a write */
} saver;

static int save_hook(const results *r, void *ctx, nn_error *err) {
  saver *sv = ctx;
  int rc = results_write(r, sv->u->path, err);
  sv->failed = rc != NN_OK;
  return rc;
}

static void epoch_hook(const results *r, void *ctx) {
  saver *sv = ctx;
  if (sv->user && sv->user->epoch_done) sv->user->epoch_done(r, sv->user->ctx);
}

static void batch_hook(const results *r, long epoch, size_t batch, size_t nbatches, void *ctx) {
  saver *sv = ctx;
  if (sv->user && sv->user->batch_done)
    sv->user->batch_done(r, epoch, batch, nbatches, sv->user->ctx);
}

int run_train(run *u, long threads, const char *command_line, const train_hooks *hooks,
              nn_error *err) {
  if (u->lk.fd < 0) return nn_error_set(err, NN_FAIL, "%s: not locked", u->path);
  results_remove_temporaries(u->path);
  char created[RESULTS_TEXT_MAX];
  snprintf(created, sizeof created, "%s", u->r.created);
  describe(&u->r, threads);
  if (u->start == RUN_RESUME && created[0])
    snprintf(u->r.created, sizeof u->r.created, "%s", created);
  free(u->r.command_line);
  u->r.command_line = command_line ? strdup(command_line) : NULL;
  saver sv = {.u = u, .user = hooks};
  train_hooks h = {.save = save_hook,
                   .epoch_done = epoch_hook,
                   .batch_done = hooks && hooks->batch_done ? batch_hook : NULL,
                   .ctx = &sv,
                   .stop = hooks ? hooks->stop : NULL,
                   .progress = hooks ? hooks->progress : NULL,
                   .saving = hooks ? hooks->saving : NULL};
  int rc = train_run(&u->r, &u->train, &u->test, &h, err);
  if (rc && !sv.failed) nn_error_prefix(err, "%s", u->path);
  return rc;
}

void run_close(run *u) {
  if (!u) return;
  lock_release(&u->lk);
  data_free(&u->train);
  data_free(&u->test);
  results_free(&u->r);
  u->lk.fd = -1;
}

/* ----------------------------------------------------------- address space */

/* The address space mapped now: the first field of /proc/self/statm, in
 * pages.  0 when unknown. */
/* What the process has mapped now, as the kernel counts it against
 * RLIMIT_AS (field 1 of /proc/self/statm, the whole size) or RLIMIT_DATA
 * (field 6, private writable maps and the stack): 0 when unknown. */
static size_t mapped_now(int data) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long v[6] = {0};
  if (!f) return 0;
  if (fscanf(f, "%lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
    v[0] = v[5] = 0;
  fclose(f);
  const long page = sysconf(_SC_PAGESIZE);
  return (size_t)(data ? v[5] : v[0]) * (size_t)(page > 0 ? page : 4096);
}

/* What the BLAS library maps for threads threads: OpenBLAS maps a buffer
 * per thread as the thread starts (the main thread's at its first product),
 * and every thread but the main one has a stack. */
static size_t blas_bytes(long threads) {
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  struct rlimit st;
  size_t stack = (size_t)32 << 20; /* glibc's default without a stack limit */
  if (getrlimit(RLIMIT_STACK, &st) == 0 && st.rlim_cur != RLIM_INFINITY) stack = st.rlim_cur;
  if (threads < 1) threads = 1;
  return (size_t)threads * RUN_BLAS_BUFFER + (size_t)(threads - 1) * (stack + 4096);
#else
  (void)threads;
  return 0;
#endif
}

#define MIB(x) (((x) + ((size_t)1 << 20) - 1) >> 20)

int run_check_memory(long threads, size_t more, nn_error *err) {
  /* ulimit -v bounds the whole address space; ulimit -d the private
   * writable maps (since Linux 4.7), where all of a run's buffers live */
  static const struct {
    int resource, data;
    const char *what, *flag;
  } limits[] = {{RLIMIT_AS, 0, "address-space", "-v"}, {RLIMIT_DATA, 1, "data-segment", "-d"}};
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    struct rlimit rl;
    if (getrlimit(limits[i].resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) continue;
    const size_t limit = (size_t)rl.rlim_cur, used = mapped_now(limits[i].data);
    const size_t ours = more + more / 8 + RUN_MEMORY_MARGIN, blas = blas_bytes(threads);
    const size_t need = used + ours + blas;
    if (need <= limit) continue;
    /* what is mapped grows a little with the room a limit leaves (the C
     * library and HDF5 map more when they can): ask for whole 64 MiB */
    const size_t ask = (MIB(need) + 63) / 64 * 64;
    char fewer[96] = "";
    if (threads > 1 && used + ours + blas_bytes(1) <= limit)
      snprintf(fewer, sizeof fewer, ", or use 1 BLAS thread (--threads 1)");
    return nn_error_set(err, NN_FAIL,
                        "the %s limit (ulimit %s %zu) is too small: this run needs "
                        "about %zu MiB (%zu MiB mapped now, %zu MiB for its buffers, %zu MiB for "
                        "%ld BLAS thread%s); raise it to ulimit %s %zu or more%s",
                        limits[i].what, limits[i].flag, limit >> 10, MIB(need), MIB(used),
                        MIB(ours), MIB(blas), threads, threads == 1 ? "" : "s", limits[i].flag,
                        ask << 10, fewer);
  }
  return NN_OK;
}

int run_check_room(const run *u, nn_error *err) {
  if (!u->train.x) return NN_OK; /* a dry run without a limit loads no data */
  const long cores = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
  const long threads = u->r.spec.train.threads > 0 ? u->r.spec.train.threads : cores;
  return run_check_memory(threads, train_memory(&u->r, &u->train, &u->test, 1), err);
}

/* ---------------------------------------------------------------- inspect */

void run_inspect(const char *path, const spec *want, run_state *st) {
  memset(st, 0, sizeof *st);
  struct stat sb;
  const int held = lock_held(path, &st->owner) == 1;
  if (lstat(path, &sb) != 0) {
    st->kind = held ? RUN_RUNNING : errno == ENOENT ? RUN_PENDING : RUN_UNREADABLE;
    if (st->kind == RUN_UNREADABLE) snprintf(st->why, sizeof st->why, "%s", strerror(errno));
    return;
  }
  if (!S_ISREG(sb.st_mode)) {
    st->kind = RUN_UNREADABLE;
    snprintf(st->why, sizeof st->why, "not a regular file");
    return;
  }
  results r;
  nn_error err = {0};
  if (results_read_summary(&r, path, &err) != NN_OK) {
    st->kind = RUN_UNREADABLE;
    snprintf(st->why, sizeof st->why, "%s", err.msg);
    return;
  }
  st->epochs_done = (long)r.epochs_done;
  st->epochs = r.spec.train.epochs;
  st->has_test = r.has_test;
  st->test_accuracy = r.test_accuracy;
  if (held) st->kind = RUN_RUNNING;
  else if (want && (spec_differences(&r.spec, want, st->why, sizeof st->why), st->why[0]))
    st->kind = RUN_OTHER_SPEC;
  else if (strcmp(r.status, "complete") == 0) st->kind = RUN_COMPLETE;
  else if (strcmp(r.status, "diverged") == 0) st->kind = RUN_DIVERGED;
  else if (strcmp(r.status, "interrupted") == 0) st->kind = RUN_INTERRUPTED;
  else st->kind = RUN_KILLED;
  results_free(&r);
}

void run_state_text(const run_state *st, char *buf, size_t n) {
  switch (st->kind) {
  case RUN_PENDING: snprintf(buf, n, "pending"); break;
  case RUN_RUNNING: {
    char who[600];
    snprintf(who, sizeof who, "%s (pid %ld, since %s)", st->owner.host, st->owner.pid,
             st->owner.since);
    if (strcmp(st->owner.program, "nnrun") != 0)
      snprintf(buf, n, "being written by %s on %s", st->owner.program, who);
    else
      snprintf(buf, n, "running on %s, epoch %ld/%ld", who, st->epochs_done, st->epochs);
    break;
  }
  case RUN_OTHER_SPEC: snprintf(buf, n, "another spec (%s)", st->why); break;
  case RUN_KILLED: snprintf(buf, n, "killed after epoch %ld", st->epochs_done); break;
  case RUN_INTERRUPTED: snprintf(buf, n, "interrupted after epoch %ld", st->epochs_done); break;
  case RUN_COMPLETE: snprintf(buf, n, "complete"); break;
  case RUN_DIVERGED: snprintf(buf, n, "diverged in epoch %ld", st->epochs_done + 1); break;
  case RUN_UNREADABLE: snprintf(buf, n, "unreadable: %s", st->why); break;
  }
}
