/* fuzz_results.c: libFuzzer harness for the results-file reader: the input is
 * written to a file and read with results_read_status(), results_read() and
 * results_read_summary() (nncompare's, nnplot's and nnsweep's reader).
 * Every outcome must pass: failures are NN_BADINPUT with one line that starts
 * with the path; no HDF5 object is left open; a success holds shapes that
 * agree with each other (AddressSanitizer checks every buffer by touching it).
 */
#include "config.h"

#include <hdf5.h>

#include "fuzz_common.h"
#include "results.h"

static void check_error(int rc, const nn_error *err, const char *path) {
  size_t n = strlen(path);
  if (rc != NN_BADINPUT || strncmp(err->msg, path, n) != 0 || err->msg[n] != ':' ||
      strchr(err->msg, '\n')) {
    fprintf(stderr, "status %d, bad message: %s\n", rc, err->msg);
    abort();
  }
}

static void check_results(const results *r) {
  const mlp *m = &r->model;
  if (m->d == 0 || m->k < 2 || m->k > DATA_MAX_CLASSES || m->nlayers != r->spec.model.nhidden + 1)
    abort();
  for (size_t l = 0; l + 1 < m->nlayers; l++)
    if ((long)m->layer[l].out != r->spec.model.hidden[l]) abort();
  double sum = 0;
  for (size_t i = 0; i < m->size; i++)
    sum += m->precision == MLP_FLOAT32 ? (double)*mlp_f32(m, i) : *mlp_f64(m, i);
  for (size_t i = 0; i < r->train_size; i++)
    if (r->train_index[i] >= r->train_size + r->dev_size) abort();
  for (size_t i = 0; i < r->dev_size; i++)
    if (r->dev_index[i] >= r->train_size + r->dev_size) abort();
  for (size_t i = 0; i < r->epochs_done; i++) sum += r->metrics[i].seconds;
  if (r->has_test)
    for (size_t i = 0; i < m->k * m->k; i++) sum += (double)r->confusion[i];
  if (r->command_line) sum += (double)strlen(r->command_line);
  (void)sum;
}

static void check_no_open_objects(void) {
  ssize_t open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (open != 0) {
    fprintf(stderr, "%zd HDF5 objects left open\n", open);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[512], status[32];
  fuzz_path(path, "fuzz.h5");
  fuzz_write(path, data, size, 0);
  nn_error err = {0};
  int rc = results_read_status(path, status, sizeof status, &err);
  if (rc) check_error(rc, &err, path);
  check_no_open_objects();
  results r;
  nn_error_clear(&err);
  rc = results_read(&r, path, &err);
  if (rc)
    check_error(rc, &err, path);
  else
    check_results(&r);
  results_free(&r);
  check_no_open_objects();
  nn_error_clear(&err);
  rc = results_read_summary(&r, path, &err);
  if (rc) {
    check_error(rc, &err, path);
  } else { /* no model: the metrics and the test results must be whole */
    double sum = 0;
    for (size_t i = 0; i < r.epochs_done; i++) sum += r.metrics[i].seconds;
    if (r.has_test && (!r.confusion || r.model.mem)) abort();
    (void)sum;
  }
  results_free(&r);
  check_no_open_objects();
  unlink(path);
  return 0;
}
