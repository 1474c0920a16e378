/* farm.c: the MPI task farm of nnsweep --mpi (see farm.h): rank 0 the master,
 * ranks 1..N-1 the workers, task indices handed out on request.
 * Not here: what a task is, or any printing.
 *
 * Protocol (MPI_COMM_WORLD, messages of two long longs {task, status}):
 *   worker -> master  READY  {-1, 0}        first request for work
 *   worker -> master  RESULT {task, status} a task finished; also a request
 *   master -> worker  TASK   {task, 0}      run this one
 *   master -> worker  STOP   {-1, 0}        no more work: finalize
 * Waiting is a poll with short sleeps rather than a blocking MPI_Recv,
 * which spins a core in Open MPI: the master would steal a CPU from the runs
 * it hands out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "farm.h"

void farm_report_free(farm_report *r) {
  if (!r) return;
  free(r->status);
  free(r->ran_on);
  r->status = r->ran_on = NULL;
}

#ifndef HAVE_MPI

int farm_available(void) { return 0; }

int farm_run(size_t ntasks, int (*work)(size_t task, void *ctx), void *ctx, farm_report *out,
             nn_error *err) {
  (void)ntasks, (void)work, (void)ctx;
  if (out) memset(out, 0, sizeof *out);
  return nn_error_set(err, NN_BADINPUT,
                      "--mpi: nnsweep was built without MPI; to get it: apt-get install "
                      "libopenmpi-dev openmpi-bin, then ./configure --with-mpi && make");
}

#else

#include <mpi.h>
#include <stdio.h>
#include <time.h>

enum { TAG_READY = 1, TAG_RESULT = 2, TAG_TASK = 3, TAG_STOP = 4 };

static int report_alloc(farm_report *out, size_t ntasks, nn_error *err) {
  out->ntasks = ntasks;
  out->status = malloc((ntasks ? ntasks : 1) * sizeof *out->status);
  out->ran_on = malloc((ntasks ? ntasks : 1) * sizeof *out->ran_on);
  if (!out->status || !out->ran_on) {
    farm_report_free(out);
    return nn_error_set(err, NN_FAIL, "task farm: out of memory for %zu tasks", ntasks);
  }
  for (size_t i = 0; i < ntasks; i++) out->status[i] = out->ran_on[i] = -1;
  return NN_OK;
}

static void report_task(farm_report *out, size_t task, int status, int rank) {
  if (!out->status || task >= out->ntasks) return;
  if (status < 0 || status > 2) status = 1;
  out->status[task] = status;
  out->ran_on[task] = rank;
  if (status == 0)
    out->done++;
  else
    out->failed++;
}

/* Records a failed MPI call in err: "task farm: WHAT: MPI's message". */
static int mpi_failed(int rc, const char *what, nn_error *err) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) snprintf(text, sizeof text, "error %d", rc);
  text[len < MPI_MAX_ERROR_STRING ? len : MPI_MAX_ERROR_STRING - 1] = '\0';
  return nn_error_set(err, NN_FAIL, "task farm: %s: %s", what, text);
}

/* Receives one message from src (or MPI_ANY_SOURCE) with any tag, polling:
 * a few quick tests, then sleeps growing to 20 ms. */
static int recv_poll(long long msg[2], int src, MPI_Status *st, nn_error *err) {
  MPI_Request req;
  int rc = MPI_Irecv(msg, 2, MPI_LONG_LONG, src, MPI_ANY_TAG, MPI_COMM_WORLD, &req);
  if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Irecv", err);
  long nap_ns = 0;
  for (int flag = 0;;) {
    rc = MPI_Test(&req, &flag, st);
    if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Test", err);
    if (flag) return NN_OK;
    nap_ns = nap_ns ? (nap_ns < 10000000 ? 2 * nap_ns : 20000000) : 50000;
    struct timespec nap = {0, nap_ns};
    nanosleep(&nap, NULL);
  }
}

static int send_msg(long long task, long long status, int dest, int tag, nn_error *err) {
  long long msg[2] = {task, status};
  int rc = MPI_Send(msg, 2, MPI_LONG_LONG, dest, tag, MPI_COMM_WORLD);
  return rc == MPI_SUCCESS ? NN_OK : mpi_failed(rc, "MPI_Send", err);
}

/* Rank 0 with workers: hand out 0..ntasks-1, collect results, stop everyone. */
static int master(size_t ntasks, farm_report *out, nn_error *err) {
  size_t next = 0;
  int working = out->size - 1;   /* workers not yet stopped */
  while (working > 0) {
    long long msg[2];
    MPI_Status st;
    if (recv_poll(msg, MPI_ANY_SOURCE, &st, err) != NN_OK) return err ? err->status : NN_FAIL;
    if (st.MPI_TAG == TAG_RESULT && msg[0] >= 0) report_task(out, (size_t)msg[0], (int)msg[1], st.MPI_SOURCE);
    int rc;
    if (next < ntasks)
      rc = send_msg((long long)next++, 0, st.MPI_SOURCE, TAG_TASK, err);
    else {
      rc = send_msg(-1, 0, st.MPI_SOURCE, TAG_STOP, err);
      working--;
    }
    if (rc != NN_OK) return rc;
  }
  return NN_OK;
}

static int worker(int (*work)(size_t, void *), void *ctx, nn_error *err) {
  if (send_msg(-1, 0, 0, TAG_READY, err) != NN_OK) return NN_FAIL;
  for (;;) {
    long long msg[2];
    MPI_Status st;
    if (recv_poll(msg, 0, &st, err) != NN_OK) return NN_FAIL;
    if (st.MPI_TAG == TAG_STOP) return NN_OK;
    const int status = work((size_t)msg[0], ctx);
    if (send_msg(msg[0], status, 0, TAG_RESULT, err) != NN_OK) return NN_FAIL;
  }
}

int farm_available(void) { return 1; }

int farm_run(size_t ntasks, int (*work)(size_t task, void *ctx), void *ctx, farm_report *out,
             nn_error *err) {
  memset(out, 0, sizeof *out);
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (finalized) return nn_error_set(err, NN_FAIL, "task farm: MPI was already finalized");
  if (!initialized) {
    int provided;
    const int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_SINGLE, &provided);
    if (rc != MPI_SUCCESS) return nn_error_set(err, NN_FAIL, "task farm: MPI_Init_thread failed (%d)", rc);
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &out->rank);
  MPI_Comm_size(MPI_COMM_WORLD, &out->size);

  int rc = NN_OK, mpi_ok = 1;
  if (out->rank == 0) {
    rc = report_alloc(out, ntasks, err);
    if (rc != NN_OK) {
      /* No memory for the report: still stop the workers, handing out nothing. */
      nn_error spare;
      if (out->size > 1 && master(0, out, &spare) != NN_OK) mpi_ok = 0;
    } else if (out->size == 1) {
      for (size_t i = 0; i < ntasks; i++) report_task(out, i, work(i, ctx), 0);
    } else if ((rc = master(ntasks, out, err)) != NN_OK) {
      mpi_ok = 0;
    }
  } else {
    out->ntasks = ntasks;
    if ((rc = worker(work, ctx, err)) != NN_OK) mpi_ok = 0;
  }
  /* After a failed MPI call the other ranks may never reach MPI_Finalize:
   * skip it; the caller exits and mpirun ends the job. */
  if (mpi_ok) MPI_Finalize();
  return rc;
}

#endif
