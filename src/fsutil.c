/* fsutil.c: mkdir -p, dirname and basename, and the two halves of an atomic
 * write (a new file written and synced; a folder synced), once for libnn.
 * Not here: anything that knows what the files hold. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

int fs_make_dirs(const char *dir, const char *what, nn_error *err) {
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s", dir) >= sizeof path)
    return nn_error_set(err, NN_BADINPUT, "%s: %.100s...: path too long", what, dir);
  if (!path[0]) return NN_OK;
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    const char c = *p;
    *p = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
      return nn_error_set(err, errno == ENOTDIR ? NN_BADINPUT : NN_FAIL,
                          "%s: cannot create %s: %s", what, path, strerror(errno));
    *p = c;
    if (c == '\0') break;
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return nn_error_set(err, NN_BADINPUT, "%s: %s is not a directory", what, dir);
  return NN_OK;
}

void fs_dirname(const char *path, char *buf, size_t n) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    snprintf(buf, n, ".");
  else if (slash == path)
    snprintf(buf, n, "/");
  else
    snprintf(buf, n, "%.*s", (int)(slash - path), path);
}

const char *fs_basename(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

int fs_read_only(const char *path, const struct stat *st) {
  return (st->st_mode & 0222) == 0 || (access(path, W_OK) != 0 && errno == EACCES);
}

int fs_unwritable(int errnum) { return errnum == EROFS || errnum == EACCES || errnum == EPERM; }

/* fsync()s path (a file or a directory).  -1 with errno on failure; file
 * systems that cannot sync a directory (EINVAL) count as success. */
int fs_sync(const char *path, int dir) {
  int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  if (rc < 0 && dir && (errno == EINVAL || errno == ENOTSUP)) rc = 0;
  int saved = errno;
  if (close(fd) < 0 && rc == 0) return -1;
  errno = saved;
  return rc;
}

int fs_open_plain(const char *path, int flags, int mode) {
  int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == ENXIO) errno = EINVAL; /* a FIFO opened for writing, no reader */
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const int why = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    close(fd);
    errno = why;
    return -1;
  }
  const int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  return fd;
}

/* Writes len bytes of buf to the new file tmp and fsyncs it (see fsutil.h). */
int fs_write_new(const char *tmp, const void *buf, size_t len, const struct stat *like) {
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) return -1;
  if (like) {
    /* owner first, then the permission bits alone: a results file is never
     * a program or a shared folder, so setuid, setgid and sticky bits are
     * never copied (issue 10, item 6) */
    if ((like->st_uid != geteuid() || like->st_gid != getegid()) &&
        fchown(fd, like->st_uid, like->st_gid) != 0 && like->st_gid != getegid()) {
      const int ignored = fchown(fd, (uid_t)-1, like->st_gid); /* may fail: we keep ours */
      (void)ignored;
    }
    if (fchmod(fd, like->st_mode & 0777) != 0) {
      int saved = errno;
      close(fd);
      errno = saved;
      return -1;
    }
  }
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int saved = n < 0 ? errno : EIO;
      close(fd);
      errno = saved;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  if (fsync(fd) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return close(fd);
}

