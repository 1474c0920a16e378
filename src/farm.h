/* farm.h: the MPI task farm of nnsweep --mpi.  Rank 0 hands task indices to
 * ranks 1..N-1 one at a time as they ask (dynamic, so a slow point never
 * holds the others back) and collects each task's exit status; a failed task
 * is a result, never a reason to abort the job.  With one rank, rank 0 runs
 * every task itself.
 *
 * Not here: what a task does (nnsweep.c runs the point as an nnrun child),
 * printing, exit codes.  Built with MPI only when configure found Open MPI
 * (HAVE_MPI); otherwise farm_run() says how to get it.
 */
#ifndef NN_FARM_H
#define NN_FARM_H

#include <stddef.h>

#include "error.h"

/* What farm_run() leaves to its caller.  Filled on every rank; the per-task
 * arrays and counts only on rank 0 (so that only rank 0 reports).  Owned;
 * farm_report_free() releases it. */
typedef struct farm_report {
  int rank;                  /* this process's rank in MPI_COMM_WORLD */
  int size;                  /* number of ranks */
  size_t ntasks;
  int *status;               /* (ntasks) rank 0: each task's exit status, 0 ok,
                                1 or 2 failed, -1 never ran; NULL on other ranks */
  int *ran_on;               /* (ntasks) rank 0: the rank that ran each task, -1
                                never ran; NULL on other ranks */
  size_t done, failed;       /* rank 0: tasks with status 0, and the others */
} farm_report;

/* 1 when nnsweep was built with MPI, else 0. */
int farm_available(void);

/* Runs tasks 0..ntasks-1 over the ranks of MPI_COMM_WORLD: initializes MPI
 * (unless already done), has each worker call work(task, ctx) -- which returns
 * the task's exit status, 0, 1 or 2 -- and finalizes MPI before returning, on
 * every rank.  Returns NN_OK when the farm ran (whatever the tasks' statuses:
 * see out->failed), NN_FAIL when MPI failed, NN_BADINPUT when built without
 * MPI.  out is zeroed first. */
int farm_run(size_t ntasks, int (*work)(size_t task, void *ctx), void *ctx, farm_report *out,
             nn_error *err);

/* Frees the arrays of r; accepts NULL and a zeroed report. */
void farm_report_free(farm_report *r);

#endif
