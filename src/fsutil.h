/* fsutil.h: the file-system helpers of libnn -- mkdir -p, the folder and the
 * base name of a path, and what an atomic write needs: a new file written
 * (with the mode and owner of the file it replaces) and fsynced, then (after
 * the caller's rename) its folder fsynced; and whether a file or a folder
 * may be written.
 *
 * Not here: results files (results.c), locks (lock.c).
 */
#ifndef NN_FSUTIL_H
#define NN_FSUTIL_H

#include <limits.h>
#include <stddef.h>

#include "error.h"

/* Bytes of a path the system takes, NUL included (PATH_MAX): the size of
 * every buffer that holds a results file's path, its lock's or its
 * temporary file's. */
#ifdef PATH_MAX
#define FS_PATH_MAX PATH_MAX
#else
#define FS_PATH_MAX 4096
#endif

/* mkdir -p dir (mode 0777 less the umask).  NN_BADINPUT naming what for
 * (e.g. "output.dir") when a part is a file, NN_FAIL on other errors. */
int fs_make_dirs(const char *dir, const char *what, nn_error *err);

/* The folder of path: "a/b.h5" -> "a", "b.h5" -> ".", "/b.h5" -> "/". */
void fs_dirname(const char *path, char *buf, size_t n);

/* The last part of path: "a/b.h5" -> "b.h5". */
const char *fs_basename(const char *path);

/* Opens path with flags (and mode, with O_CREAT) as a plain file, never
 * waiting on a FIFO: the open does not block, anything but a regular file
 * is closed again, and the descriptor is then made blocking.  -1 with errno:
 * EISDIR for a folder, EINVAL for a FIFO, device or socket, ELOOP for a link
 * under O_NOFOLLOW, or open's own. */
int fs_open_plain(const char *path, int flags, int mode);

/* Writes len bytes of buf to a new file path (never an existing one, never
 * through a link) and fsyncs it.  Its mode is 0666 less the umask, or, when
 * like is not NULL (the file it is to replace), like's permission bits, and
 * like's owner and group as far as the writer may set them (root: both; a
 * member of like's group: the group).  -1 with errno. */
struct stat;
int fs_write_new(const char *path, const void *buf, size_t len, const struct stat *like);

/* Whether the file of st at path is read-only for us: no write bit at all
 * (read-only even for root), or no write permission for this user. */
int fs_read_only(const char *path, const struct stat *st);

/* Whether errnum, of a failed creation of a file, means its folder is not
 * writable (EROFS, EACCES, EPERM): callers say "the folder DIR is not
 * writable (...)" rather than blame the file. */
int fs_unwritable(int errnum);

/* fsync()s path, a file or (dir) a folder.  -1 with errno; file systems
 * that cannot sync a folder (EINVAL, ENOTSUP) count as success. */
int fs_sync(const char *path, int dir);

#endif
