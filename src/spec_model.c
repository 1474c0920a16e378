/* spec_model.c: the spec's model and optimizer keys in mlp's and optim's
 * terms (see spec_model.h).
 */
#include "config.h"

#include "spec_model.h"

int spec_model_act(const spec *s) {
  switch (s->model.activation) {
  case SPEC_ACT_TANH: return MLP_TANH;
  case SPEC_ACT_RELU: return MLP_RELU;
  default: return MLP_SIGMOID;
  }
}

int spec_model_init(const spec *s) {
  switch (s->model.init) {
  case SPEC_INIT_XAVIER: return MLP_INIT_XAVIER;
  case SPEC_INIT_HE: return MLP_INIT_HE;
  default: return MLP_INIT_NORMAL;
  }
}

int spec_model_precision(const spec *s) {
  return s->model.precision == SPEC_PREC_FLOAT32 ? MLP_FLOAT32 : MLP_FLOAT64;
}

optim_config spec_optim(const spec *s) {
  const int kind = s->train.optimizer == SPEC_OPT_MOMENTUM ? OPTIM_MOMENTUM
                   : s->train.optimizer == SPEC_OPT_ADAM   ? OPTIM_ADAM
                                                           : OPTIM_SGD;
  return (optim_config){.kind = kind, .lr = s->train.lr, .momentum = s->train.momentum,
                        .nesterov = s->train.nesterov, .beta1 = s->train.beta1,
                        .beta2 = s->train.beta2, .epsilon = s->train.epsilon};
}
