/* mlp_impl.h: the body of mlp.c's forward and backward passes, included once
 * per precision (see mlp.c for the macros it expects).  The double
 * instantiation is, operation for operation, the float64 reference; the
 * float one is the same code over floats, losses summed in double.
 * Not a header to include anywhere else.
 */

/* The forward pass after the first product: A1 holds X W1 for n rows. */
static double NAME(forward_rest)(const mlp *m, mlp_work *w, size_t n, const uint8_t *y,
                                 size_t *correct, long *confusion) {
  const size_t h = m->h, k = m->k;
  MATVIEW A1 = SUBMATRIX(w->F(A1), 0, 0, n, h); /* (n, h) */
  MATVIEW P = SUBMATRIX(w->F(P), 0, 0, n, k);   /* (n, k) */
  const REAL *b2 = m->F(b2).vector.data;

  /* A1 = sigmoid(X W1 + b1) */
  VSIGMOID(w->F(A1)->data, n, h, w->F(A1)->tda, m->F(b1).vector.data);

  /* P = log_softmax(A1 W2 + b2), row by row, shifted by the row maximum */
  GEMM(CblasNoTrans, CblasNoTrans, 1.0, &A1.matrix, &m->F(W2).matrix, 0.0, &P.matrix);
  double loss = 0.0;
  for (size_t r = 0; r < n; r++) {
    REAL *z = w->F(P)->data + r * w->F(P)->tda;
    size_t best = 0;
    for (size_t c = 0; c < k; c++) {
      z[c] += b2[c];
      if (z[c] > z[best]) best = c;
    }
    REAL s = 0.0;
    for (size_t c = 0; c < k; c++) s += EXP(z[c] - z[best]);
    const REAL lse = z[best] + LOG(s);
    for (size_t c = 0; c < k; c++) z[c] -= lse;
    w->logp[r] = -z[y[r]];
    loss += w->logp[r];
    if (best == y[r]) (*correct)++;
    if (confusion) confusion[y[r] * k + best]++;
  }
  return loss;
}

static double NAME(forward)(const mlp *m, mlp_work *w, const MAT *X, const uint8_t *y,
                            size_t *correct, long *confusion) {
  MATVIEW A1 = SUBMATRIX(w->F(A1), 0, 0, X->size1, m->h); /* (n, h) */
  GEMM(CblasNoTrans, CblasNoTrans, 1.0, X, &m->F(W1).matrix, 0.0, &A1.matrix);
  return NAME(forward_rest)(m, w, X->size1, y, correct, confusion);
}

/* corr = shift * colsum(M) for M (rows, h) with row stride ld. */
static void NAME(shifted_colsum)(const REAL *M, size_t rows, size_t h, size_t ld, REAL shift,
                                 REAL *corr) {
  memset(corr, 0, h * sizeof *corr);
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < h; c++) corr[c] += M[r * ld + c];
  for (size_t c = 0; c < h; c++) corr[c] *= shift;
}

/* A1 = X W1 = (R W1 - shift 1 colsum(W1)) scale, over the non-zeros of R. */
static void NAME(sparse_first_product)(const mlp *m, mlp_work *w, const mlp_sparse_input *in) {
  const spmm_matrix R = {.n = in->n, .d = in->S->d, .ptr = in->S->ptr, .col = in->S->col,
                         .val = in->S->val, .rows = in->rows};
  NAME(shifted_colsum)(m->F(W1).matrix.data, m->d, m->h, m->h, (REAL)in->shift, CORR(w));
  SPMM(&R, m->F(W1).matrix.data, m->h, m->h, CORR(w), (REAL)in->scale, 0.0, w->F(A1)->data,
       w->F(A1)->tda, w->threads, w->spmm_work);
}

static double NAME(forward_sparse)(const mlp *m, mlp_work *w, const mlp_sparse_input *in,
                                   const uint8_t *y, size_t *correct, long *confusion) {
  NAME(sparse_first_product)(m, w, in);
  return NAME(forward_rest)(m, w, in->n, y, correct, confusion);
}

/* g = 2 lambda W (the gradient of the L2 term), for one weight matrix. */
static void NAME(l2_gradient)(const MAT *W, double lambda, MAT *G) {
  const size_t n = W->size1 * W->size2;
  for (size_t i = 0; i < n; i++) G->data[i] = (REAL)(2.0 * lambda) * W->data[i];
}

/* col[j] = sum over rows of M[r, j] */
static void NAME(column_sums)(const MAT *M, REAL *col) {
  memset(col, 0, M->size2 * sizeof *col);
  for (size_t r = 0; r < M->size1; r++) {
    const REAL *row = M->data + r * M->tda;
    for (size_t j = 0; j < M->size2; j++) col[j] += row[j];
  }
}

/* Everything of the gradient but dW1's product with the input: after
 * the forward pass, fills g's b2, W2, b1, W1 = 2 lambda W1, and leaves dZ1 in
 * w->dA1.  Returns the mean loss. */
static double NAME(backward)(const mlp *m, mlp_work *w, size_t n, const uint8_t *y,
                             double loss_sum, double lambda, mlp *g) {
  const size_t h = m->h, k = m->k;
  MATVIEW A1 = SUBMATRIX(w->F(A1), 0, 0, n, h);   /* (n, h) */
  MATVIEW dZ2 = SUBMATRIX(w->F(P), 0, 0, n, k);   /* (n, k) */
  MATVIEW dZ1 = SUBMATRIX(w->F(dA1), 0, 0, n, h); /* (n, h) */

  /* dZ2 = (softmax - onehot(y)) / n, in place of the log-probabilities */
  for (size_t r = 0; r < n; r++) {
    REAL *z = w->F(P)->data + r * w->F(P)->tda;
    for (size_t c = 0; c < k; c++) z[c] = EXP(z[c]) / (REAL)n;
    z[y[r]] -= (REAL)1.0 / (REAL)n;
  }

  /* dW2 = A1^T dZ2 + 2 lambda W2;  db2 = colsum(dZ2) */
  NAME(l2_gradient)(&m->F(W2).matrix, lambda, &g->F(W2).matrix);
  GEMM(CblasTrans, CblasNoTrans, 1.0, &A1.matrix, &dZ2.matrix, 1.0, &g->F(W2).matrix);
  NAME(column_sums)(&dZ2.matrix, g->F(b2).vector.data);

  /* dZ1 = (dZ2 W2^T) * A1 * (1 - A1), and db1 = colsum(dZ1) in the same pass */
  GEMM(CblasNoTrans, CblasTrans, 1.0, &dZ2.matrix, &m->F(W2).matrix, 0.0, &dZ1.matrix);
  VBACKWARD(w->F(dA1)->data, w->F(dA1)->tda, w->F(A1)->data, w->F(A1)->tda, n, h,
            g->F(b1).vector.data);

  /* dW1 = 2 lambda W1 + (the input's product, added by the caller) */
  NAME(l2_gradient)(&m->F(W1).matrix, lambda, &g->F(W1).matrix);
  return loss_sum / (double)n;
}

static double NAME(gradient)(const mlp *m, mlp_work *w, const MAT *X, const uint8_t *y,
                             double lambda, mlp *g) {
  const size_t n = X->size1;
  size_t correct = 0;
  const double loss =
      NAME(backward)(m, w, n, y, NAME(forward)(m, w, X, y, &correct, NULL), lambda, g);
  /* dW1 += X^T dZ1 */
  MATVIEW dZ1 = SUBMATRIX(w->F(dA1), 0, 0, n, m->h);
  GEMM(CblasTrans, CblasNoTrans, 1.0, X, &dZ1.matrix, 1.0, &g->F(W1).matrix);
  return loss;
}

static double NAME(gradient_sparse)(const mlp *m, mlp_work *w, const mlp_sparse_input *in,
                                    const uint8_t *y, double lambda, mlp *g) {
  const size_t n = in->n, d = m->d;
  size_t correct = 0;
  const double loss = NAME(backward)(
      m, w, n, y, NAME(forward_sparse)(m, w, in, y, &correct, NULL), lambda, g);

  /* R^T for the batch: pixel j's entries are (batch row, value), rows in order */
  const data_sparse *S = in->S;
  memset(w->tptr, 0, (d + 1) * sizeof *w->tptr);
  for (size_t r = 0; r < n; r++)
    for (size_t q = S->ptr[in->rows[r]]; q < S->ptr[in->rows[r] + 1]; q++) w->tptr[S->col[q] + 1]++;
  for (size_t j = 0; j < d; j++) w->tptr[j + 1] += w->tptr[j];
  for (size_t r = 0; r < n; r++)
    for (size_t q = S->ptr[in->rows[r]]; q < S->ptr[in->rows[r] + 1]; q++) {
      const size_t at = w->tptr[S->col[q]]++;
      w->tcol[at] = (uint32_t)r;
      w->tval[at] = S->val[q];
    }
  for (size_t j = d; j > 0; j--) w->tptr[j] = w->tptr[j - 1]; /* back to starts */
  w->tptr[0] = 0;

  /* dW1 += X^T dZ1 = (R^T dZ1 - shift 1 colsum(dZ1)) scale;  colsum(dZ1) = db1 */
  REAL *corr = CORR(w);
  for (size_t c = 0; c < m->h; c++) corr[c] = (REAL)in->shift * g->F(b1).vector.data[c];
  const spmm_matrix RT = {.n = d, .d = n, .ptr = w->tptr, .col = w->tcol, .val = w->tval};
  SPMM(&RT, w->F(dA1)->data, w->F(dA1)->tda, m->h, corr, (REAL)in->scale, 1.0,
       g->F(W1).matrix.data, m->h, w->threads, w->spmm_work);
  return loss;
}
