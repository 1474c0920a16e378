"""tests/h5py_check.py FILE SPEC: opens a complete results file the way an
h5py user would (issue 10, item 24) and fails loudly when the file needs
decoding: text attributes are str, metrics numpy arrays, and /spec loads
with yaml.safe_load to the resolved spec SPEC (nnrun --dry-run's YAML).
Run by tests/python.sh."""
import sys

import h5py
import numpy as np
import yaml

path, spec_path = sys.argv[1], sys.argv[2]
with open(spec_path, encoding="utf-8") as s:
    want = yaml.safe_load(s)

with h5py.File(path, "r") as f:
    assert f.attrs["status"] == "complete", repr(f.attrs["status"])
    assert f.attrs["format"] == "nnrun-results", repr(f.attrs["format"])
    for key in ("created", "finished", "nnrun_version", "hdf5_version", "gsl_version", "blas",
                "host", "command_line"):
        assert isinstance(f.attrs[key], str), f"/ attribute {key}: {f.attrs[key]!r}"
    assert f.attrs["finished"].endswith("Z"), f.attrs["finished"]

    spec = yaml.safe_load(f["spec"][()])
    assert spec == want, f"/spec: {spec!r}\n   expected {want!r}"
    assert f["spec"].attrs["model.activation"] == want["model"]["activation"]
    assert f["spec"].attrs["name"] == want["name"]
    assert f["data"].attrs["normalize"] == want["data"]["normalize"]
    assert f["data"].attrs["train_input"] in ("dense", "sparse")
    assert f["optimizer"].attrs["optimizer"] == want["train"]["optimizer"]

    m = f["metrics"]
    epochs = want["train"]["epochs"]
    assert list(m["epoch"][:]) == list(range(1, epochs + 1)), m["epoch"][:]
    for col in ("train_loss", "train_accuracy", "dev_loss", "dev_accuracy", "objective",
                "seconds"):
        a = m[col][:]
        assert isinstance(a, np.ndarray) and a.dtype == np.float64 and a.shape == (epochs,), \
            f"/metrics/{col}: {a!r}"
        assert np.all(np.isfinite(a)), f"/metrics/{col}: {a!r}"
    assert np.all((m["dev_accuracy"][:] >= 0) & (m["dev_accuracy"][:] <= 1))

    hidden = want["model"]["hidden"]
    w1 = f["model/W1"][:]
    assert w1.shape[1] == hidden and w1.dtype == np.float64, w1.shape
    confusion = f["test/confusion"][:]
    assert confusion.sum() == f["test/n"][()], (confusion.sum(), f["test/n"][()])
    assert abs(np.trace(confusion) / confusion.sum() - f["test/accuracy"][()]) < 1e-12
print(f"h5py {h5py.__version__}: {path} reads as plain Python values")
