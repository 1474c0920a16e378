#!/usr/bin/python3
"""bench/peers/torch_mlp.py: nnrun's algorithm written the way a PyTorch user
would, for bench/run to time side by side with nnrun.  By default it is the
reference run (configs/regularized.yaml); options, or nnrun's own overrides
(model.hidden=[256,128] train.optimizer=adam ...), change it as they change
nnrun.  Same algorithm as the README's "Algorithm details":

* the IDX files of data/mnist (raw or .gz), read with numpy;
* GSL's mt19937 stream seeded with --seed, reproduced exactly: the permutation
  of the 60,000 training images (gsl_ran_shuffle), then W1, W2, ... row by row
  (each (fan_in, fan_out)) from gsl_ran_gaussian(r, sigma) (polar Box-Muller,
  sigma * y * sqrt(-2 log(r2) / r2)), sigma = 1 (--init normal),
  sqrt(2 / (fan_in + fan_out)) (xavier, Glorot normal) or sqrt(2 / fan_in)
  (he); biases 0;
* dev = the first 10,000 positions of the permutation, train = the rest;
* pixels standardized with the train split's population mean and std;
* 784-H1-...-10 (default 784-300-10), sigmoid, tanh or relu hidden layers,
  softmax, mean cross-entropy of the batch + lambda * sum of |W|^2 over the
  weight matrices (not the biases), added to the objective so that autograd
  gives 2 lambda W: coupled L2, the same as nnrun.  No optimizer's
  weight_decay is used (it is 0 in every optimizer built here);
* --optimizer sgd: w -= lr g (by hand, as before); momentum:
  torch.optim.SGD(momentum=mu, nesterov=...), v = mu v + g, w -= lr v
  (nesterov: w -= lr (g + mu v)); adam: torch.optim.Adam(betas, eps),
  m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
  w -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps);
* batches of --batch (default 1,000) taken in order, or, with --shuffle, in a
  new random order every epoch (torch.randperm with its own generator seeded
  with --seed: not nnrun's GSL stream, so only the unshuffled runs follow
  nnrun's steps exactly); a last, smaller batch when --batch does not divide
  the train split;
* after every epoch: loss and accuracy over the whole train and dev splits,
  in chunks of 1,000; at the end, the test split.

The model is plain tensors with autograd (no nn.Module): the forward pass is
torch.addmm + the activation per layer + F.cross_entropy.  Run with Debian's
Python (/usr/bin/python3 and the python3-torch package).

Usage: torch_mlp.py [options] [KEY=VALUE ...]
  --hidden 300 | 256,128 | [256,128]   hidden widths     (model.hidden)
  --activation sigmoid|tanh|relu                         (model.activation)
  --init normal|xavier|he                                (model.init)
  --dtype / --precision float64|float32                  (model.precision)
  --optimizer sgd|momentum|adam                          (train.optimizer)
  --momentum MU  --nesterov [true|false]                 (train.momentum, train.nesterov)
  --beta1 B1  --beta2 B2  --epsilon EPS                  (train.beta1, .beta2, .epsilon)
  --lr LR  --lambda L  --batch N  --epochs N             (train.lr, .lambda, .batch, .epochs)
  --shuffle [true|false]                                 (train.shuffle)
  --seed S  --dev-size N  --data DIR  --threads N  -q
KEY=VALUE takes nnrun's override keys (in parentheses above, and seed,
data.dir, data.dev_size); train.input and train.threads are accepted and
ignored (nnrun's implementation choices).  Defaults: configs/regularized.yaml.
-q prints the final line only: "test loss L accuracy A (n = 10000) ...".
"""
import argparse
import gzip
import math
import os
import sys
import time

T_START = time.monotonic()


# nnrun's override keys and the options they stand for
OVERRIDES = {
    "model.hidden": "--hidden", "model.activation": "--activation",
    "model.init": "--init", "model.precision": "--dtype",
    "train.optimizer": "--optimizer", "train.momentum": "--momentum",
    "train.nesterov": "--nesterov", "train.beta1": "--beta1", "train.beta2": "--beta2",
    "train.epsilon": "--epsilon", "train.shuffle": "--shuffle", "train.lr": "--lr",
    "train.lambda": "--lambda", "train.batch": "--batch", "train.epochs": "--epochs",
    "seed": "--seed", "data.dir": "--data", "data.dev_size": "--dev-size",
}
IGNORED = ("train.input", "train.threads")


def widths(text):
    """300, 256,128 or [256,128] (YAML's flow list) -> [256, 128]"""
    t = text.strip()
    if t.startswith("[") and t.endswith("]"):
        t = t[1:-1]
    try:
        out = [int(w) for w in t.replace(" ", "").split(",")]
    except ValueError:
        out = []
    if not out or min(out) < 1:
        raise argparse.ArgumentTypeError(f"expected widths such as 300 or [256,128], found '{text}'")
    return out


def boolean(text):
    if text.lower() in ("true", "yes", "on", "1"):
        return True
    if text.lower() in ("false", "no", "off", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, found '{text}'")


def positive(kind):
    def check(text):
        v = kind(text)
        if not v > 0:
            raise argparse.ArgumentTypeError(f"expected a number above 0, found '{text}'")
        return v
    return check


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                usage="%(prog)s [options] [KEY=VALUE ...]",
                                epilog=__doc__[__doc__.index("Usage:"):],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="data/mnist", help="folder of the MNIST IDX files")
    p.add_argument("--dtype", "--precision", dest="dtype", choices=["float64", "float32"],
                   default="float64")
    p.add_argument("--threads", type=positive(int), default=2, help="OpenMP and BLAS threads")
    p.add_argument("--seed", type=int, default=100)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--hidden", type=widths, default=[300], help="hidden widths: 300, 256,128 or [256,128]")
    p.add_argument("--activation", choices=["sigmoid", "tanh", "relu"], default="sigmoid")
    p.add_argument("--init", choices=["normal", "xavier", "he"], default="normal")
    p.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], default="sgd")
    p.add_argument("--momentum", type=float, default=0.9, help="mu of --optimizer momentum")
    p.add_argument("--nesterov", type=boolean, nargs="?", const=True, default=False,
                   help="Nesterov's momentum (--optimizer momentum)")
    p.add_argument("--beta1", type=float, default=0.9)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--epsilon", type=float, default=1e-8)
    p.add_argument("--shuffle", type=boolean, nargs="?", const=True, default=False,
                   help="a new order of the train split every epoch")
    p.add_argument("--batch", type=positive(int), default=1000)
    p.add_argument("--lr", type=positive(float), default=5.0)
    p.add_argument("--lambda", dest="lam", type=float, default=1e-4,
                   help="L2: + lambda |W|^2 in the objective (gradient 2 lambda W)")
    p.add_argument("--dev-size", type=int, default=10000)
    p.add_argument("-q", "--quiet", action="store_true", help="only the final line")
    # nnrun's KEY=VALUE overrides become the options above, in their place
    args = []
    for a in argv:
        key, eq, value = a.partition("=")
        if eq and not a.startswith("-") and key in OVERRIDES:
            args += [OVERRIDES[key], value]
        elif eq and not a.startswith("-") and key in IGNORED:
            pass
        elif eq and not a.startswith("-") and "." in key:
            p.error(f"{key}: not one of nnrun's keys this peer knows: "
                    + ", ".join(list(OVERRIDES) + list(IGNORED)))
        else:
            args.append(a)
    a = p.parse_args(args)
    if a.nesterov and a.optimizer != "momentum":
        p.error("--nesterov (train.nesterov=true) needs --optimizer momentum")
    if a.optimizer == "momentum" and not a.momentum > 0:
        p.error("--optimizer momentum needs --momentum above 0")
    if a.lam < 0:
        p.error("--lambda must be at least 0")
    return a


ARGS = parse_args(sys.argv[1:])
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

    def gaussians(self, n, sigma=1.0):
        """n draws of gsl_ran_gaussian(r, sigma): polar Box-Muller, one value per
        accepted pair (x, y), sigma * y * sqrt(-2 log(r2) / r2), multiplied in
        GSL's order (sigma * y first; with sigma 1 that product is y)."""
        out = []
        have = 0
        while have < n:
            need = n - have
            u = self.raw(2 * int(need * 1.3) + 64).astype(np.float64) / 4294967296.0
            if not u.all():  # gsl_rng_uniform_pos skips zeros: too rare to vectorize
                return self._gaussians_slow(u, out, n - have, sigma)
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
            out.append(sigma * y[idx] * np.sqrt(-2.0 * logs / r2[idx]))
            have += len(idx)
        return np.concatenate(out)

    def _gaussians_slow(self, u, out, n, sigma):
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
            res.append(sigma * y * math.sqrt(-2.0 * math.log(r2) / r2))
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
    sizes = [d] + a.hidden + [10]
    Ws, bs = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        sigma = {"normal": 1.0, "xavier": math.sqrt(2.0 / (fan_in + fan_out)),
                 "he": math.sqrt(2.0 / fan_in)}[a.init]
        w = rng.gaussians(fan_in * fan_out, sigma).reshape(fan_in, fan_out)
        Ws.append(torch.from_numpy(w).to(dtype).requires_grad_())
        bs.append(torch.zeros(fan_out, dtype=dtype, requires_grad=True))
    params = [p for pair in zip(Ws, bs) for p in pair]  # W1, b1, W2, b2, ...
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[a.activation]
    if a.optimizer == "momentum":
        opt = torch.optim.SGD(params, lr=a.lr, momentum=a.momentum, nesterov=a.nesterov,
                              dampening=0, weight_decay=0)
    elif a.optimizer == "adam":
        opt = torch.optim.Adam(params, lr=a.lr, betas=(a.beta1, a.beta2), eps=a.epsilon,
                               weight_decay=0)
    else:
        opt = None  # plain SGD, by hand
    shuffler = torch.Generator().manual_seed(a.seed) if a.shuffle else None
    t_load = time.monotonic() - t0

    def forward(X):
        for W, b in zip(Ws[:-1], bs[:-1]):
            X = act(torch.addmm(b, X, W))
        return torch.addmm(bs[-1], X, Ws[-1])

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
        order = torch.randperm(ntrain, generator=shuffler) if shuffler is not None else None
        for s in range(0, ntrain, a.batch):
            if order is None:
                X, Y = Xtr[s:s + a.batch], Ytr[s:s + a.batch]
            else:
                take = order[s:s + a.batch]
                X, Y = Xtr[take], Ytr[take]
            obj = F.cross_entropy(forward(X), Y)
            if a.lam != 0:
                obj = obj + a.lam * sum(W.pow(2).sum() for W in Ws)
            for p in params:
                p.grad = None
            obj.backward()
            if opt is not None:
                opt.step()
            else:
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
