/* lock.h: one writer per results file -- an fcntl lock on a lock file beside
 * it (PATH.lock) that records who holds it: host, pid, program, start time.
 *
 * The lock is held for as long as the process may write PATH and dies with
 * the process (the kernel drops fcntl locks on exit; NFSv4 does the same on
 * lease expiry), so a lock is never stale by mistake.  The lock file is
 * opened without following links and is removed by its holder on release.
 *
 * Not here: what is written under the lock (results.c), the run's life (run.c).
 */
#ifndef NN_LOCK_H
#define NN_LOCK_H

#include <stddef.h>

#include "error.h"
#include "fsutil.h"

#define LOCK_TEXT_MAX 256

/* Who holds (or held) a lock, as its lock file records it. */
typedef struct lock_owner {
  char program[64];          /* "nnrun", "nneval", ... */
  char host[LOCK_TEXT_MAX];
  long pid;
  char since[32];            /* local time the lock was taken, "10:02:11" */
  char started[32];          /* the same as ISO 8601 UTC */
} lock_owner;

typedef struct lock {
  int fd;                    /* -1 when not held */
  char path[FS_PATH_MAX];    /* the lock file: PATH.lock */
} lock;

/* Takes the lock of the results file path for program.  NN_BADINPUT when
 * another process holds it: "PATH is being written by nnrun (pid 1234 on
 * node7, since 10:02:11)"; NN_FAIL on I/O errors (naming the lock file).
 * Never waits. */
int lock_take(lock *l, const char *path, const char *program, nn_error *err);

/* Releases it (removes the lock file, then drops the lock); accepts a lock
 * never taken or already released. */
void lock_release(lock *l);

/* Whether a live process holds the lock of path: 1 held (owner filled when
 * not NULL and the file says who), 0 free or no lock file, -1 on an error
 * other than a missing file.  Takes no lock and creates nothing. */
int lock_held(const char *path, lock_owner *owner);

/* "nnrun (pid 1234 on node7, since 10:02:11)" into buf. */
void lock_owner_text(const lock_owner *o, char *buf, size_t n);

#endif
