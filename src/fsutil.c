/* fsutil.c: mkdir -p, dirname and basename, once for all of libnn.
 * Not here: anything that knows what the files hold. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
