/* nnsweep: run every point of a sweep file -- here (-j N child processes),
 * as one task of a Slurm job array (--task), by submitting the array
 * (--slurm) or under MPI (--mpi) -- and list their state (--list).
 * Argument handling, processes and printing only; the sweep file is sweep.c,
 * a point's life is nnrun's (run.c), the MPI farm is farm.c.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "farm.h"
#include "fsutil.h"
#include "run.h"
#include "sweep.h"
#include "text.h"

static const char *prog = "nnsweep";

static void usage(FILE *f) {
  fprintf(f,
          "Usage: nnsweep [OPTIONS] SWEEP.yaml [-- SBATCH ARGS]\n"
          "Run every point of a sweep (the base spec, set:, and the point's values) as an\n"
          "nnrun child process, each into OUTPUT.DIR/POINT.h5.  Running the sweep again\n"
          "resumes it: complete and diverged points are skipped, killed and interrupted\n"
          "ones resume from their last epoch, failed ones are retried.\n"
          "\n"
          "Options:\n"
          "  -n, --list        list every point: index, status, test accuracy, values, file;\n"
          "                    runs nothing\n"
          "  -j, --jobs N      N runs at once (default: one per core); BLAS threads per\n"
          "                    run = cores / N unless the sweep sets train.threads\n"
          "      --task [I]    run point I only (default: $SLURM_ARRAY_TASK_ID)\n"
          "      --slurm       submit the pending points as one Slurm job array (throttled\n"
          "                    to -j N when given; requeued on preemption; a run told to\n"
          "                    stop saves as interrupted and is requeued; logs in\n"
          "                    OUTPUT.DIR/logs); prints the job id.  Arguments after --\n"
          "                    go to sbatch\n"
          "      --print       with --slurm: write the batch script, print its path and the\n"
          "                    sbatch command, submit nothing\n"
          "      --mpi         under mpirun or srun: rank 0 hands points to the other\n"
          "                    ranks; each runs nnrun as a child\n"
          "  -r, --retries R   retry a failed point up to R times (default 0); diverged is\n"
          "                    a result, not a failure\n"
          "  -q, --quiet       print errors only\n"
          "  -h, --help        show this help\n"
          "  -V, --version     show the version\n"
          "\n"
          "Logs of each point's runs: OUTPUT.DIR/logs/POINT.log.\n"
          "Exit status: 0 every point complete or diverged, 1 a point failed or was\n"
          "interrupted, 2 bad sweep file or command line.\n");
}

typedef struct options {
  int list, slurm, print, mpi, quiet;
  long jobs;               /* 0: one per core */
  long task;               /* -1: not --task; -2: from SLURM_ARRAY_TASK_ID */
  long retries;
  char **sbatch_args;      /* after -- */
  int nsbatch;
} options;

/* ------------------------------------------------------------------ signals */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
  if (!stop_signal) stop_signal = sig;
}

static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  /* a closed output (nnsweep ... | head -1) must not kill the sweep half done
   * and without a word: as nnrun, writes to it fail with EPIPE and the sweep
   * goes on quietly; the children get SIGPIPE back (see child_defaults) */
  signal(SIGPIPE, SIG_IGN);
}

/* In a child before exec: the signals as a program expects them. */
static void child_defaults(void) {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ------------------------------------------------------------------- points */

typedef struct sweeper {
  sweep sw;
  const options *opt;
  char nnrun[4100];        /* the nnrun program beside us, or "nnrun" from PATH */
  char logs[SPEC_PATH_MAX + 8];
  long threads;            /* BLAS threads per run */
  const char *command;     /* this command line, quoted: the resume hint */
} sweeper;

/* This program's own path (for the Slurm script), or 0 when it cannot be
 * told. */
static int self_path(char *buf, size_t n) {
  ssize_t len = readlink("/proc/self/exe", buf, n - 1);
  if (len <= 0) return 0;
  buf[len] = '\0';
  return 1;
}

/* nnrun next to this program (the build tree or the install's bindir),
 * else the one on PATH. */
static void find_nnrun(char *buf, size_t n) {
  char self[4096];
  if (self_path(self, sizeof self)) {
    char dir[4000];
    fs_dirname(self, dir, sizeof dir);
    snprintf(buf, n, "%s/nnrun", dir);
    if (access(buf, X_OK) == 0) return;
  }
  snprintf(buf, n, "nnrun");
}

/* The state of point i's results file, checked against the point's spec. */
static void inspect(const sweeper *s, size_t i, run_state *st) {
  spec want;
  nn_error err = {0};
  const int ok = sweep_point_spec(&s->sw, i, &want, &err) == NN_OK;
  run_inspect(s->sw.points[i].path, ok ? &want : NULL, st);
}

/* "seed=3 train.lambda=0.0001" */
static void values_text(const sweep_point *p, char *buf, size_t n) {
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < p->nvalues && o < n; i++) {
    int k = snprintf(buf + o, n - o, "%s%s=%s", i ? " " : "", p->values[i]->key,
                     p->values[i]->text);
    if (k < 0) break;
    o += (size_t)k;
  }
}

static void log_path(const sweeper *s, size_t i, char *buf, size_t n) {
  snprintf(buf, n, "%s/%s.log", s->logs, s->sw.points[i].name);
}

/* The last failure recorded in point i's log: the line before nnsweep's
 * "exit N" trailer when N is not 0; empty when the last attempt did not
 * fail or there is no log. */
static void last_failure(const sweeper *s, size_t i, char *why, size_t n) {
  char path[SPEC_PATH_MAX + RUN_NAME_MAX + 32];
  why[0] = '\0';
  log_path(s, i, path, sizeof path);
  int fd = fs_open_plain(path, O_RDONLY | O_NOFOLLOW, 0);
  if (fd < 0) return;
  struct stat st;
  char tail[4097];
  ssize_t got = 0;
  if (fstat(fd, &st) == 0) {
    off_t from = st.st_size > 4096 ? st.st_size - 4096 : 0;
    got = pread(fd, tail, 4096, from);
  }
  close(fd);
  if (got <= 0) return;
  tail[got] = '\0';
  char *trailer = NULL;
  for (char *p = strstr(tail, "nnsweep: exit "); p; p = strstr(p + 1, "nnsweep: exit ")) trailer = p;
  if (!trailer || atoi(trailer + 14) == 0) return;
  /* the line before the trailer */
  char *end = trailer > tail ? trailer - 1 : tail;
  *end = '\0';
  char *start = strrchr(tail, '\n');
  start = start ? start + 1 : tail;
  text_escape(start, strlen(start), 1, why, n);
  if (!why[0]) snprintf(why, n, "exit %d", atoi(trailer + 14));
}

/* ------------------------------------------------------------- the child */

/* A point's log for appending: never through a link, never waiting on a
 * FIFO; -1 with errno (EINVAL: not a regular file). */
static int open_log(const char *path, int create) {
  int fd = fs_open_plain(path, O_WRONLY | O_APPEND | O_NOFOLLOW | create, 0644);
  if (fd < 0 && (errno == ELOOP || errno == EISDIR)) errno = EINVAL; /* a link, a folder */
  return fd;
}

/* Starts nnrun for point i with its output appended to the point's log;
 * the child's pid, or -1 with err filled. */
static pid_t start_point(const sweeper *s, size_t i, int attempt, nn_error *err) {
  char **args = NULL;
  size_t nargs = 0;
  if (sweep_point_args(&s->sw, i, &args, &nargs, err)) return -1;
  char threads[32], logp[SPEC_PATH_MAX + RUN_NAME_MAX + 32];
  snprintf(threads, sizeof threads, "%ld", s->threads);
  log_path(s, i, logp, sizeof logp);
  const size_t fixed = 8;
  char **argv = calloc(nargs + fixed + 1, sizeof *argv);
  if (!argv) {
    sweep_args_free(args, nargs);
    nn_error_set(err, NN_FAIL, "out of memory");
    return -1;
  }
  size_t a = 0;
  argv[a++] = (char *)s->nnrun;
  argv[a++] = (char *)"-q";
  argv[a++] = (char *)"--threads";
  argv[a++] = threads;
  argv[a++] = (char *)"-o";
  argv[a++] = s->sw.points[i].path;
  argv[a++] = (char *)s->sw.spec_file;
  for (size_t k = 0; k < nargs; k++) argv[a++] = args[k];
  argv[a] = NULL;
  int fd = open_log(logp, O_CREAT);
  if (fd < 0) {
    nn_error_set(err, errno == EINVAL ? NN_BADINPUT : NN_FAIL, "%s: cannot open the log: %s",
                 logp, errno == EINVAL ? "not a regular file" : strerror(errno));
    free(argv);
    sweep_args_free(args, nargs);
    return -1;
  }
  char *cmd = cli_command_line((int)a, argv);
  char stamp[32];
  train_utc_now(stamp, sizeof stamp);
  dprintf(fd, "nnsweep: %s attempt %d: %s\n", stamp, attempt + 1, cmd ? cmd : "nnrun ...");
  free(cmd);
  fflush(NULL);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    /* its own process group: a terminal's Ctrl-C reaches nnsweep alone, which
     * passes one TERM on; and a TERM when nnsweep dies */
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    child_defaults();
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    execvp(argv[0], argv);
    dprintf(fd, "nnsweep: cannot run %s: %s\nnnsweep: exit 2\n", argv[0], strerror(errno));
    _exit(127);
  }
  int saved = errno;
  close(fd);
  free(argv);
  sweep_args_free(args, nargs);
  if (pid < 0) nn_error_set(err, NN_FAIL, "cannot start nnrun: %s", strerror(saved));
  return pid;
}

/* Appends "nnsweep: exit N" to point i's log after its run ended. */
static void log_exit(const sweeper *s, size_t i, int status, int code) {
  char logp[SPEC_PATH_MAX + RUN_NAME_MAX + 32];
  log_path(s, i, logp, sizeof logp);
  int fd = open_log(logp, 0);
  if (fd < 0) return;
  /* the reason a listing shows: the line before the trailer */
  if (WIFSIGNALED(status))
    dprintf(fd, "nnsweep: nnrun was killed by signal %d (%s)\n", WTERMSIG(status),
            strsignal(WTERMSIG(status)));
  dprintf(fd, "nnsweep: exit %d\n", code);
  close(fd);
}

static int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status) == 127 ? 2 : WEXITSTATUS(status);
  return 1; /* killed by a signal */
}

/* How a finished run ended, from its exit code and its file. */
enum outcome { OUT_COMPLETE, OUT_DIVERGED, OUT_INTERRUPTED, OUT_ELSEWHERE, OUT_FAILED };

static enum outcome outcome_of(const sweeper *s, size_t i, int code, run_state *st) {
  inspect(s, i, st);
  /* our run has ended: a lock still held is another process's, which our
   * run found in its way (a second nnsweep, an nnrun by hand): no failure */
  if (st->kind == RUN_RUNNING) return OUT_ELSEWHERE;
  if (st->kind == RUN_COMPLETE) return OUT_COMPLETE;
  if (st->kind == RUN_DIVERGED) return OUT_DIVERGED;
  if (code != 0 && (st->kind == RUN_INTERRUPTED || st->kind == RUN_KILLED) && stop_signal)
    return OUT_INTERRUPTED;
  return OUT_FAILED;
}

/* ------------------------------------------------------------ reporting */

typedef struct tally {
  size_t total, complete, diverged, failed, interrupted, running, elsewhere;
  double start, busy;      /* busy: seconds of finished runs */
  size_t finished;         /* runs finished this session */
  int live;                /* the live line is on screen */
} tally;

static void clear_live(tally *t) {
  if (t->live) {
    fputs("\r\033[K", stdout);
    t->live = 0;
  }
}

/* One running child of the local scheduler. */
typedef struct slot {
  pid_t pid;
  size_t point;
  int attempt;
  double start;
} slot;

/* The live line.  The ETA comes from the runs finished in this session, or
 * before any has finished, from the running ones' epochs so far (their
 * files say how many are done). */
static void draw_live(const sweeper *s, tally *t, const slot *slots, long jobs, size_t queued) {
  const size_t done = t->complete + t->diverged;
  double per = t->finished ? t->busy / (double)t->finished : 0, left_running = 0;
  size_t estimates = 0;
  double sum = 0;
  for (long k = 0; k < jobs; k++) {
    if (!slots[k].pid) continue;
    run_state st;
    run_inspect(s->sw.points[slots[k].point].path, NULL, &st);
    const double elapsed = now() - slots[k].start;
    if (st.epochs > 0 && st.epochs_done > 0) {
      const double frac = (double)st.epochs_done / (double)st.epochs;
      sum += elapsed / frac;
      estimates++;
      left_running += elapsed / frac - elapsed;
    }
  }
  if (!per && estimates) per = sum / (double)estimates;
  char eta[32] = "?";
  if (per > 0) {
    long secs = (long)((per * (double)queued + left_running) / (double)(jobs > 0 ? jobs : 1) + 0.5);
    snprintf(eta, sizeof eta, "%ld:%02ld", secs / 60, secs % 60);
  }
  printf("\r\033[K%s: %zu/%zu done, %zu running, %zu failed  ETA %s", s->sw.name, done, t->total,
         t->running, t->failed, eta);
  fflush(stdout);
  t->live = 1;
}

static void report_point(const sweeper *s, tally *t, size_t i, enum outcome o,
                         const run_state *st, double secs) {
  if (s->opt->quiet && o != OUT_FAILED) return;
  clear_live(t);
  const sweep_point *p = &s->sw.points[i];
  char why[NN_ERROR_MAX];
  switch (o) {
  case OUT_COMPLETE:
    cli_printf(stdout, "[%zu/%zu] %s: complete, test accuracy %.4f (%.1f s)\n", t->complete + t->diverged,
                       t->total, p->name, st->test_accuracy, secs);
    break;
  case OUT_DIVERGED:
    cli_printf(stdout, "[%zu/%zu] %s: diverged in epoch %ld (%.1f s)\n", t->complete + t->diverged, t->total,
                       p->name, st->epochs_done + 1, secs);
    break;
  case OUT_INTERRUPTED:
    cli_printf(stdout, "%s: interrupted after epoch %ld\n", p->name, st->epochs_done);
    break;
  case OUT_ELSEWHERE:
    run_state_text(st, why, sizeof why);
    cli_printf(stdout, "%s: left alone: %s\n", p->name, why);
    break;
  case OUT_FAILED:
    last_failure(s, i, why, sizeof why);
    cli_printf(stderr, "%s: %s failed: %s (log: %s/%s.log)\n", prog, p->name,
               why[0] ? why : "no reason given", s->logs, p->name);
    break;
  }
  fflush(stdout);
}

/* ------------------------------------------------------------- the list */

static int list_points(const sweeper *s) {
  size_t counts[RUN_UNREADABLE + 2] = {0}; /* by kind, then failed */
  printf("%5s  %-36s  %8s  %s\n", "point", "status", "test_acc", "values -> file");
  for (size_t i = 0; i < s->sw.npoints; i++) {
    const sweep_point *p = &s->sw.points[i];
    run_state st;
    inspect(s, i, &st);
    char status[NN_ERROR_MAX + 64], why[NN_ERROR_MAX], values[1024], acc[16] = "-";
    run_state_text(&st, status, sizeof status);
    size_t bucket = st.kind;
    if (st.kind == RUN_PENDING) {
      last_failure(s, i, why, sizeof why);
      if (why[0]) {
        snprintf(status, sizeof status, "failed: %s", why);
        bucket = RUN_UNREADABLE + 1;
      }
    }
    counts[bucket]++;
    if (st.has_test) snprintf(acc, sizeof acc, "%.4f", st.test_accuracy);
    values_text(p, values, sizeof values);
    cli_printf(stdout, "%5zu  %-36s  %8s  %s -> %s\n", i, status, acc, values[0] ? values : "(base)",
                       p->path);
  }
  static const char *const names[] = {"pending",  "running",      "killed",
                                      "interrupted", "complete", "diverged",
                                      "another spec", "unreadable", "failed"};
  _Static_assert(sizeof names / sizeof names[0] == RUN_UNREADABLE + 2, "a name per kind");
  printf("%zu point%s:", s->sw.npoints, text_s(s->sw.npoints));
  int first = 1;
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
    if (counts[k]) {
      printf("%s %zu %s", first ? "" : ",", counts[k], names[k]);
      first = 0;
    }
  printf("\n");
  return NN_OK;
}

/* ------------------------------------------------------- running points */

/* Whether point i still needs a run: not complete, not diverged, and not
 * being run by another process. */
static int needs_run(const sweeper *s, size_t i, tally *t) {
  run_state st;
  inspect(s, i, &st);
  switch (st.kind) {
  case RUN_COMPLETE: t->complete++; return 0;
  case RUN_DIVERGED: t->diverged++; return 0;
  case RUN_RUNNING: t->elsewhere++; return 0;
  default: return 1;
  }
}

/* Runs point i in the foreground with retries (for --task and --mpi);
 * forwards a stop signal.  Returns 0 complete or diverged, 1 otherwise. */
static int run_one(const sweeper *s, size_t i, tally *t) {
  for (long attempt = 0; attempt <= s->opt->retries; attempt++) {
    if (stop_signal) return 1;
    nn_error err = {0};
    const double t0 = now();
    pid_t pid = start_point(s, i, (int)attempt, &err);
    if (pid < 0) {
      cli_error(prog, &err);
      return 1;
    }
    int status, forwarded = 0;
    for (;;) {
      pid_t w = waitpid(pid, &status, 0);
      if (w == pid) break;
      if (w < 0 && errno == EINTR) {
        if (stop_signal && !forwarded) {
          kill(pid, SIGTERM);
          forwarded = 1;
        }
        continue;
      }
      status = 1 << 8;
      break;
    }
    const int code = exit_code(status);
    log_exit(s, i, status, code);
    run_state st;
    enum outcome o = outcome_of(s, i, code, &st);
    if (o == OUT_COMPLETE) t->complete++;
    if (o == OUT_DIVERGED) t->diverged++;
    if (o == OUT_INTERRUPTED) t->interrupted++;
    report_point(s, t, i, o, &st, now() - t0);
    if (o == OUT_COMPLETE || o == OUT_DIVERGED) return 0;
    if (o == OUT_INTERRUPTED) return 1;
    if (o == OUT_ELSEWHERE) {
      t->elsewhere++;
      return 1;
    }
    if (attempt < s->opt->retries && !s->opt->quiet)
      cli_printf(stderr, "%s: %s: retrying (%ld of %ld)\n", prog, s->sw.points[i].name,
                 attempt + 1, s->opt->retries);
  }
  t->failed++;
  return 1;
}

/* -j N: up to N children at once over the points that need a run. */
static int run_local(const sweeper *s, long jobs) {
  tally t = {.total = s->sw.npoints, .start = now()};
  size_t *queue = malloc((s->sw.npoints + 1) * sizeof *queue);
  int *attempts = calloc(s->sw.npoints + 1, sizeof *attempts);
  slot *slots = calloc((size_t)jobs, sizeof *slots);
  if (!queue || !attempts || !slots) {
    free(queue), free(attempts), free(slots);
    cli_printf(stderr, "%s: out of memory\n", prog);
    return NN_FAIL;
  }
  size_t nq = 0, head = 0;
  for (size_t i = 0; i < s->sw.npoints; i++)
    if (needs_run(s, i, &t)) queue[nq++] = i;
  const int tty = !s->opt->quiet && isatty(STDOUT_FILENO);
  if (!s->opt->quiet) {
    cli_printf(stdout, "%s: %zu point%s, %zu to run (%zu complete, %zu diverged%s), %ld at once, %ld BLAS "
                       "thread%s each -> %s\n",
                       s->sw.name, s->sw.npoints, text_s(s->sw.npoints), nq, t.complete, t.diverged,
                       t.elsewhere ? ", some run elsewhere" : "", jobs, s->threads,
                       s->threads == 1 ? "" : "s", s->sw.output_dir);
    fflush(stdout);
  }
  int forwarded = 0;
  double last_draw = 0;
  for (;;) {
    /* start what fits */
    while (!stop_signal && head < nq && t.running < (size_t)jobs) {
      size_t k = 0;
      while (slots[k].pid) k++;
      nn_error err = {0};
      const size_t i = queue[head++];
      /* another process may have run it (or be running it) meanwhile */
      if (!needs_run(s, i, &t)) continue;
      pid_t pid = start_point(s, i, attempts[i], &err);
      if (pid < 0) {
        cli_error(prog, &err);
        t.failed++;
        continue;
      }
      slots[k] = (slot){.pid = pid, .point = i, .attempt = attempts[i], .start = now()};
      t.running++;
    }
    if (stop_signal && !forwarded) {
      for (long k = 0; k < jobs; k++)
        if (slots[k].pid) kill(slots[k].pid, SIGTERM);
      forwarded = 1;
      if (t.live) fputs("\n", stdout);
      t.live = 0;
      cli_printf(stderr, "%s: stopping: the running points save as interrupted\n", prog);
    }
    if (t.running == 0) break;
    int status;
    pid_t w = waitpid(-1, &status, WNOHANG);
    if (w <= 0) {
      if (tty && now() - last_draw > 0.5) {
        draw_live(s, &t, slots, jobs, nq - head);
        last_draw = now();
      }
      struct timespec ts = {0, 50 * 1000 * 1000};
      nanosleep(&ts, NULL);
      continue;
    }
    long k = 0;
    while (k < jobs && slots[k].pid != w) k++;
    if (k == jobs) continue; /* not ours */
    slot done = slots[k];
    slots[k].pid = 0;
    t.running--;
    const int code = exit_code(status);
    log_exit(s, done.point, status, code);
    run_state st;
    enum outcome o = outcome_of(s, done.point, code, &st);
    const double secs = now() - done.start;
    if (o == OUT_COMPLETE) t.complete++;
    if (o == OUT_DIVERGED) t.diverged++;
    if (o == OUT_INTERRUPTED) t.interrupted++;
    if (o == OUT_ELSEWHERE) t.elsewhere++;
    if (o == OUT_COMPLETE || o == OUT_DIVERGED) {
      t.finished++;
      t.busy += secs;
    }
    report_point(s, &t, done.point, o, &st, secs);
    if (o == OUT_FAILED) {
      if (!stop_signal && done.attempt < s->opt->retries) {
        attempts[done.point] = done.attempt + 1;
        if (!s->opt->quiet)
          cli_printf(stderr, "%s: %s: retrying (%d of %ld)\n", prog, s->sw.points[done.point].name,
                     done.attempt + 1, s->opt->retries);
        queue[--head] = done.point; /* at once, in the slot it left */
      } else {
        t.failed++;
      }
    }
  }
  clear_live(&t);
  const size_t notrun = nq - head;
  int rc = t.failed || t.interrupted || notrun || t.elsewhere ? NN_FAIL : NN_OK;
  if (!s->opt->quiet || rc)
    printf("%s: %zu of %zu point%s complete, %zu diverged, %zu failed, %zu interrupted%s in "
           "%.1f s\n",
           s->sw.name, t.complete, t.total, text_s(t.total), t.diverged, t.failed, t.interrupted + notrun,
           t.elsewhere ? ", some being run by other processes" : "", now() - t.start);
  if (stop_signal || t.failed)
    cli_printf(stderr, "%s: to resume, run the same command again: %s\n", prog,
               s->command ? s->command : "nnsweep ...");
  free(queue), free(attempts), free(slots);
  return rc;
}

/* --task [I]: one point in the foreground; under Slurm a run told to stop
 * saves as interrupted and the task is requeued to resume it. */
static int run_task(const sweeper *s, long task) {
  if (task < 0 || (size_t)task >= s->sw.npoints) {
    cli_printf(stderr, "%s: --task %ld: expected a point 0..%zu of %s\n", prog, task,
               s->sw.npoints - 1, s->sw.file);
    return NN_BADINPUT;
  }
  tally t = {.total = s->sw.npoints};
  if (!needs_run(s, (size_t)task, &t)) {
    if (!s->opt->quiet)
      cli_printf(stdout, "%s: point %ld (%s) is %s\n", s->sw.name, task, s->sw.points[task].name,
                         t.elsewhere ? "being run by another process" : "done already");
    return t.elsewhere ? NN_FAIL : NN_OK;
  }
  int rc = run_one(s, (size_t)task, &t);
  const char *job = getenv("SLURM_ARRAY_JOB_ID");
  if (rc && stop_signal && job && getenv("SLURM_ARRAY_TASK_ID")) {
    /* requeue this task: it resumes from its last epoch */
    char id[128];
    snprintf(id, sizeof id, "%s_%s", job, getenv("SLURM_ARRAY_TASK_ID"));
    pid_t pid = fork();
    if (pid == 0) {
      child_defaults();
      execlp("scontrol", "scontrol", "requeue", id, (char *)NULL);
      _exit(127);
    }
    int status = 0;
    if (pid > 0 && waitpid(pid, &status, 0) == pid && exit_code(status) == 0) {
      cli_printf(stdout, "%s: requeued %s to resume point %ld\n", prog, id, task);
      return NN_FAIL;
    }
    cli_printf(stderr, "%s: could not requeue %s (scontrol requeue %s)\n", prog, id,
               pid < 0 ? "could not start" : WIFEXITED(status) && WEXITSTATUS(status) == 127
                                              ? "not found"
                                              : "failed");
  }
  if (rc && (stop_signal || t.interrupted))
    cli_printf(stderr, "%s: to resume, run the same command again: %s\n", prog,
               s->command ? s->command : "nnsweep --task ...");
  return rc ? NN_FAIL : NN_OK;
}

/* ------------------------------------------------------------------ MPI */

typedef struct mpi_ctx {
  const sweeper *s;
  tally t;
} mpi_ctx;

static int mpi_work(size_t task, void *ctx) {
  mpi_ctx *m = ctx;
  if (!needs_run(m->s, task, &m->t)) return m->t.elsewhere ? 1 : 0;
  return run_one(m->s, task, &m->t);
}

static int run_mpi(const sweeper *s) {
  mpi_ctx m = {.s = s, .t = {.total = s->sw.npoints}};
  farm_report rep;
  nn_error err = {0};
  int rc = farm_run(s->sw.npoints, mpi_work, &m, &rep, &err);
  if (rc) {
    cli_error(prog, &err);
    return rc;
  }
  if (rep.rank == 0) {
    if (!s->opt->quiet || rep.failed)
      printf("%s: %zu of %zu point%s ended complete or diverged, %zu failed, over %d rank%s\n",
             s->sw.name, rep.done, rep.ntasks, text_s(rep.ntasks), rep.failed, rep.size,
             text_s((unsigned long long)rep.size));
    rc = rep.failed ? NN_FAIL : NN_OK;
  }
  farm_report_free(&rep);
  return rc;
}

/* ---------------------------------------------------------------- Slurm */

/* Appends "0-3,7,9" for the pending points to buf. */
static size_t array_ranges(const size_t *idx, size_t n, char *buf, size_t cap) {
  size_t o = 0;
  for (size_t a = 0; a < n && o < cap;) {
    size_t b = a;
    while (b + 1 < n && idx[b + 1] == idx[b] + 1) b++;
    int k = b > a ? snprintf(buf + o, cap - o, "%s%zu-%zu", o ? "," : "", idx[a], idx[b])
                  : snprintf(buf + o, cap - o, "%s%zu", o ? "," : "", idx[a]);
    if (k < 0 || (size_t)k >= cap - o) return 0;
    o += (size_t)k;
    a = b + 1;
  }
  return o;
}

/* An #SBATCH line with a value sbatch reads back exactly: double-quoted
 * when needed; a value that cannot be (", \, control characters) stays on
 * sbatch's command line only and the script says so. */
static int put_directive(FILE *f, const char *opt, const char *value) {
  int plain = 1, quotable = 1;
  for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
    if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\') quotable = 0;
    if (!(isalnum(*p) || strchr("._,=+-/%@:", *p))) plain = 0;
  }
  /* the option itself: a plain -x or --name, nothing a shell could run */
  int named = opt[0] == '-' && opt[1] != '\0';
  for (const unsigned char *p = (const unsigned char *)opt; *p; p++)
    if (!(isalnum(*p) || *p == '-' || *p == '_')) named = 0;
  if (!named) {
    fprintf(f, "# an sbatch option given on its command line (it cannot be written here)\n");
    return -1;
  }
  if (!value[0]) fprintf(f, "#SBATCH %s\n", opt);
  else if (plain) fprintf(f, "#SBATCH %s=%s\n", opt, value);
  else if (quotable) fprintf(f, "#SBATCH %s=\"%s\"\n", opt, value);
  else {
    fprintf(f, "# %s: given on sbatch's command line (the value cannot be quoted here)\n", opt);
    return -1;
  }
  return 0;
}

static int submit_slurm(const sweeper *s) {
  tally t = {.total = s->sw.npoints};
  size_t *pending = malloc((s->sw.npoints + 1) * sizeof *pending), n = 0;
  if (!pending) return NN_FAIL;
  for (size_t i = 0; i < s->sw.npoints; i++)
    if (needs_run(s, i, &t)) pending[n++] = i;
  if (n == 0) {
    cli_printf(stdout, "%s: nothing to submit: %zu complete, %zu diverged, %zu being run\n", s->sw.name,
                       t.complete, t.diverged, t.elsewhere);
    free(pending);
    return t.elsewhere ? NN_FAIL : NN_OK;
  }
  /* the array spec, throttled by -j */
  size_t cap = 16 * n + 64;
  char *array = malloc(cap);
  if (!array || !array_ranges(pending, n, array, cap - 32)) {
    free(array), free(pending);
    cli_printf(stderr, "%s: out of memory\n", prog);
    return NN_FAIL;
  }
  if (s->opt->jobs > 0) snprintf(array + strlen(array), 32, "%%%ld", s->opt->jobs);
  free(pending);

  char cwd[4096], self[4096], script[SPEC_PATH_MAX + 64], out[SPEC_PATH_MAX + 64];
  if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, ".");
  if (!self_path(self, sizeof self)) snprintf(self, sizeof self, "nnsweep");
  char stamp[32];
  time_t now_t = time(NULL);
  struct tm tm;
  strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", gmtime_r(&now_t, &tm));
  snprintf(script, sizeof script, "%s/submit-%s.sbatch", s->logs, stamp);
  snprintf(out, sizeof out, "%s/slurm-%%A_%%a.out", s->logs);
  char cpus[32], jobname[SPEC_NAME_MAX + 16];
  snprintf(cpus, sizeof cpus, "%ld", s->threads);
  snprintf(jobname, sizeof jobname, "nnsweep-%s", s->sw.name);

  /* the script: options as #SBATCH lines, the body quoted for sh */
  char *text = NULL;
  size_t textlen = 0;
  FILE *f = open_memstream(&text, &textlen);
  if (!f) {
    free(array);
    cli_printf(stderr, "%s: out of memory\n", prog);
    return NN_FAIL;
  }
  int lost = 0; /* an sbatch argument left to the command line */
  char *qcwd = cli_quote(cwd), *qself = cli_quote(self), *qfile = cli_quote(s->sw.file);
  fprintf(f, "#!/bin/sh\n# nnsweep %s: %zu pending points as one job array\n", s->sw.name, n);
  put_directive(f, "--job-name", jobname);
  put_directive(f, "--array", array);
  put_directive(f, "--cpus-per-task", cpus);
  fprintf(f, "#SBATCH --requeue\n#SBATCH --signal=B:TERM@120\n#SBATCH --open-mode=append\n");
  put_directive(f, "--output", out);
  put_directive(f, "--chdir", cwd);
  for (int k = 0; k < s->opt->nsbatch; k++) {
    const char *arg = s->opt->sbatch_args[k], *eq = strchr(arg, '=');
    char key[256];
    if (arg[0] == '-' && eq && (size_t)(eq - arg) < sizeof key) {
      snprintf(key, sizeof key, "%.*s", (int)(eq - arg), arg);
      lost |= put_directive(f, key, eq + 1);
    } else {
      lost |= put_directive(f, arg, "");
    }
  }
  fprintf(f, "# a TERM (preemption, time limit) reaches nnsweep, whose run saves as\n"
             "# interrupted; nnsweep then requeues the task, which resumes it\n");
  fprintf(f, "cd %s || exit 1\nexec %s --task -q %s\n", qcwd ? qcwd : ".",
          qself ? qself : "nnsweep", qfile ? qfile : "sweep.yaml");
  free(qcwd), free(qself), free(qfile);
  if (fclose(f) != 0 || !text) {
    free(text), free(array);
    cli_printf(stderr, "%s: out of memory\n", prog);
    return NN_FAIL;
  }
  if (s->opt->print && lost) {
    cli_printf(stderr, "%s: --print: an sbatch argument after -- cannot be written as an #SBATCH "
               "line (a control character, a quote or a backslash, or not an option); pass it to "
               "sbatch yourself\n", prog);
    free(text), free(array);
    return NN_BADINPUT;
  }
  if (s->opt->print) {
    fputs(text, stdout);
    free(text), free(array);
    return NN_OK;
  }
  int fd = open(script, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
  if (fd < 0 || write(fd, text, textlen) != (ssize_t)textlen || close(fd) != 0) {
    cli_printf(stderr, "%s: cannot write %s: %s\n", prog, script, strerror(errno));
    free(text), free(array);
    return NN_FAIL;
  }
  free(text);

  /* sbatch's argv carries every option exactly, whatever the script says */
  /* the array spec has no bound: one range per run of pending points */
  char *o_array = malloc(strlen(array) + sizeof "--array="), o_out[sizeof out + 16],
       o_name[sizeof jobname + 16], o_cpus[48], o_chdir[sizeof cwd + 16];
  if (!o_array) {
    free(array);
    return NN_FAIL;
  }
  sprintf(o_array, "--array=%s", array);
  snprintf(o_out, sizeof o_out, "--output=%s", out);
  snprintf(o_name, sizeof o_name, "--job-name=%s", jobname);
  snprintf(o_cpus, sizeof o_cpus, "--cpus-per-task=%s", cpus);
  snprintf(o_chdir, sizeof o_chdir, "--chdir=%s", cwd);
  free(array);
  const char *fixed[] = {"sbatch", "--parsable", o_name, o_array, o_cpus, "--requeue",
                         "--signal=B:TERM@120", "--open-mode=append", o_out, o_chdir};
  const size_t nfixed = sizeof fixed / sizeof fixed[0];
  char **argv = calloc(nfixed + (size_t)s->opt->nsbatch + 2, sizeof *argv);
  if (!argv) {
    free(o_array);
    return NN_FAIL;
  }
  size_t a = 0;
  for (size_t k = 0; k < nfixed; k++) argv[a++] = (char *)fixed[k];
  for (int k = 0; k < s->opt->nsbatch; k++) argv[a++] = s->opt->sbatch_args[k];
  argv[a++] = script;
  argv[a] = NULL;
  int pipefd[2];
  if (pipe(pipefd) != 0) {
    free(argv), free(o_array);
    return NN_FAIL;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    dup2(pipefd[1], STDOUT_FILENO);
    child_defaults();
    execvp("sbatch", argv);
    cli_printf(stderr, "%s: cannot run sbatch: %s; Slurm's client is in Debian's slurm-client\n",
               prog, strerror(errno));
    _exit(127);
  }
  close(pipefd[1]);
  free(argv), free(o_array);
  char id[256] = "";
  ssize_t got = pid > 0 ? read(pipefd[0], id, sizeof id - 1) : -1;
  close(pipefd[0]);
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  if (pid < 0 || got <= 0 || exit_code(status) != 0) {
    if (exit_code(status) == 2 && WIFEXITED(status) && WEXITSTATUS(status) == 127) return NN_BADINPUT;
    cli_printf(stderr, "%s: sbatch failed (exit %d); the script is %s\n", prog, exit_code(status),
               script);
    return NN_FAIL;
  }
  id[got] = '\0';
  id[strcspn(id, ";\n")] = '\0';
  cli_printf(stdout, "%s\n", id);
  if (!s->opt->quiet)
    cli_printf(stderr, "%s: submitted job array %s: %zu point%s of %s, logs in %s; "
               "nnsweep --list %s shows their state\n", prog, id, n, text_s(n), s->sw.name, s->logs, s->sw.file);
  return NN_OK;
}

/* ----------------------------------------------------------------- main */

static int parse_args(int argc, char **argv, options *opt, const char **file) {
  static const struct option longopts[] = {
      {"list", no_argument, NULL, 'n'},       {"jobs", required_argument, NULL, 'j'},
      {"task", optional_argument, NULL, 'T'},       {"slurm", no_argument, NULL, 'S'},
      {"print", no_argument, NULL, 'P'},      {"mpi", no_argument, NULL, 'M'},
      {"retries", required_argument, NULL, 'r'}, {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},       {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0}};
  int c;
  opterr = 0;
  opt->task = -1;
  /* "--" ends our options: what follows goes to sbatch */
  int end = argc;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      end = i;
      opt->sbatch_args = argv + i + 1;
      opt->nsbatch = argc - i - 1;
      break;
    }
  while ((c = getopt_long(end, argv, ":nj:r:qhV", longopts, NULL)) != -1) {
    switch (c) {
    case 'n': opt->list = 1; break;
    case 'j':
      if (cli_parse_long(optarg, 1, 4096, &opt->jobs)) {
        cli_printf(stderr, "%s: --jobs: expected a whole number 1..4096, got '%s'\n", prog, optarg);
        return 2;
      }
      break;
    case 'r':
      if (cli_parse_long(optarg, 0, 1000, &opt->retries)) {
        cli_printf(stderr, "%s: --retries: expected a whole number 0..1000, got '%s'\n", prog,
                   optarg);
        return 2;
      }
      break;
    case 'T': {
      opt->task = -2;
      /* --task=3, or --task 3 when the next argument is all digits (a sweep
       * file named 4lr.yaml is a file) */
      const char *index = optarg;
      if (!index && optind < end && argv[optind][0] &&
          strspn(argv[optind], "0123456789") == strlen(argv[optind]))
        index = argv[optind++];
      if (index && cli_parse_long(index, 0, 100000000, &opt->task)) {
        cli_printf(stderr, "%s: --task: expected a point index, got '%s'\n", prog, index);
        return 2;
      }
      break;
    }
    case 'S': opt->slurm = 1; break;
    case 'P': opt->print = 1; break;
    case 'M': opt->mpi = 1; break;
    case 'q': opt->quiet = 1; break;
    case 'h': usage(stdout); return -1;
    case 'V': printf("nnsweep %s (%s)\n", PACKAGE_VERSION, run_blas_name()); return -1;
    case ':':
      cli_printf(stderr, "%s: %s needs an argument; see nnsweep --help\n", prog, argv[optind - 1]);
      return 2;
    default:
      cli_printf(stderr, "%s: unknown option '%s'; see nnsweep --help\n", prog, argv[optind - 1]);
      return 2;
    }
  }
  if (optind >= end) {
    cli_printf(stderr, "%s: no sweep file given; usage: nnsweep [OPTIONS] SWEEP.yaml\n", prog);
    return 2;
  }
  if (optind + 1 < end) {
    cli_printf(stderr, "%s: one sweep file expected, got also '%s'\n", prog, argv[optind + 1]);
    return 2;
  }
  *file = argv[optind];
  const int modes = opt->list + opt->slurm + opt->mpi + (opt->task != -1);
  if (modes > 1) {
    cli_printf(stderr, "%s: --list, --task, --slurm and --mpi exclude each other\n", prog);
    return 2;
  }
  if (opt->print && !opt->slurm) {
    cli_printf(stderr, "%s: --print goes with --slurm\n", prog);
    return 2;
  }
  if (opt->nsbatch && !opt->slurm) {
    cli_printf(stderr, "%s: arguments after -- go to sbatch, with --slurm only\n", prog);
    return 2;
  }
  if (opt->task == -2) {
    const char *id = getenv("SLURM_ARRAY_TASK_ID");
    if (!id || cli_parse_long(id, 0, 100000000, &opt->task)) {
      cli_printf(stderr, "%s: --task without an index needs SLURM_ARRAY_TASK_ID, got '%s'\n", prog,
                 id ? id : "");
      return 2;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  options opt = {0};
  const char *file = NULL;
  char *command = cli_command_line(argc, argv); /* before getopt permutes argv */
  int rc = parse_args(argc, argv, &opt, &file);
  if (rc) {
    free(command);
    return rc < 0 ? 0 : rc;
  }
  results_quiet_hdf5();

  sweeper s;
  memset(&s, 0, sizeof s);
  s.command = command;
  s.opt = &opt;
  char *errors = NULL;
  nn_error err = {0};
  if ((rc = sweep_load(&s.sw, file, &errors, &err))) {
    if (errors && errors[0]) {
      /* every problem at once, each line "nnsweep: FILE:LINE:COL: ..." */
      for (char *line = errors, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl) {
          cli_printf(stderr, "%s: %s\n", prog, line);
          break;
        }
        cli_printf(stderr, "%s: %.*s\n", prog, (int)(nl - line), line);
      }
    } else {
      cli_error(prog, &err);
    }
    free(errors), free(command);
    return rc;
  }
  free(errors);
  find_nnrun(s.nnrun, sizeof s.nnrun);
  snprintf(s.logs, sizeof s.logs, "%s/logs", s.sw.output_dir);
  const long cores = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
  const long jobs = opt.jobs > 0 ? opt.jobs : cores;
  s.threads = s.sw.threads > 0 ? s.sw.threads : (cores / jobs > 0 ? cores / jobs : 1);
  if (opt.task >= 0 || opt.mpi) {
    /* one run per task or rank: the threads Slurm gave us, else all cores */
    const char *cpus = getenv("SLURM_CPUS_PER_TASK");
    long c;
    if (s.sw.threads <= 0)
      s.threads = cpus && !cli_parse_long(cpus, 1, 4096, &c) ? c : (opt.mpi ? 1 : cores);
  }

  if (opt.list) {
    rc = list_points(&s);
    goto done;
  }
  if (!opt.print && (rc = fs_make_dirs(s.logs, "output.dir", &err))) {
    cli_error(prog, &err);
    goto done;
  }
  install_signals();
  if (opt.slurm) rc = submit_slurm(&s);
  else if (opt.mpi) rc = run_mpi(&s);
  else if (opt.task >= 0) rc = run_task(&s, opt.task);
  else rc = run_local(&s, jobs);
done:
  sweep_free(&s.sw);
  free(command);
  /* a reader that went away (EPIPE) is no failure of the sweep */
  if (fflush(stdout) != 0 && errno != EPIPE && rc == NN_OK) {
    cli_printf(stderr, "%s: error writing to standard output\n", prog);
    rc = NN_FAIL;
  }
  return rc;
}
