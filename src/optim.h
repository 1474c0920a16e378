/* optim.h: the optimizers -- plain SGD (the reference), momentum (heavy ball
 * or Nesterov) and Adam with bias correction -- and their state, which is
 * shaped like the model so that it can be saved and read back with it.
 *
 * With gradient g (L2 already in it) and learning rate lr, per parameter w:
 *   sgd       w -= lr g
 *   momentum  v = mu v + g;  w -= lr v            (nesterov: w -= lr (g + mu v))
 *   adam      t += 1;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *             w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * PyTorch's conventions (torch.optim.SGD with momentum, torch.optim.Adam), in
 * the model's precision.
 * Not here: the gradient (mlp.c), the epoch loop and the learning rate's
 * origin (train.c), files (results.c).
 */
#ifndef NN_OPTIM_H
#define NN_OPTIM_H

#include "error.h"
#include "mlp.h"

enum optim_kind { OPTIM_SGD, OPTIM_MOMENTUM, OPTIM_ADAM };

typedef struct optim_config {
  int kind;                 /* enum optim_kind */
  double lr;
  double momentum;          /* mu */
  int nesterov;
  double beta1, beta2, epsilon;
} optim_config;

/* What a resumed run needs to continue bit for bit. */
typedef struct optim_state {
  int kind;                 /* enum optim_kind */
  long steps;               /* steps taken (Adam's t) */
  mlp m;                    /* momentum: the velocity v; Adam: the first moment m */
  mlp v;                    /* Adam: the second moment v */
} optim_state;

/* The name of a kind: "sgd", "momentum", "adam"; NULL for others. */
const char *optim_name(int kind);

/* Zeroed state of kind for a model shaped like model.  NN_FAIL when out of
 * memory. */
int optim_init(optim_state *s, int kind, const mlp *model, nn_error *err);
void optim_free(optim_state *s);

/* dst = src (both initialized for the same model and kind). */
void optim_copy(optim_state *dst, const optim_state *src);

/* The largest L2 lambda for which c's step on the weight-decay part alone,
 * g = 2 lambda w, does not grow the weights: above it every step multiplies
 * them by more than 1 in size, whatever the data.
 *   sgd       w -= lr 2 lambda w: |1 - 2 lr lambda| <= 1 while lambda <= 1 / lr
 *   momentum  the heavy ball on a quadratic of curvature 2 lambda:
 *             lambda <= (1 + mu) / lr; nesterov: (1 + mu) / ((1 + 2 mu) lr)
 *   adam      INFINITY: its steps are normalized to about lr, whatever lambda */
double optim_decay_limit(const optim_config *c);

/* One step of c on model with gradient g (same shape and precision). */
void optim_step(const optim_config *c, optim_state *s, mlp *model, const mlp *g);

#endif
