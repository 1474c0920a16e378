#!/usr/bin/python3
"""bench/peers/torch_mlp.py: nnrun's reference run (configs/regularized.yaml)
written the way a PyTorch user would, for bench/run to time side by side with
nnrun.  Same algorithm as the README's "Algorithm details":

* the IDX files of data/mnist (raw or .gz), read with numpy;
* GSL's mt19937 stream seeded with --seed, reproduced exactly: the permutation
  of the 60,000 training images (gsl_ran_shuffle), then W1 and W2 row by row
  from N(0, 1) (gsl_ran_gaussian, polar Box-Muller); biases 0;
* dev = the first 10,000 positions of the permutation, train = the rest;
* pixels standardized with the train split's population mean and std;
* 784-300-10, sigmoid, softmax, mean cross-entropy + lambda (|W1|^2 + |W2|^2);
* SGD, lr 5, batches of 1,000 taken in order, 30 epochs;
* after every epoch: loss and accuracy over the whole train and dev splits,
  in chunks of 1,000; at the end, the test split.

The model is plain tensors with autograd (no nn.Module): the forward pass is
torch.addmm + torch.sigmoid + F.cross_entropy.  Run with Debian's Python
(/usr/bin/python3 and the python3-torch package).

Usage: torch_mlp.py [--data DIR] [--dtype float64|float32] [--threads N] [-q]
"""
import argparse
import gzip
import math
import os
import sys
import time

T_START = time.monotonic()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="data/mnist", help="folder of the MNIST IDX files")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--threads", type=int, default=2, help="OpenMP and BLAS threads")
    p.add_argument("--seed", type=int, default=100)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--hidden", type=int, default=300)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--lr", type=float, default=5.0)
    p.add_argument("--lambda", dest="lam", type=float, default=1e-4)
    p.add_argument("--dev-size", type=int, default=10000)
    p.add_argument("-q", "--quiet", action="store_true", help="only the final line")
    return p.parse_args()


ARGS = parse_args()
# Before torch loads libgomp and OpenBLAS: spinning OpenMP workers fight
# OpenBLAS's own threads (2-3x slower on 2 cores) unless they sleep.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)

import numpy as np  # noqa: E402

try:
    import torch  # noqa: E402
    import torch.nn.functional as F  # noqa: E402
except ImportError:
    sys.exit("torch_mlp.py: PyTorch is not installed: apt-get install python3-torch "
             "(then run with /usr/bin/python3)")


# ------------------------------------------------------------------ data

def read_idx(folder, name):
    """The array in an IDX file (raw, or NAME.gz when the raw file is absent)."""
    path = os.path.join(folder, name)
    if os.path.exists(path):
        with open(path, "rb") as f:
            raw = f.read()
    elif os.path.exists(path + ".gz"):
        with gzip.open(path + ".gz", "rb") as f:
            raw = f.read()
    else:
        sys.exit(f"torch_mlp.py: {path}: no such file (run `make data`)")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


# ------------------------------------------------- GSL's mt19937 stream

class GslMt19937:
    """gsl_rng_mt19937 seeded with gsl_rng_set(seed): raw 32-bit outputs from
    numpy's MT19937 with the state GSL's seeding gives."""

    def __init__(self, seed):
        key = np.zeros(624, dtype=np.uint64)
        key[0] = (seed or 4357) & 0xFFFFFFFF
        for i in range(1, 624):
            prev = int(key[i - 1])
            key[i] = (1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF
        self.bg = np.random.MT19937()
        self.bg.state = {"bit_generator": "MT19937",
                         "state": {"key": key.astype(np.uint32), "pos": 624}}
        self.buf = []
        self.at = 0

    def raw(self, n):
        """The next n outputs, as a numpy array."""
        out = []
        if self.at < len(self.buf):
            take = self.buf[self.at:self.at + n]
            self.at += len(take)
            out.append(np.asarray(take, dtype=np.uint64))
            n -= len(take)
        if n > 0:
            out.append(self.bg.random_raw(n))
        return np.concatenate(out) if len(out) > 1 else out[0]

    def shuffle(self, n):
        """gsl_ran_shuffle of 0..n-1 (gsl_rng_uniform_int for each swap)."""
        perm = list(range(n))
        self.buf = self.bg.random_raw(n + 64).tolist()
        self.at = 0
        for i in range(n - 1, 0, -1):
            scale = 0xFFFFFFFF // (i + 1)
            while True:
                if self.at == len(self.buf):
                    self.buf = self.bg.random_raw(64).tolist()
                    self.at = 0
                k = self.buf[self.at] // scale
                self.at += 1
                if k <= i:
                    break
            perm[i], perm[k] = perm[k], perm[i]
        self.buf = self.buf[self.at:]
        self.at = 0
        return np.array(perm)

    def gaussians(self, n):
        """n draws of gsl_ran_gaussian(r, 1.0): polar Box-Muller, one value per
        accepted pair (x, y), y * sqrt(-2 log(r2) / r2)."""
        out = []
        have = 0
        while have < n:
            need = n - have
            u = self.raw(2 * int(need * 1.3) + 64).astype(np.float64) / 4294967296.0
            if not u.all():  # gsl_rng_uniform_pos skips zeros: too rare to vectorize
                return self._gaussians_slow(u, out, n - have)
            x = -1 + 2 * u[0::2]
            y = -1 + 2 * u[1::2]
            r2 = x * x + y * y
            ok = (r2 <= 1.0) & (r2 != 0)
            idx = np.flatnonzero(ok)
            if len(idx) >= need:
                last = idx[need - 1]
                unused = u[2 * (last + 1):]
                idx = idx[:need]
                self.buf = (unused * 4294967296.0).astype(np.uint64).tolist()
                self.at = 0
            # math.log is glibc's log, as in GSL (numpy's may differ in the last bit)
            logs = np.array([math.log(v) for v in r2[idx].tolist()])
            out.append(y[idx] * np.sqrt(-2.0 * logs / r2[idx]))
            have += len(idx)
        return np.concatenate(out)

    def _gaussians_slow(self, u, out, n):
        vals = (u * 4294967296.0).astype(np.uint64).tolist()
        self.buf, self.at = vals, 0
        res = []

        def uniform_pos():
            while True:
                v = int(self.raw(1)[0]) / 4294967296.0
                if v != 0:
                    return v
        while len(res) < n:
            while True:
                x = -1 + 2 * uniform_pos()
                y = -1 + 2 * uniform_pos()
                r2 = x * x + y * y
                if r2 <= 1.0 and r2 != 0:
                    break
            res.append(y * math.sqrt(-2.0 * math.log(r2) / r2))
        out.append(np.array(res))
        return np.concatenate(out)


# ------------------------------------------------------------------- run

def main():
    a = ARGS
    torch.set_num_threads(a.threads)
    dtype = getattr(torch, a.dtype)
    t0 = time.monotonic()
    xtr = read_idx(a.data, "train-images-idx3-ubyte")
    ytr = read_idx(a.data, "train-labels-idx1-ubyte")
    xte = read_idx(a.data, "t10k-images-idx3-ubyte")
    yte = read_idx(a.data, "t10k-labels-idx1-ubyte")
    n, d = xtr.shape[0], xtr.shape[1] * xtr.shape[2]
    xtr, xte = xtr.reshape(n, d), xte.reshape(-1, d)

    rng = GslMt19937(a.seed)
    perm = rng.shuffle(n)
    dev_idx, train_idx = perm[:a.dev_size], perm[a.dev_size:]
    hist = np.bincount(xtr[train_idx].ravel(), minlength=256).astype(np.float64)
    count = hist.sum()
    mean = float((hist * np.arange(256)).sum() / count)
    std = float(np.sqrt((hist * (np.arange(256) - mean) ** 2).sum() / count))
    lut = ((np.arange(256) - mean) / std).astype(a.dtype)  # in double, then rounded

    def tensors(images, labels):
        return torch.from_numpy(lut[images]), torch.from_numpy(labels.astype(np.int64))

    Xtr, Ytr = tensors(xtr[train_idx], ytr[train_idx])
    Xdev, Ydev = tensors(xtr[dev_idx], ytr[dev_idx])
    Xte, Yte = tensors(xte, yte)
    h, k = a.hidden, 10
    W1 = torch.from_numpy(rng.gaussians(d * h).reshape(d, h)).to(dtype).requires_grad_()
    W2 = torch.from_numpy(rng.gaussians(h * k).reshape(h, k)).to(dtype).requires_grad_()
    b1 = torch.zeros(h, dtype=dtype, requires_grad=True)
    b2 = torch.zeros(k, dtype=dtype, requires_grad=True)
    params = (W1, b1, W2, b2)
    t_load = time.monotonic() - t0

    def forward(X):
        return torch.addmm(b2, torch.sigmoid(torch.addmm(b1, X, W1)), W2)

    @torch.no_grad()
    def evaluate(X, Y):
        loss = torch.zeros((), dtype=torch.float64)
        correct = 0
        for s in range(0, X.shape[0], 1000):
            z = forward(X[s:s + 1000])
            y = Y[s:s + 1000]
            loss += F.cross_entropy(z, y, reduction="sum").double()
            correct += int((z.argmax(1) == y).sum())
        return float(loss) / X.shape[0], correct / X.shape[0]

    ntrain = Xtr.shape[0]
    for epoch in range(1, a.epochs + 1):
        te = time.monotonic()
        for s in range(0, ntrain, a.batch):
            X, Y = Xtr[s:s + a.batch], Ytr[s:s + a.batch]
            obj = F.cross_entropy(forward(X), Y) + a.lam * (W1.pow(2).sum() + W2.pow(2).sum())
            for p in params:
                p.grad = None
            obj.backward()
            with torch.no_grad():
                for p in params:
                    p -= a.lr * p.grad
        trl, tra = evaluate(Xtr, Ytr)
        dvl, dva = evaluate(Xdev, Ydev)
        if not a.quiet:
            print(f"epoch {epoch:3d}/{a.epochs}  train loss {trl:.4f} acc {tra:.4f}  "
                  f"dev loss {dvl:.4f} acc {dva:.4f}  {time.monotonic() - te:6.1f} s", flush=True)
    tl, ta = evaluate(Xte, Yte)
    total = time.monotonic() - T_START
    print(f"test loss {tl:.4f} accuracy {ta:.4f} (n = {Xte.shape[0]})  torch {torch.__version__} "
          f"{a.dtype} threads {a.threads}  load {t_load:.2f} s  {total:.1f} s in all")


if __name__ == "__main__":
    main()
