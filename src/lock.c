/* lock.c: the fcntl lock on PATH.lock that makes one process the writer of a
 * results file, and the record of who holds it.
 * Not here: what the holder writes (results.c, run.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "lock.h"
#include "text.h"

#define RECORD_MAX 1024 /* bytes of a lock file we read */

static int lock_name(const char *path, char *buf, size_t n) {
  return (size_t)snprintf(buf, n, "%s.lock", path) < n ? 0 : -1;
}

/* Parses "program P\nhost H\npid N\nsince HH:MM:SS\nstarted ISO\n". */
static void parse_record(const char *text, lock_owner *o) {
  memset(o, 0, sizeof *o);
  snprintf(o->program, sizeof o->program, "?");
  snprintf(o->host, sizeof o->host, "?");
  snprintf(o->since, sizeof o->since, "?");
  for (const char *line = text; *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    const char *sp = memchr(line, ' ', len);
    if (sp) {
      size_t klen = (size_t)(sp - line), vlen = len - klen - 1;
      const char *v = sp + 1;
      /* escaped: the record may come from anyone */
      char value[LOCK_TEXT_MAX];
      text_escape(v, vlen, 0, value, sizeof value);
      if (klen == 7 && !memcmp(line, "program", 7)) snprintf(o->program, sizeof o->program, "%.63s", value);
      else if (klen == 4 && !memcmp(line, "host", 4)) snprintf(o->host, sizeof o->host, "%s", value);
      else if (klen == 3 && !memcmp(line, "pid", 3)) o->pid = strtol(value, NULL, 10);
      else if (klen == 5 && !memcmp(line, "since", 5)) snprintf(o->since, sizeof o->since, "%.31s", value);
      else if (klen == 7 && !memcmp(line, "started", 7)) snprintf(o->started, sizeof o->started, "%.31s", value);
    }
    if (!end) break;
    line = end + 1;
  }
}

/* Reads the record of an open lock file into o. */
static void read_record(int fd, lock_owner *o) {
  char text[RECORD_MAX + 1];
  ssize_t n = pread(fd, text, RECORD_MAX, 0);
  text[n > 0 ? n : 0] = '\0';
  parse_record(text, o);
}

void lock_owner_text(const lock_owner *o, char *buf, size_t n) {
  snprintf(buf, n, "%s (pid %ld on %s, since %s)", o->program, o->pid, o->host, o->since);
}

/* Opens the lock file without following a link and checks it is a plain file. */
static int open_lock_file(const char *name, int flags) {
  int fd = fs_open_plain(name, flags | O_NOFOLLOW, 0644);
  if (fd < 0 && errno == EISDIR) errno = EINVAL; /* not a regular file either */
  return fd;
}

int lock_take(lock *l, const char *path, const char *program, nn_error *err) {
  l->fd = -1;
  if (lock_name(path, l->path, sizeof l->path) != 0)
    return nn_error_set(err, NN_BADINPUT, "%s: path too long", path);
  for (int attempt = 0; attempt < 100; attempt++) {
    int fd = open_lock_file(l->path, O_RDWR | O_CREAT);
    const int open_errno = errno;
    struct stat ls;
    if (fd < 0 && fs_unwritable(open_errno) && lstat(l->path, &ls) != 0) {
      /* no lock file, and none can be made: the folder is the problem */
      const int e = open_errno;
      char dir[sizeof l->path];
      fs_dirname(path, dir, sizeof dir);
      return nn_error_set(err, NN_FAIL, "cannot write %s: the folder %s is not writable (%s)",
                          path, dir, strerror(e));
    }
    errno = open_errno;
    if (fd < 0)
      return nn_error_set(err, errno == ELOOP || errno == EINVAL ? NN_BADINPUT : NN_FAIL,
                          "%s: cannot open the lock file %s: %s", path, l->path,
                          errno == ELOOP ? "it is a symbolic link" :
                          errno == EINVAL ? "not a regular file" : strerror(errno));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) != 0) {
      int saved = errno;
      if (saved == EACCES || saved == EAGAIN) {
        lock_owner o;
        read_record(fd, &o);
        /* a record without a sane pid: the kernel knows the holder's */
        struct flock holder = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (o.pid <= 0 && fcntl(fd, F_GETLK, &holder) == 0 && holder.l_type != F_UNLCK)
          o.pid = holder.l_pid;
        close(fd);
        char who[600];
        lock_owner_text(&o, who, sizeof who);
        return nn_error_set(err, NN_BADINPUT, "%s is being written by %s", path, who);
      }
      close(fd);
      return nn_error_set(err, NN_FAIL, "%s: cannot lock %s: %s", path, l->path,
                          strerror(saved));
    }
    /* The holder before us may have removed the file between our open and
     * our lock: then ours is an orphan, and we try again on the new one. */
    struct stat a, b;
    if (fstat(fd, &a) != 0 || lstat(l->path, &b) != 0 || a.st_ino != b.st_ino ||
        a.st_dev != b.st_dev) {
      close(fd);
      continue;
    }
    char host[LOCK_TEXT_MAX] = "unknown", since[32] = "?", started[32] = "?";
    if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    time_t t = time(NULL);
    struct tm tm;
    if (localtime_r(&t, &tm)) strftime(since, sizeof since, "%H:%M:%S", &tm);
    if (gmtime_r(&t, &tm)) strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char record[RECORD_MAX];
    int len = snprintf(record, sizeof record, "program %s\nhost %s\npid %ld\nsince %s\nstarted %s\n",
                       program, host, (long)getpid(), since, started);
    if (len < 0 || (size_t)len >= sizeof record) len = (int)sizeof record - 1;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, record, (size_t)len, 0) != len) {
      int saved = errno;
      unlink(l->path);
      close(fd);
      return nn_error_set(err, NN_FAIL, "%s: cannot write the lock file %s: %s", path, l->path,
                          strerror(saved));
    }
    l->fd = fd;
    return NN_OK;
  }
  return nn_error_set(err, NN_FAIL, "%s: the lock file %s keeps changing", path, l->path);
}

void lock_release(lock *l) {
  if (!l || l->fd < 0) return;
  /* Remove it while we hold it: a waiter that opened the old file sees the
   * inode change and starts over.  Only our own file: never one that
   * replaced it under our feet. */
  struct stat a, b;
  if (fstat(l->fd, &a) == 0 && lstat(l->path, &b) == 0 && a.st_ino == b.st_ino &&
      a.st_dev == b.st_dev)
    unlink(l->path);
  close(l->fd);
  l->fd = -1;
}

int lock_held(const char *path, lock_owner *owner) {
  char name[FS_PATH_MAX];
  if (lock_name(path, name, sizeof name) != 0) return -1;
  int fd = open_lock_file(name, O_RDONLY);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  int held = -1;
  if (fcntl(fd, F_GETLK, &fl) == 0) held = fl.l_type != F_UNLCK;
  if (held == 1 && owner) {
    read_record(fd, owner);
    if (owner->pid <= 0) owner->pid = fl.l_pid;
  }
  close(fd);
  return held;
}
