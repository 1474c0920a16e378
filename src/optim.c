/* optim.c: SGD, momentum and Adam steps over the model's parameter block
 * (see optim.h), one loop per optimizer and precision.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "optim.h"

const char *optim_name(int kind) {
  switch (kind) {
  case OPTIM_SGD: return "sgd";
  case OPTIM_MOMENTUM: return "momentum";
  case OPTIM_ADAM: return "adam";
  default: return NULL;
  }
}

int optim_init(optim_state *s, int kind, const mlp *model, nn_error *err) {
  memset(s, 0, sizeof *s);
  s->kind = kind;
  int rc = NN_OK;
  if (kind == OPTIM_MOMENTUM || kind == OPTIM_ADAM) rc = mlp_init_like(&s->m, model, err);
  if (!rc && kind == OPTIM_ADAM) rc = mlp_init_like(&s->v, model, err);
  if (rc) optim_free(s);
  return rc;
}

void optim_free(optim_state *s) {
  if (!s) return;
  mlp_free(&s->m);
  mlp_free(&s->v);
  memset(s, 0, sizeof *s);
}

void optim_copy(optim_state *dst, const optim_state *src) {
  dst->kind = src->kind;
  dst->steps = src->steps;
  if (src->m.mem) mlp_copy(&dst->m, &src->m);
  if (src->v.mem) mlp_copy(&dst->v, &src->v);
}

double optim_decay_limit(const optim_config *c) {
  switch (c->kind) {
  case OPTIM_MOMENTUM:
    return c->nesterov ? (1.0 + c->momentum) / ((1.0 + 2.0 * c->momentum) * c->lr)
                       : (1.0 + c->momentum) / c->lr;
  case OPTIM_ADAM: return INFINITY;
  default: return 1.0 / c->lr;
  }
}

static void sgd(double lr, mlp *model, const mlp *g) {
  if (model->precision == MLP_FLOAT32) {
    float *w = model->mem;
    const float *d = g->mem, lrf = (float)lr;
    for (size_t i = 0; i < model->size; i++) w[i] -= lrf * d[i];
  } else {
    double *w = model->mem;
    const double *d = g->mem;
    for (size_t i = 0; i < model->size; i++) w[i] -= lr * d[i];
  }
}

static void momentum(const optim_config *c, mlp *vel, mlp *model, const mlp *g) {
  if (model->precision == MLP_FLOAT32) {
    float *w = model->mem, *v = vel->mem;
    const float *d = g->mem, lr = (float)c->lr, mu = (float)c->momentum;
    for (size_t i = 0; i < model->size; i++) {
      v[i] = mu * v[i] + d[i];
      w[i] -= c->nesterov ? lr * (d[i] + mu * v[i]) : lr * v[i];
    }
  } else {
    double *w = model->mem, *v = vel->mem;
    const double *d = g->mem, lr = c->lr, mu = c->momentum;
    for (size_t i = 0; i < model->size; i++) {
      v[i] = mu * v[i] + d[i];
      w[i] -= c->nesterov ? lr * (d[i] + mu * v[i]) : lr * v[i];
    }
  }
}

static void adam(const optim_config *c, optim_state *s, mlp *model, const mlp *g) {
  /* the bias corrections of step t, in double for both precisions */
  const double t = (double)s->steps;
  const double c1 = 1.0 - pow(c->beta1, t), c2 = 1.0 - pow(c->beta2, t);
  if (model->precision == MLP_FLOAT32) {
    float *w = model->mem, *m = s->m.mem, *v = s->v.mem;
    const float *d = g->mem;
    const float b1 = (float)c->beta1, b2 = (float)c->beta2, eps = (float)c->epsilon;
    const float lr = (float)c->lr, c1f = (float)c1, c2f = (float)c2;
    for (size_t i = 0; i < model->size; i++) {
      m[i] = b1 * m[i] + (1.0f - b1) * d[i];
      v[i] = b2 * v[i] + (1.0f - b2) * d[i] * d[i];
      w[i] -= lr * (m[i] / c1f) / (sqrtf(v[i] / c2f) + eps);
    }
  } else {
    double *w = model->mem, *m = s->m.mem, *v = s->v.mem;
    const double *d = g->mem, b1 = c->beta1, b2 = c->beta2, eps = c->epsilon, lr = c->lr;
    for (size_t i = 0; i < model->size; i++) {
      m[i] = b1 * m[i] + (1.0 - b1) * d[i];
      v[i] = b2 * v[i] + (1.0 - b2) * d[i] * d[i];
      w[i] -= lr * (m[i] / c1) / (sqrt(v[i] / c2) + eps);
    }
  }
}

void optim_step(const optim_config *c, optim_state *s, mlp *model, const mlp *g) {
  s->steps++;
  switch (c->kind) {
  case OPTIM_MOMENTUM: momentum(c, &s->m, model, g); break;
  case OPTIM_ADAM: adam(c, s, model, g); break;
  default: sgd(c->lr, model, g); break;
  }
}
