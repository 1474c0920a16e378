/* spec_model.h: what a spec says of the model and the optimizer, in the
 * terms of mlp.h and optim.h, for the code that builds them (train.c) and
 * reads them back (results.c).  mlp and optim know nothing of specs.
 * Not here: the keys themselves and their checks (spec.c).
 */
#ifndef NN_SPEC_MODEL_H
#define NN_SPEC_MODEL_H

#include "mlp.h"
#include "optim.h"
#include "spec.h"

/* enum mlp_act, enum mlp_init and enum mlp_precision of model.activation,
 * model.init and model.precision. */
int spec_model_act(const spec *s);
int spec_model_init(const spec *s);
int spec_model_precision(const spec *s);

/* train.optimizer with its learning rate and parameters. */
optim_config spec_optim(const spec *s);

#endif
