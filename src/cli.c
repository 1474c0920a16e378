/* cli.c: helpers shared by the programs (see cli.h).  Library modules
 * never call these; only the programs' main functions do.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli.h"
#include "mlp.h"
#include "text.h"

void cli_error(const char *prog, const nn_error *err) {
  cli_printf(stderr, "%s: %s\n", prog, err->msg[0] ? err->msg : "unknown error");
}

void cli_printf(FILE *f, const char *fmt, ...) {
  char small[1024], *text = small;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof small) {
    if ((text = malloc((size_t)n + 1))) {
      va_start(ap, fmt);
      vsnprintf(text, (size_t)n + 1, fmt, ap);
      va_end(ap);
    } else { /* out of memory: the start of the line, still one line */
      text = small;
      n = (int)sizeof small - 1;
      const size_t flen = strlen(fmt);
      if (flen && fmt[flen - 1] == '\n') small[n - 1] = '\n';
    }
  }
  size_t len = (size_t)n;
  const int newline = len > 0 && text[len - 1] == '\n';
  if (newline) len--;
  char *shown = malloc(4 * len + 1);
  if (shown) {
    text_escape(text, len, 1, shown, 4 * len + 1);
  } else {
    /* out of memory: the line still goes out, its control bytes as '?' */
    for (size_t i = 0; i < len; i++)
      if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f) text[i] = '?';
    text[len] = '\0';
  }
  fputs(shown ? shown : text, f);
  if (newline) fputc('\n', f);
  free(shown);
  if (text != small) free(text);
}

static int needs_quotes(const char *s) {
  if (!*s) return 1;
  for (; *s; s++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./,:@%",
                *s))
      return 1;
  return 0;
}

/* Appends s to p, quoted for a POSIX shell when needed; returns the end. */
static char *put_quoted(char *p, const char *s) {
  if (!needs_quotes(s)) return stpcpy(p, s);
  *p++ = '\'';
  for (; *s; s++) {
    if (*s == '\'') p = stpcpy(p, "'\\''");
    else *p++ = *s;
  }
  *p++ = '\'';
  *p = '\0';
  return p;
}

char *cli_quote(const char *s) {
  char *out = malloc(4 * strlen(s) + 3);
  if (out) put_quoted(out, s);
  return out;
}

char *cli_command_line(int argc, char **argv) {
  size_t len = 1;
  for (int i = 0; i < argc; i++) len += 4 * strlen(argv[i]) + 3;
  char *out = malloc(len), *p = out;
  if (!out) return NULL;
  *p = '\0';
  for (int i = 0; i < argc; i++) {
    if (i) *p++ = ' ';
    p = put_quoted(p, argv[i]);
  }
  *p = '\0';
  return out;
}

long cli_set_threads(long threads) {
  if (threads <= 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    threads = cores > 0 ? cores : 1;
  }
  int blas = mlp_blas_threads((int)threads);
  /* a CBLAS without threads still leaves the sparse products theirs */
  return blas > 1 ? blas : threads;
}

int cli_parse_long(const char *text, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

/* Under a limit on mapped memory (ulimit -v, or ulimit -d, which counts
 * private maps since Linux 4.7), OpenBLAS's constructor must start no
 * threads: each maps a 128 MiB buffer as it starts and, when the limit
 * refuses it, retries forever (OpenBLAS 0.3.21, OpenMathLib/OpenBLAS#5289);
 * the process then hangs at its first threaded product, or at exit joining
 * the thread.  The programs start the threads a run asks for through
 * cli_set_threads(), once run_check_memory() found room.
 *   So OpenBLAS must see OPENBLAS_NUM_THREADS=1 when its constructor runs.
 * The main program's .preinit_array runs before any library's constructor
 * (ELF), but setenv() there is lost: the C library's own initialization
 * resets environ to the kernel's array.  So cli_preinit() changes that
 * array: a user's own OPENBLAS_NUM_THREADS entry is pointed at ours (its own
 * slot: no other variable is hidden from the libraries) and put back by
 * cli_restore_env(), a constructor of the main program and so run after
 * every library's.  Without such an entry the array has no room for one, so
 * the program executes itself again (same pid, same arguments) with ours and
 * a marker added, and cli_restore_env() removes both: the program, and every
 * program it starts, sees the environment it was given. */
static const char env_one[] = "OPENBLAS_NUM_THREADS=1";
#define ENV_MARK "NNRUN_BLAS_PREINIT"
static const char env_mark[] = ENV_MARK "=1";
static char *env_saved; /* the user's OPENBLAS_NUM_THREADS entry, replaced */
static int env_added;   /* this is the second start: ours and the marker added */

static int memory_limited(void) {
  struct rlimit rl;
  return (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) ||
         (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY);
}

static void cli_preinit(int argc, char **argv, char **envp) {
  if (!envp || !argv || !argv[0] || !memory_limited()) return;
  size_t n = 0;
  char **user = NULL;
  for (; envp[n]; n++) {
    if (strcmp(envp[n], env_mark) == 0) env_added = 1;
    if (strncmp(envp[n], "OPENBLAS_NUM_THREADS=", 21) == 0 && !user) user = &envp[n];
  }
  if (env_added) return;
  if (user) {
    env_saved = *user;
    *user = (char *)env_one;
    return;
  }
  char **env = malloc((n + 3) * sizeof *env);
  if (!env) return;
  memcpy(env, envp, n * sizeof *env);
  env[n] = (char *)env_one;
  env[n + 1] = (char *)env_mark;
  env[n + 2] = NULL;
  (void)argc;
  execve("/proc/self/exe", argv, env); /* returns only when it failed */
  free(env);
}

__attribute__((constructor)) static void cli_restore_env(void) {
  if (env_saved) { /* environ may have moved: setenv finds the entry anyway */
    setenv("OPENBLAS_NUM_THREADS", env_saved + 21, 1);
    env_saved = NULL;
  } else if (env_added) {
    unsetenv("OPENBLAS_NUM_THREADS");
    unsetenv(ENV_MARK);
  }
}

#ifdef __ELF__
__attribute__((section(".preinit_array"), used)) static void (*const cli_preinit_entry)(
    int, char **, char **) = cli_preinit;
#endif
