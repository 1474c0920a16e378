/* results.c: the HDF5 results file (layout in results.h) -- the atomic writer,
 * the checking reader and the in-memory struct: serialization only.  Not here:
 * deciding what a run records or when (run.c, train.c), the checked HDF5
 * helpers (h5check.c), file-system helpers (fsutil.c); nothing here prints or
 * exits.
 *
 * Representation choices (readers of the file rely on them):
 *   file      the HDF5 1.8 format: superblock 2 and object headers 2, whose
 *             metadata carry checksums (older files, superblock 0, still read);
 *   strings   variable-length UTF-8 scalars, which h5py reads as str (the
 *             reader also takes the fixed-length strings of older files);
 *   integers  int64 little-endian, except the *_crc32 attributes of /data,
 *             which are uint32 and the index datasets, which are uint64;
 *   reals     IEEE float64 little-endian; datasets contiguous, uncompressed.
 */
#include "config.h"

#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "fsutil.h"
#include "h5check.h"
#include "results.h"
#include "spec_model.h"
#include "text.h"

/* size_t as HDF5 sees it in memory. */
#define NATIVE_SIZE_T (sizeof(size_t) == 8 ? H5T_NATIVE_UINT64 : H5T_NATIVE_UINT32)

#define METRIC_COLUMNS 6
static const char *const metric_names[METRIC_COLUMNS] = {
    "train_loss", "train_accuracy", "dev_loss", "dev_accuracy", "objective", "seconds"};
static const char *const metric_paths[METRIC_COLUMNS] = {
    "/metrics/train_loss", "/metrics/train_accuracy", "/metrics/dev_loss",
    "/metrics/dev_accuracy", "/metrics/objective", "/metrics/seconds"};

static double *metric_field(results_epoch *row, int c) {
  switch (c) {
    case 0: return &row->train_loss;
    case 1: return &row->train_accuracy;
    case 2: return &row->dev_loss;
    case 3: return &row->dev_accuracy;
    case 4: return &row->objective;
    default: return &row->seconds;
  }
}

/* The /data attribute values of enum results_input. */
static const char *const input_names[2] = {"dense", "sparse"};

/* ------------------------------------------------------------- the struct */

void results_init(results *r) {
  memset(r, 0, sizeof *r);
  r->train_input = r->test_input = RESULTS_INPUT_UNKNOWN;
  snprintf(r->status, sizeof r->status, "running");
  spec_defaults(&r->spec);
}

void results_free(results *r) {
  if (!r) return;
  mlp_free(&r->model);
  optim_free(&r->optimizer);
  free(r->command_line);
  free(r->train_index);
  free(r->dev_index);
  free(r->metrics);
  free(r->confusion);
  results_init(r);
}

int results_add_epoch(results *r, const results_epoch *row, nn_error *err) {
  if (r->epochs_done == r->epochs_cap) {
    size_t cap = r->epochs_cap ? 2 * r->epochs_cap : 16;
    results_epoch *m = cap < SIZE_MAX / sizeof *m ? realloc(r->metrics, cap * sizeof *m) : NULL;
    if (!m) return nn_error_set(err, NN_FAIL, "results: out of memory for %zu epochs", cap);
    r->metrics = m;
    r->epochs_cap = cap;
  }
  r->metrics[r->epochs_done++] = *row;
  return NN_OK;
}

void results_quiet_hdf5(void) {
  static int done;
  if (!done) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    /* no filter plugins from HDF5_PLUGIN_PATH: a results file names no
     * filter (h5check refuses them), so no file can load code */
    H5PLset_loading_state(0);
    done = 1;
  }
}

/* ================================================================ writer */

/* A command line longer than this is cut: it is a note, not data (and files
 * of the superblock-0 format, written before, capped object headers at 64 KiB). */
#define COMMAND_LINE_MAX 32768

static int write_root(hid_t f, const results *r, const char **what) {
  char command_line[COMMAND_LINE_MAX];
  const char *cl = r->command_line ? r->command_line : "";
  if (strlen(cl) >= sizeof command_line) {
    snprintf(command_line, sizeof command_line, "%.*s ...", (int)sizeof command_line - 5, cl);
    cl = command_line;
  }
  *what = "root attributes";
  if (h5_write_attr_str(f, "format", RESULTS_FORMAT) < 0 ||
      h5_write_attr_i64(f, "format_version", RESULTS_FORMAT_VERSION) < 0 ||
      h5_write_attr_str(f, "status", r->status) < 0 ||
      h5_write_attr_str(f, "created", r->created) < 0 ||
      h5_write_attr_str(f, "finished", r->finished) < 0 ||
      h5_write_attr_str(f, "nnrun_version", r->nnrun_version) < 0 ||
      h5_write_attr_str(f, "hdf5_version", r->hdf5_version) < 0 ||
      h5_write_attr_str(f, "gsl_version", r->gsl_version) < 0 ||
      h5_write_attr_str(f, "blas", r->blas) < 0 ||
      h5_write_attr_i64(f, "threads", r->threads) < 0 ||
      h5_write_attr_str(f, "host", r->host) < 0 ||
      h5_write_attr_str(f, "command_line", cl) < 0)
    return -1;
  if (strcmp(r->status, "diverged") == 0 && r->diverged_epoch > 0 &&
      (h5_write_attr_i64(f, "diverged_epoch", r->diverged_epoch) < 0 ||
       h5_write_attr_str(f, "diverged_cause", r->diverged_cause) < 0))
    return -1;
  return 0;
}

static int write_spec(const h5_wprops *p, hid_t f, const results *r, const char **what) {
  int rc = -1;
  hid_t t = -1, space = -1, dset = -1;
  char *yaml = spec_to_yaml(&r->spec);
  *what = "/spec";
  if (!yaml) goto done;
  if ((t = h5_string_type()) < 0 || (space = H5Screate(H5S_SCALAR)) < 0) goto done;
  dset = H5Dcreate2(f, "spec", t, space, H5P_DEFAULT, p->dcpl, H5P_DEFAULT);
  if (dset < 0 || H5Dwrite(dset, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &yaml) < 0) goto done;
  for (size_t i = 0; i < spec_nkeys(); i++) {
    const char *key = spec_key_path(i);
    char text[SPEC_PATH_MAX + 64];
    const long *list;
    size_t nlist;
    int wrc;
    if (!spec_key_used(&r->spec, i)) continue; /* as in the YAML text: its optimizer's keys only */
    switch (spec_key_type(i)) {
      case SPEC_INT: wrc = h5_write_attr_i64(dset, key, spec_key_long(&r->spec, i)); break;
      case SPEC_REAL: wrc = h5_write_attr_f64(dset, key, spec_key_double(&r->spec, i)); break;
      case SPEC_INT_LIST: /* one layer: an int64 scalar, as before lists; else int64 (n) */
        nlist = spec_key_list(&r->spec, i, &list);
        wrc = nlist == 1 ? h5_write_attr_i64(dset, key, list[0])
                         : h5_write_attr_i64s(dset, key, list, nlist);
        break;
      default: /* strings, enums by name, booleans as true or false */
        spec_key_text(&r->spec, i, text, sizeof text);
        wrc = h5_write_attr_str(dset, key, text);
        break;
    }
    if (wrc < 0) {
      *what = "/spec attributes";
      goto done;
    }
  }
  rc = 0;
done:
  if (dset >= 0 && H5Dclose(dset) < 0) rc = -1;
  if (space >= 0 && H5Sclose(space) < 0) rc = -1;
  if (t >= 0 && H5Tclose(t) < 0) rc = -1;
  free(yaml);
  return rc;
}

static int write_data(const h5_wprops *p, hid_t f, const results *r, const char **what) {
  int rc = -1;
  hid_t g = -1;
  hsize_t ntrain[1] = {r->train_size}, ndev[1] = {r->dev_size};
  *what = "/data";
  if ((g = H5Gcreate2(f, "data", H5P_DEFAULT, p->gcpl, H5P_DEFAULT)) < 0) goto done;
  if (h5_write_attr_f64(g, "mean", r->mean) < 0 || h5_write_attr_f64(g, "std", r->std) < 0 ||
      h5_write_attr_i64(g, "train_size", (long long)r->train_size) < 0 ||
      h5_write_attr_i64(g, "dev_size", (long long)r->dev_size) < 0 ||
      h5_write_attr_i64(g, "test_size", (long long)r->test_size) < 0 ||
      h5_write_attr_str(g, "normalize", spec_normalize_name(r->spec.data.normalize)) < 0 ||
      (r->train_input != RESULTS_INPUT_UNKNOWN &&
       h5_write_attr_str(g, "train_input", input_names[r->train_input]) < 0) ||
      (r->test_input != RESULTS_INPUT_UNKNOWN &&
       h5_write_attr_str(g, "test_input", input_names[r->test_input]) < 0) ||
      h5_write_attr_str(g, "train_images", r->train_images) < 0 ||
      h5_write_attr_u32(g, "train_images_crc32", r->train_images_crc32) < 0 ||
      h5_write_attr_str(g, "train_labels", r->train_labels) < 0 ||
      h5_write_attr_u32(g, "train_labels_crc32", r->train_labels_crc32) < 0 ||
      h5_write_attr_str(g, "test_images", r->test_images) < 0 ||
      h5_write_attr_u32(g, "test_images_crc32", r->test_images_crc32) < 0 ||
      h5_write_attr_str(g, "test_labels", r->test_labels) < 0 ||
      h5_write_attr_u32(g, "test_labels_crc32", r->test_labels_crc32) < 0)
    goto done;
  *what = "/data/train_index";
  if (h5_write_dset(p, g, "train_index", H5T_STD_U64LE, NATIVE_SIZE_T, 1, ntrain, r->train_index) < 0)
    goto done;
  *what = "/data/dev_index";
  if (h5_write_dset(p, g, "dev_index", H5T_STD_U64LE, NATIVE_SIZE_T, 1, ndev, r->dev_index) < 0)
    goto done;
  rc = 0;
done:
  if (g >= 0 && H5Gclose(g) < 0) rc = -1;
  return rc;
}

/* Names of parameter datasets in messages: "/model/W3", "/optimizer/m/b1". */
static _Thread_local char param_what[64];

/* W1, b1, W2, b2, ... of m into group g (called group in messages), stored
 * as computed: float64 or float32. */
static int write_params(const h5_wprops *p, hid_t g, const char *group, const mlp *m,
                        const char **what) {
  const hid_t ft = m->precision == MLP_FLOAT32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  const hid_t mt = m->precision == MLP_FLOAT32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
  for (size_t l = 0; l < m->nlayers; l++) {
    const mlp_layer *L = &m->layer[l];
    const hsize_t wdims[2] = {L->in, L->out}, bdims[1] = {L->out};
    char name[16];
    snprintf(name, sizeof name, "W%zu", l + 1);
    snprintf(param_what, sizeof param_what, "%s/%s", group, name);
    *what = param_what;
    if (h5_write_dset(p, g, name, ft, mt, 2, wdims, (char *)m->mem + L->w * m->elem) < 0)
      return -1;
    snprintf(name, sizeof name, "b%zu", l + 1);
    snprintf(param_what, sizeof param_what, "%s/%s", group, name);
    if (h5_write_dset(p, g, name, ft, mt, 1, bdims, (char *)m->mem + L->b * m->elem) < 0)
      return -1;
  }
  return 0;
}

/* Group name of loc holding m's parameters. */
static int write_param_group(const h5_wprops *p, hid_t loc, const char *name, const char *group,
                             const mlp *m, const char **what) {
  *what = group;
  hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, p->gcpl, H5P_DEFAULT);
  if (g < 0) return -1;
  int rc = write_params(p, g, group, m, what);
  if (H5Gclose(g) < 0) rc = -1;
  return rc;
}

static int write_model(const h5_wprops *p, hid_t f, const results *r, const char **what) {
  return write_param_group(p, f, "model", "/model", &r->model, what);
}

/* /optimizer: attrs optimizer (its name) and steps; momentum's velocity in
 * /optimizer/velocity, Adam's moments in /optimizer/m and /optimizer/v, each
 * shaped like /model. */
static int write_optimizer(const h5_wprops *p, hid_t f, const results *r, const char **what) {
  const optim_state *o = &r->optimizer;
  int rc = -1;
  *what = "/optimizer";
  hid_t g = H5Gcreate2(f, "optimizer", H5P_DEFAULT, p->gcpl, H5P_DEFAULT);
  if (g < 0) return -1;
  if (h5_write_attr_str(g, "optimizer", optim_name(o->kind)) < 0 ||
      h5_write_attr_i64(g, "steps", o->steps) < 0)
    goto done;
  if (o->kind == OPTIM_MOMENTUM &&
      write_param_group(p, g, "velocity", "/optimizer/velocity", &o->m, what) < 0)
    goto done;
  if (o->kind == OPTIM_ADAM && (write_param_group(p, g, "m", "/optimizer/m", &o->m, what) < 0 ||
                                write_param_group(p, g, "v", "/optimizer/v", &o->v, what) < 0))
    goto done;
  rc = 0;
done:
  if (H5Gclose(g) < 0) rc = -1;
  return rc;
}

static int write_metrics(const h5_wprops *p, hid_t f, const results *r, const char **what) {
  int rc = -1;
  hid_t g = -1;
  size_t n = r->epochs_done;
  hsize_t dims[1] = {n};
  double *col = malloc(n * sizeof *col + sizeof(long) * n + 1);
  long *epoch = (long *)(col + n);
  *what = "/metrics";
  if (!col) goto done;
  if ((g = H5Gcreate2(f, "metrics", H5P_DEFAULT, p->gcpl, H5P_DEFAULT)) < 0) goto done;
  for (size_t i = 0; i < n; i++) epoch[i] = r->metrics[i].epoch;
  *what = "/metrics/epoch";
  if (h5_write_dset(p, g, "epoch", H5T_STD_I64LE, H5T_NATIVE_LONG, 1, dims, epoch) < 0) goto done;
  for (int c = 0; c < METRIC_COLUMNS; c++) {
    for (size_t i = 0; i < n; i++) col[i] = *metric_field(&r->metrics[i], c);
    *what = metric_paths[c];
    if (h5_write_dset(p, g, metric_names[c], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims, col) < 0)
      goto done;
  }
  rc = 0;
done:
  if (g >= 0 && H5Gclose(g) < 0) rc = -1;
  free(col);
  return rc;
}

static int write_test(const h5_wprops *p, hid_t f, const results *r, const char **what) {
  int rc = -1;
  hid_t g = -1;
  hsize_t kk[2] = {r->model.k, r->model.k};
  long long n = r->test_n;
  *what = "/test";
  if ((g = H5Gcreate2(f, "test", H5P_DEFAULT, p->gcpl, H5P_DEFAULT)) < 0) goto done;
  if (h5_write_dset(p, g, "loss", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, NULL, &r->test_loss) < 0 ||
      h5_write_dset(p, g, "accuracy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, NULL,
                 &r->test_accuracy) < 0 ||
      h5_write_dset(p, g, "confusion", H5T_STD_I64LE, H5T_NATIVE_LONG, 2, kk, r->confusion) < 0 ||
      h5_write_dset(p, g, "n", H5T_STD_I64LE, H5T_NATIVE_LLONG, 0, NULL, &n) < 0)
    goto done;
  rc = 0;
done:
  if (g >= 0 && H5Gclose(g) < 0) rc = -1;
  return rc;
}

/* The whole file is built in memory (HDF5's core driver, no backing store)
 * and then written with plain write(2): a full disk or a vanished folder
 * fails in our code with errno, never half-way inside HDF5, whose clean-up
 * after failed writes is not to be trusted. */
int results_write(const results *r, const char *path, nn_error *err) {
  int status = NN_FAIL, created = 0;
  hid_t fapl = -1, f = -1;
  h5_wprops props = {-1, -1, -1};
  const char *what = "";
  char tmp[FS_PATH_MAX], dir[FS_PATH_MAX];
  void *image = NULL;

  results_quiet_hdf5();
  if (!r->model.mem) return nn_error_set(err, NN_FAIL, "%s: no model to write", path);
  if (r->has_test && !r->confusion)
    return nn_error_set(err, NN_FAIL, "%s: test results without a confusion matrix", path);
  if ((r->train_size && !r->train_index) || (r->dev_size && !r->dev_index) ||
      (r->epochs_done && !r->metrics))
    return nn_error_set(err, NN_FAIL, "%s: results without their index or metrics arrays",
                        path);
  if (results_temp_name(path, tmp, sizeof tmp) != 0)
    return nn_error_set(err, NN_FAIL, "%s: path too long", path);
  fs_dirname(path, dir, sizeof dir);

  if ((fapl = h5_fapl()) < 0 || H5Pset_fapl_core(fapl, 1 << 20, 0) < 0 ||
      (props.fcpl = H5Pcreate(H5P_FILE_CREATE)) < 0 ||
      (props.dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0 ||
      (props.gcpl = H5Pcreate(H5P_GROUP_CREATE)) < 0 ||
      H5Pset_obj_track_times(props.dcpl, 0) < 0 || H5Pset_obj_track_times(props.gcpl, 0) < 0 ||
      H5Pset_obj_track_times(props.fcpl, 0) < 0) {
    nn_error_set(err, NN_FAIL, "%s: cannot set up HDF5 properties", path);
    goto done;
  }
  if ((f = H5Fcreate(tmp, H5F_ACC_TRUNC, props.fcpl, fapl)) < 0) {
    nn_error_set(err, NN_FAIL, "%s: HDF5 cannot create a file in memory", path);
    goto done;
  }
  if (write_root(f, r, &what) < 0 || write_spec(&props, f, r, &what) < 0 ||
      write_data(&props, f, r, &what) < 0 || write_model(&props, f, r, &what) < 0 ||
      write_optimizer(&props, f, r, &what) < 0 ||
      write_metrics(&props, f, r, &what) < 0 ||
      (r->has_test && write_test(&props, f, r, &what) < 0)) {
    nn_error_set(err, NN_FAIL, "%s: writing %s failed", path, what);
    goto done;
  }
  ssize_t size;
  if (H5Fflush(f, H5F_SCOPE_GLOBAL) < 0 || (size = H5Fget_file_image(f, NULL, 0)) <= 0 ||
      !(image = malloc((size_t)size)) || H5Fget_file_image(f, image, (size_t)size) != size ||
      h5_fix_image(image, (size_t)size) < 0) {
    nn_error_set(err, NN_FAIL, "%s: cannot build the file image (%s)", path,
                 image ? "HDF5 failed" : "out of memory");
    goto done;
  }
  hid_t fclosing = f;
  f = -1;
  if (H5Fclose(fclosing) < 0) {
    nn_error_set(err, NN_FAIL, "%s: closing the in-memory file failed", path);
    goto done;
  }

  /* A temporary file of our own name can only be a leftover of a killed run
   * that had our process id (containers reuse small ids).  Only what exists
   * is removed: a read-only folder refuses unlink() even for no file, and
   * its real problem is reported by the creation below. */
  struct stat ts, old;
  if (unlink(tmp) < 0 && errno != ENOENT && lstat(tmp, &ts) == 0) {
    nn_error_set(err, NN_FAIL, "%s: cannot remove stale %s: %s", path, tmp, strerror(errno));
    goto done;
  }
  /* a rewrite keeps the mode, owner and group of the file it replaces */
  const int replaces = lstat(path, &old) == 0 && S_ISREG(old.st_mode);
  created = 1;
  if (fs_write_new(tmp, image, (size_t)size, replaces ? &old : NULL) < 0) {
    const int e = errno;
    if (e == EEXIST) created = 0;
    if (fs_unwritable(e))
      nn_error_set(err, NN_FAIL, "cannot write %s: the folder %s is not writable (%s)", path,
                   dir, strerror(e));
    else
      nn_error_set(err, NN_FAIL, "%s: cannot write %s: %s", path, tmp, strerror(e));
    goto done;
  }
  if (rename(tmp, path) < 0) {
    const int e = errno;
    if (fs_unwritable(e))
      nn_error_set(err, NN_FAIL, "cannot write %s: the folder %s is not writable (%s)", path,
                   dir, strerror(e));
    else
      nn_error_set(err, NN_FAIL, "%s: cannot rename %s over it: %s", path, tmp, strerror(e));
    goto done;
  }
  created = 0;
  if (fs_sync(dir, 1) < 0) {
    nn_error_set(err, NN_FAIL, "%s: fsync of directory %s failed: %s", path, dir,
                 strerror(errno));
    goto done;
  }
  status = NN_OK;
done:
  free(image);
  if (f >= 0) H5Fclose(f);
  if (fapl >= 0) H5Pclose(fapl);
  if (props.fcpl >= 0) H5Pclose(props.fcpl);
  if (props.dcpl >= 0) H5Pclose(props.dcpl);
  if (props.gcpl >= 0) H5Pclose(props.gcpl);
  if (created) unlink(tmp);
  return status;
}

/* ================================================================ reader */

/* Text from the file for a message: at most 64 bytes, anything but printable
 * ASCII escaped as \xNN, so the message stays one line of plain text. */
static const char *shown(const char *s, char buf[300]) {
  const size_t len = strlen(s);
  text_escape(s, len < 64 ? len : 64, 0, buf, 300);
  return buf;
}

/* Opens path and checks the format attributes (the version too when
 * check_version).  *f is the open file on success. */
static int open_results(h5_reader *c, int check_version, hid_t *f) {
  int status;
  hid_t fapl = -1;
  char *format = NULL;
  long long version;
  *f = -1;
  results_quiet_hdf5();
  /* a plain file only: never waits on a FIFO */
  int fd = fs_open_plain(c->path, O_RDONLY, 0);
  if (fd < 0) {
    if (errno == ENOENT) return h5_bad(c, NN_BADINPUT, "no such file");
    if (errno == EISDIR) return h5_bad(c, NN_BADINPUT, "is a directory, not an HDF5 file");
    if (errno == EINVAL) return h5_bad(c, NN_BADINPUT, "not a regular file (a FIFO or device?)");
    return h5_bad(c, NN_FAIL, "%s", strerror(errno));
  }
  close(fd);
  if (H5Fis_hdf5(c->path) <= 0) return h5_bad(c, NN_BADINPUT, "not an HDF5 file");
  if ((fapl = h5_fapl()) < 0) return h5_bad(c, NN_FAIL, "cannot set up HDF5 file access");
  *f = H5Fopen(c->path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  if (*f < 0) return h5_bad(c, NN_BADINPUT, "cannot open HDF5 file (damaged?)");

  htri_t there = H5Aexists(*f, "format");
  if (there <= 0) {
    status = h5_bad(c, NN_BADINPUT, there ? "cannot read the root attributes (damaged file?)"
                                       : "not an nnrun results file (no 'format' attribute)");
    goto done;
  }
  if ((status = h5_read_attr(c, *f, "/", "format", H5K_STR, &format))) goto done;
  if (strcmp(format, RESULTS_FORMAT) != 0) {
    char text[300];
    status = h5_bad(c, NN_BADINPUT, "not an nnrun results file (format is '%s', expected '%s')",
                 shown(format, text), RESULTS_FORMAT);
    goto done;
  }
  if (check_version) {
    if ((status = h5_read_attr(c, *f, "/", "format_version", H5K_INT, &version))) goto done;
    if (version != RESULTS_FORMAT_VERSION) {
      status = h5_bad(c, NN_BADINPUT, "unsupported format_version %lld (this nnrun reads %d)",
                   version, RESULTS_FORMAT_VERSION);
      goto done;
    }
  }
  status = NN_OK;
done:
  free(format);
  if (status != NN_OK && *f >= 0) {
    H5Fclose(*f);
    *f = -1;
  }
  return status;
}

/* The root attribute "status": one of the four words of the format. */
static int read_status(h5_reader *c, hid_t f, char *buf, size_t n) {
  static const char *const words[] = {"running", "complete", "diverged", "interrupted"};
  char text[300];
  int status = h5_read_attr_text(c, f, "/", "status", buf, n);
  if (status) return status;
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strcmp(buf, words[i]) == 0) return NN_OK;
  return h5_bad(c, NN_BADINPUT, "/ attribute 'status': expected running, complete, diverged or "
             "interrupted, got '%s'", shown(buf, text));
}

int results_read_status(const char *path, char *status_out, size_t n, nn_error *err) {
  h5_reader c = {path, err};
  hid_t f;
  int status = open_results(&c, 0, &f);
  if (status) return status;
  status = read_status(&c, f, status_out, n);
  if (H5Fclose(f) < 0 && !status) status = h5_bad(&c, NN_FAIL, "closing failed");
  return status;
}

static int read_root(h5_reader *c, hid_t f, results *r) {
  int status;
  long long threads;
  struct {
    const char *name;
    char *buf;
    size_t n;
  } texts[] = {
      {"status", r->status, sizeof r->status},
      {"created", r->created, sizeof r->created},
      {"finished", r->finished, sizeof r->finished},
      {"nnrun_version", r->nnrun_version, sizeof r->nnrun_version},
      {"hdf5_version", r->hdf5_version, sizeof r->hdf5_version},
      {"gsl_version", r->gsl_version, sizeof r->gsl_version},
      {"blas", r->blas, sizeof r->blas},
      {"host", r->host, sizeof r->host},
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
    if ((status = i == 0 ? read_status(c, f, texts[i].buf, texts[i].n)
                         : h5_read_attr_text(c, f, "/", texts[i].name, texts[i].buf, texts[i].n)))
      return status;
  if ((status = h5_read_attr_int(c, f, "/", "threads", 0, LONG_MAX, &threads))) return status;
  r->threads = (long)threads;
  /* a diverged run's epoch and cause: absent in older files */
  htri_t there = H5Aexists(f, "diverged_epoch");
  if (there > 0) {
    long long epoch;
    if ((status = h5_read_attr_int(c, f, "/", "diverged_epoch", 1, LONG_MAX, &epoch)) ||
        (status = h5_read_attr_text(c, f, "/", "diverged_cause", r->diverged_cause,
                                    sizeof r->diverged_cause)))
      return status;
    r->diverged_epoch = (long)epoch;
  } else if (there < 0) {
    return h5_bad(c, NN_BADINPUT, "/ attribute 'diverged_epoch': cannot look it up");
  }
  return h5_read_attr(c, f, "/", "command_line", H5K_STR, &r->command_line);
}

static int read_spec(h5_reader *c, hid_t f, results *r) {
  hsize_t none[1];
  hid_t d, t = -1;
  char *text = NULL, label[FS_PATH_MAX + 16];
  int status = h5_open_dset(c, f, "/spec", "spec", H5K_STR, 0, none, &d);
  if (status) return status;
  if ((t = H5Dget_type(d)) < 0) {
    status = h5_bad(c, NN_BADINPUT, "/spec: cannot read its type");
    goto done;
  }
  if ((status = h5_read_string(c, "/spec", -1, d, t, &text))) goto done;
  snprintf(label, sizeof label, "%s:/spec", c->path);
  spec_defaults(&r->spec);
  status = spec_load_string(&r->spec, text, strlen(text), label, c->err);
done:
  if (t >= 0) H5Tclose(t);
  H5Dclose(d);
  free(text);
  return status;
}

/* /data attribute name, when there: RESULTS_INPUT_DENSE or _SPARSE into *v. */
static int read_input(h5_reader *c, hid_t g, const char *name, int *v) {
  htri_t there = H5Aexists(g, name);
  if (there < 0) return h5_bad(c, NN_BADINPUT, "/data attribute '%s': cannot look it up", name);
  if (!there) return NN_OK; /* written before it was recorded */
  char text[16], shown_text[300];
  int status = h5_read_attr_text(c, g, "/data", name, text, sizeof text);
  if (status) return status;
  for (int i = 0; i < 2; i++)
    if (strcmp(text, input_names[i]) == 0) {
      *v = i;
      return NN_OK;
    }
  return h5_bad(c, NN_BADINPUT, "/data attribute '%s': expected dense or sparse, got '%s'", name,
                shown(text, shown_text));
}

static int read_data(h5_reader *c, hid_t f, results *r) {
  int status;
  hid_t g;
  long long v[3], crc;
  char *norm = NULL;
  void *buf = NULL;
  const char *w = "/data";
  if ((status = h5_open_group(c, f, "/data", "data", &g))) return status;
  if ((status = h5_read_attr(c, g, w, "mean", H5K_F64, &r->mean)) ||
      (status = h5_read_attr(c, g, w, "std", H5K_F64, &r->std)) ||
      (status = h5_read_attr_int(c, g, w, "train_size", 0, LLONG_MAX / 4, &v[0])) ||
      (status = h5_read_attr_int(c, g, w, "dev_size", 0, LLONG_MAX / 4, &v[1])) ||
      (status = h5_read_attr_int(c, g, w, "test_size", 0, LLONG_MAX / 4, &v[2])) ||
      (status = h5_read_attr(c, g, w, "normalize", H5K_STR, &norm)) ||
      (status = read_input(c, g, "train_input", &r->train_input)) ||
      (status = read_input(c, g, "test_input", &r->test_input)))
    goto done;
  r->train_size = (size_t)v[0];
  r->dev_size = (size_t)v[1];
  r->test_size = (size_t)v[2];
  if (strcmp(norm, spec_normalize_name(r->spec.data.normalize)) != 0) {
    char text[300];
    status = h5_bad(c, NN_BADINPUT, "/data attribute 'normalize': '%s' disagrees with /spec (%s)",
                 shown(norm, text), spec_normalize_name(r->spec.data.normalize));
    goto done;
  }
  struct {
    const char *name, *crc_name;
    char *buf;
    uint32_t *crc;
  } files[] = {
      {"train_images", "train_images_crc32", r->train_images, &r->train_images_crc32},
      {"train_labels", "train_labels_crc32", r->train_labels, &r->train_labels_crc32},
      {"test_images", "test_images_crc32", r->test_images, &r->test_images_crc32},
      {"test_labels", "test_labels_crc32", r->test_labels, &r->test_labels_crc32},
  };
  for (size_t i = 0; i < 4; i++) {
    if ((status = h5_read_attr_text(c, g, w, files[i].name, files[i].buf, DATA_PATH_MAX)) ||
        (status = h5_read_attr_int(c, g, w, files[i].crc_name, 0, UINT32_MAX, &crc)))
      goto done;
    *files[i].crc = (uint32_t)crc;
  }

  size_t limit = r->train_size + r->dev_size;
  struct {
    const char *what, *name;
    size_t n;
    size_t **out;
  } idx[] = {
      {"/data/train_index", "train_index", r->train_size, &r->train_index},
      {"/data/dev_index", "dev_index", r->dev_size, &r->dev_index},
  };
  for (size_t i = 0; i < 2; i++) {
    hsize_t dims[1] = {idx[i].n};
    if ((status = h5_load_dset(c, g, idx[i].what, idx[i].name, H5K_INT, 1, dims, NATIVE_SIZE_T,
                            sizeof(size_t), &buf)))
      goto done;
    *idx[i].out = buf;
    buf = NULL;
    for (size_t j = 0; j < idx[i].n; j++)
      if ((*idx[i].out)[j] >= limit) {
        status = h5_bad(c, NN_BADINPUT,
                     "%s: element %zu is %zu, expected < train_size + dev_size = %zu",
                     idx[i].what, j, (*idx[i].out)[j], limit);
        goto done;
      }
  }
  status = NN_OK;
done:
  free(norm);
  H5Gclose(g);
  return status;
}

/* Reads a checked float64 dataset of rows x cols into M (contiguous or not). */
/* Opens a dataset only to learn its shape. */
static int peek_dims(h5_reader *c, hid_t loc, const char *what, const char *name, enum h5_kind k,
                     int rank, hsize_t *dims) {
  hid_t d;
  int status = h5_open_dset(c, loc, what, name, k, rank, dims, &d);
  if (!status) H5Dclose(d);
  return status;
}

/* Reads W1, b1, ... of group g (called group in messages) into m, already
 * shaped: each dataset must have m's shape and precision. */
static int read_params(h5_reader *c, hid_t g, const char *group, mlp *m) {
  const enum h5_kind kind = m->precision == MLP_FLOAT32 ? H5K_F32 : H5K_F64;
  const hid_t mt = m->precision == MLP_FLOAT32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
  for (size_t l = 0; l < m->nlayers; l++) {
    const mlp_layer *L = &m->layer[l];
    for (int isb = 0; isb <= 1; isb++) {
      char name[16], what[64];
      hsize_t dims[2] = {isb ? L->out : L->in, L->out};
      hid_t d;
      snprintf(name, sizeof name, "%c%zu", isb ? 'b' : 'W', l + 1);
      snprintf(what, sizeof what, "%s/%s", group, name);
      int status = h5_open_dset(c, g, what, name, kind, isb ? 1 : 2, dims, &d);
      if (!status)
        status = h5_read_dset(c, what, d, mt, isb ? L->out : L->in * L->out,
                              (char *)m->mem + (isb ? L->b : L->w) * m->elem);
      if (status) return status;
    }
  }
  return NN_OK;
}

/* The largest extent of one layer a reader accepts. */
#define MODEL_EXTENT_MAX ((hsize_t)1 << 30)

static int read_model(h5_reader *c, hid_t f, results *r) {
  int status;
  hid_t g;
  const spec *s = &r->spec;
  const size_t nh = s->model.nhidden, last = nh + 1;
  /* The parameters are stored in the precision the spec trains in; the
   * hidden widths come from the spec, d from W1 and the classes from the
   * last layer.  Every dataset's shape is checked before the model is
   * allocated, so a spec of huge layers costs nothing. */
  const enum h5_kind kw = s->model.precision == SPEC_PREC_FLOAT32 ? H5K_F32 : H5K_F64;
  hsize_t w1[2] = {H5_ANY, nh ? (hsize_t)s->model.hidden[0] : H5_ANY};
  hsize_t wl[2] = {nh ? (hsize_t)s->model.hidden[nh - 1] : H5_ANY, H5_ANY};
  char name[16], what[64];
  nn_error merr;
  if ((status = h5_open_group(c, f, "/model", "model", &g))) return status;
  if ((status = peek_dims(c, g, "/model/W1", "W1", kw, 2, w1))) goto done;
  if (w1[0] == 0 || w1[0] > MODEL_EXTENT_MAX) {
    status = h5_bad(c, NN_BADINPUT, "/model/W1: %llu rows (inputs); expected 1 to %llu",
                    (unsigned long long)w1[0], (unsigned long long)MODEL_EXTENT_MAX);
    goto done;
  }
  snprintf(name, sizeof name, "W%zu", last);
  snprintf(what, sizeof what, "/model/%s", name);
  if (nh == 0) wl[0] = w1[0];
  if ((status = peek_dims(c, g, what, name, kw, 2, wl))) goto done;
  if (wl[1] < 2 || wl[1] > 256) {
    status = h5_bad(c, NN_BADINPUT, "%s: %llu columns (classes); expected 2 to 256", what,
                    (unsigned long long)wl[1]);
    goto done;
  }
  /* the layers between, and nothing after the last */
  for (size_t l = 2; l < last; l++) {
    hsize_t dims[2] = {(hsize_t)s->model.hidden[l - 2], (hsize_t)s->model.hidden[l - 1]};
    snprintf(name, sizeof name, "W%zu", l);
    snprintf(what, sizeof what, "/model/%s", name);
    if ((status = peek_dims(c, g, what, name, kw, 2, dims))) goto done;
  }
  snprintf(name, sizeof name, "W%zu", last + 1);
  if (H5Lexists(g, name, H5P_DEFAULT) != 0) {
    status = h5_bad(c, NN_BADINPUT, "/model/%s: present, but /spec says model.hidden has %zu "
                    "layers (expected W1 to W%zu)", name, nh, last);
    goto done;
  }
  size_t hidden[SPEC_HIDDEN_MAX];
  for (size_t l = 0; l < nh; l++) hidden[l] = (size_t)s->model.hidden[l];
  if (mlp_init(&r->model, w1[0], hidden, nh, wl[1], spec_model_act(s),
               spec_model_precision(s), &merr)) {
    status = h5_bad(c, merr.status == NN_BADINPUT ? NN_BADINPUT : NN_FAIL, "/model: %s", merr.msg);
    goto done;
  }
  status = read_params(c, g, "/model", &r->model);
done:
  if (H5Gclose(g) < 0 && !status) status = h5_bad(c, NN_FAIL, "/model: closing failed");
  return status;
}

/* /optimizer as write_optimizer() wrote it, for the optimizer the spec names.
 * A file without it (written before optimizers existed) trained with SGD,
 * which has no state. */
static int read_optimizer(h5_reader *c, hid_t f, results *r) {
  const optim_config want = spec_optim(&r->spec);
  nn_error merr;
  htri_t has = H5Lexists(f, "optimizer", H5P_DEFAULT);
  if (has < 0) return h5_bad(c, NN_BADINPUT, "/optimizer: cannot look it up");
  if (optim_init(&r->optimizer, want.kind, &r->model, &merr))
    return h5_bad(c, NN_FAIL, "/optimizer: %s", merr.msg);
  if (!has) {
    if (want.kind == OPTIM_SGD) return NN_OK;
    return h5_bad(c, NN_BADINPUT, "/optimizer: missing, but /spec says train.optimizer: %s",
                  optim_name(want.kind));
  }
  hid_t g, sub = -1;
  char name[32];
  long long steps;
  int status = h5_open_group(c, f, "/optimizer", "optimizer", &g);
  if (status) return status;
  /* steps <= what any spec can take (epochs * batches fit in a long) */
  if ((status = h5_read_attr_text(c, g, "/optimizer", "optimizer", name, sizeof name)) ||
      (status = h5_read_attr_int(c, g, "/optimizer", "steps", 0, LONG_MAX / 2, &steps)))
    goto done;
  if (strcmp(name, optim_name(want.kind)) != 0) {
    char text[300];
    status = h5_bad(c, NN_BADINPUT, "/optimizer: optimizer '%s', but /spec says train.optimizer: %s",
                    shown(name, text), optim_name(want.kind));
    goto done;
  }
  r->optimizer.steps = (long)steps;
  if (want.kind == OPTIM_MOMENTUM) {
    if (!(status = h5_open_group(c, g, "/optimizer/velocity", "velocity", &sub)))
      status = read_params(c, sub, "/optimizer/velocity", &r->optimizer.m);
  } else if (want.kind == OPTIM_ADAM) {
    if (!(status = h5_open_group(c, g, "/optimizer/m", "m", &sub))) {
      status = read_params(c, sub, "/optimizer/m", &r->optimizer.m);
      H5Gclose(sub);
      sub = -1;
      if (!status && !(status = h5_open_group(c, g, "/optimizer/v", "v", &sub)))
        status = read_params(c, sub, "/optimizer/v", &r->optimizer.v);
    }
  }
done:
  if (sub >= 0) H5Gclose(sub);
  H5Gclose(g);
  return status;
}

static int read_metrics(h5_reader *c, hid_t f, results *r) {
  int status;
  hid_t g;
  hsize_t dims[1] = {H5_ANY};
  void *buf = NULL;
  if ((status = h5_open_group(c, f, "/metrics", "metrics", &g))) return status;
  if ((status = h5_load_dset(c, g, "/metrics/epoch", "epoch", H5K_INT, 1, dims, H5T_NATIVE_LONG,
                          sizeof(long), &buf)))
    goto done;
  size_t n = dims[0];
  r->metrics = calloc(n + 1, sizeof *r->metrics);
  if (!r->metrics) {
    status = h5_bad(c, NN_FAIL, "/metrics: out of memory");
    goto done;
  }
  r->epochs_done = r->epochs_cap = n;
  for (size_t i = 0; i < n; i++) r->metrics[i].epoch = ((long *)buf)[i];
  for (int col = 0; col < METRIC_COLUMNS; col++) {
    free(buf);
    buf = NULL;
    if ((status = h5_load_dset(c, g, metric_paths[col], metric_names[col], H5K_F64, 1, dims,
                            H5T_NATIVE_DOUBLE, sizeof(double), &buf)))
      goto done;
    for (size_t i = 0; i < n; i++) *metric_field(&r->metrics[i], col) = ((double *)buf)[i];
  }
done:
  free(buf);
  H5Gclose(g);
  return status;
}

static int read_test(h5_reader *c, hid_t f, results *r) {
  int status;
  hid_t g, d;
  /* a summary has no model: then any square matrix, checked below */
  hsize_t none[1], kk[2] = {r->model.k ? r->model.k : H5_ANY, r->model.k ? r->model.k : H5_ANY};
  long long n;
  void *buf = NULL;
  if ((status = h5_open_group(c, f, "/test", "test", &g))) return status;
  if ((status = h5_open_dset(c, g, "/test/loss", "loss", H5K_F64, 0, none, &d)) ||
      (status = h5_read_dset(c, "/test/loss", d, H5T_NATIVE_DOUBLE, 1, &r->test_loss)) ||
      (status = h5_open_dset(c, g, "/test/accuracy", "accuracy", H5K_F64, 0, none, &d)) ||
      (status = h5_read_dset(c, "/test/accuracy", d, H5T_NATIVE_DOUBLE, 1, &r->test_accuracy)) ||
      (status = h5_open_dset(c, g, "/test/n", "n", H5K_INT, 0, none, &d)) ||
      (status = h5_read_dset(c, "/test/n", d, H5T_NATIVE_LLONG, 1, &n)) ||
      (status = peek_dims(c, g, "/test/confusion", "confusion", H5K_INT, 2, kk)))
    goto done;
  /* without a model (a summary) the classes are still those of a model:
   * checked before anything is allocated for the matrix */
  if (kk[0] != kk[1] || kk[0] < 2 || kk[0] > DATA_MAX_CLASSES) {
    status = h5_bad(c, NN_BADINPUT, "/test/confusion: expected a square matrix of 2 to %d "
                    "classes, got (%llu, %llu)", DATA_MAX_CLASSES, (unsigned long long)kk[0],
                    (unsigned long long)kk[1]);
    goto done;
  }
  if ((status = h5_load_dset(c, g, "/test/confusion", "confusion", H5K_INT, 2, kk,
                             H5T_NATIVE_LONG, sizeof(long), &buf)))
    goto done;
  r->test_n = (long)n;
  r->confusion = buf;
  buf = NULL;
  r->has_test = 1;
done:
  free(buf);
  H5Gclose(g);
  return status;
}

/* A saved epoch's optimizer has taken every batch of the epochs saved, so a
 * file that says otherwise would resume into another run (a diverged file
 * written before diverged_epoch was kept holds the partial epoch that blew
 * up; diverged files are never resumed).  A file
 * without /optimizer (SGD, before optimizers) gets the count. */
static int check_steps(h5_reader *c, hid_t f, results *r) {
  const size_t B = r->spec.train.batch > 0 ? (size_t)r->spec.train.batch : 1;
  const size_t nb = (r->train_size + B - 1) / B;
  const long want = (long)(r->epochs_done * nb);
  htri_t has = H5Lexists(f, "optimizer", H5P_DEFAULT);
  if (has <= 0) {
    r->optimizer.steps = want;
    return NN_OK;
  }
  if (r->optimizer.steps == want || strcmp(r->status, "diverged") == 0) return NN_OK;
  return h5_bad(c, NN_BADINPUT,
                "/optimizer: %ld step%s, but the file holds %zu epoch%s of %zu batch%s "
                "(expected %ld step%s)",
                r->optimizer.steps, text_s((unsigned long long)r->optimizer.steps), r->epochs_done,
                text_s(r->epochs_done), nb, nb == 1 ? "" : "es", want,
                text_s((unsigned long long)want));
}

/* The whole file, or (summary) all but /data and /model. */
static int read_file(results *r, const char *path, int summary, nn_error *err) {
  h5_reader c = {path, err};
  hid_t f;
  results_init(r);
  int status = open_results(&c, 1, &f);
  if (status) return status;
  htri_t has_test;
  if ((status = read_root(&c, f, r)) || (status = read_spec(&c, f, r)) ||
      (!summary && ((status = read_data(&c, f, r)) || (status = read_model(&c, f, r)) ||
                    (status = read_optimizer(&c, f, r)))) ||
      (status = read_metrics(&c, f, r)) || (!summary && (status = check_steps(&c, f, r))))
    goto done;
  if ((has_test = H5Lexists(f, "test", H5P_DEFAULT)) < 0) {
    status = h5_bad(&c, NN_BADINPUT, "/test: cannot look it up");
    goto done;
  }
  if (has_test && (status = read_test(&c, f, r))) goto done;
done:
  if (H5Fclose(f) < 0 && !status) status = h5_bad(&c, NN_FAIL, "closing failed");
  if (status) results_free(r);
  return status;
}

int results_read(results *r, const char *path, nn_error *err) {
  return read_file(r, path, 0, err);
}

int results_read_summary(results *r, const char *path, nn_error *err) {
  return read_file(r, path, 1, err);
}

int results_temp_name(const char *path, char *buf, size_t n) {
  char host[64];
  if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "unknown");
  host[sizeof host - 1] = '\0';
  /* a host name becomes part of a file name: keep it plain */
  for (char *p = host; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.') *p = '_';
  return (size_t)snprintf(buf, n, "%s.tmp~%s~%ld", path, host, (long)getpid()) < n ? 0 : -1;
}

/* Whether s is "HOST~PID" as results_temp_name() writes it: host characters,
 * a tilde, digits, nothing after.  A run name never holds a '~' (escaped as
 * %7E), so another run's files never match. */
static int temp_suffix(const char *s) {
  const char *tilde = strchr(s, '~');
  if (!tilde || tilde == s || !tilde[1]) return 0;
  for (const char *p = s; p < tilde; p++)
    if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_') return 0;
  for (const char *p = tilde + 1; *p; p++)
    if (!isdigit((unsigned char)*p)) return 0;
  return 1;
}

void results_remove_temporaries(const char *path) {
  char dir[FS_PATH_MAX], prefix[FS_PATH_MAX + 8];
  fs_dirname(path, dir, sizeof dir);
  snprintf(prefix, sizeof prefix, "%s.tmp~", fs_basename(path));
  DIR *d = opendir(dir);
  if (!d) return;
  const size_t plen = strlen(prefix);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, prefix, plen) != 0 || !temp_suffix(e->d_name + plen)) continue;
    char stale[2 * FS_PATH_MAX + 8];
    snprintf(stale, sizeof stale, "%s/%s", dir, e->d_name);
    struct stat st;
    /* only plain files: never a folder or what a link points to */
    if (lstat(stale, &st) == 0 && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) unlink(stale);
  }
  closedir(d);
}
