"""scikit-learn 1.2 on the same data as bench/classic.ts (full Fashion-MNIST, pixels / 255).

    /usr/bin/python3 bench/classic_sklearn.py [--data DIR] [--json out.json]

KNeighborsClassifier(k=5, algorithm="brute"): test accuracy and test-prediction time;
SGDClassifier(loss="hinge") and SGDClassifier(loss="log_loss") with default settings:
test accuracy and fit time. Prints a line per model (and JSON with --json).
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np

try:
    import sklearn
    from sklearn.linear_model import SGDClassifier
    from sklearn.neighbors import KNeighborsClassifier
except ImportError:
    print("classic_sklearn: scikit-learn is not installed for this python (try /usr/bin/python3)")
    sys.exit(0)


def read_idx(path):
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:2] == b"\x1f\x8b":
        buf = gzip.decompress(buf)
    magic = int.from_bytes(buf[0:4], "big")
    n = int.from_bytes(buf[4:8], "big")
    if magic == 0x801:
        return np.frombuffer(buf, np.uint8, n, 8).astype(np.int64)
    if magic != 0x803:
        raise ValueError(f"{path}: bad IDX magic {magic:#x} at offset 0")
    d = int.from_bytes(buf[8:12], "big") * int.from_bytes(buf[12:16], "big")
    return np.frombuffer(buf, np.uint8, n * d, 16).reshape(n, d).astype(np.float32) / 255


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/data/fashion-mnist")
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    p = lambda f: os.path.join(a.data, f)
    Xtr, ytr = read_idx(p("train-images-idx3-ubyte.gz")), read_idx(p("train-labels-idx1-ubyte.gz"))
    Xte, yte = read_idx(p("t10k-images-idx3-ubyte.gz")), read_idx(p("t10k-labels-idx1-ubyte.gz"))
    out = {"sklearn": sklearn.__version__, "train": len(Xtr), "test": len(Xte)}
    print(f"scikit-learn {sklearn.__version__}; train {len(Xtr)}, test {len(Xte)}")

    knn = KNeighborsClassifier(n_neighbors=5, algorithm="brute").fit(Xtr, ytr)
    t0 = time.perf_counter()
    pred = knn.predict(Xte)
    dt = time.perf_counter() - t0
    acc = float((pred == yte).mean())
    print(f"KNeighborsClassifier k=5 brute: test accuracy {100 * acc:.2f}%, test prediction {dt:.2f} s")
    out["knn"] = {"testAccuracy": acc, "predictSeconds": dt}

    for loss in ["hinge", "log_loss"]:
        t0 = time.perf_counter()
        m = SGDClassifier(loss=loss, random_state=0).fit(Xtr, ytr)
        dt = time.perf_counter() - t0
        acc = float(m.score(Xte, yte))
        print(f"SGDClassifier {loss}: test accuracy {100 * acc:.2f}%, fit {dt:.1f} s")
        out[f"sgd_{loss}"] = {"testAccuracy": acc, "fitSeconds": dt}

    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
