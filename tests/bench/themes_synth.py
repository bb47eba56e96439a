"""Synthetic clustered sentence vectors for the themes benchmark (say so in
results): N unit vectors in 384-d around 100 random directions with
Zipf-like sizes plus 10% uniform noise, and a text per vector made of words
from its cluster's own vocabulary and a shared one (for c-TF-IDF).
Writes OUT.npy (float32), OUT.txt (one text per line), OUT.labels.txt."""
import sys

import numpy as np

n, out = int(sys.argv[1]), sys.argv[2]
dim, k = 384, 100
rng = np.random.default_rng(0)
centres = rng.standard_normal((k, dim)).astype(np.float32)
centres /= np.linalg.norm(centres, axis=1, keepdims=True)
weights = 1.0 / np.arange(1, k + 1) ** 0.5
weights /= weights.sum()
labels = rng.choice(k, size=n, p=weights)
labels[rng.random(n) < 0.10] = -1
common = [f"word{i}" for i in range(300)]
topic = [[f"t{c}w{i}" for i in range(12)] for c in range(k)]
header = {"descr": "<f4", "fortran_order": False, "shape": (n, dim)}
with open(out + ".npy", "wb") as f, open(out + ".txt", "w") as ft, open(out + ".labels.txt", "w") as fl:
    h = repr(header).encode()
    pad = 64 - (10 + len(h) + 1) % 64
    f.write(b"\x93NUMPY\x01\x00" + (len(h) + pad + 1).to_bytes(2, "little") + h + b" " * pad + b"\n")
    for s in range(0, n, 100_000):
        lab = labels[s:s + 100_000]
        m = len(lab)
        noise = rng.standard_normal((m, dim)).astype(np.float32) / np.sqrt(dim)
        v = np.where(lab[:, None] >= 0, centres[np.maximum(lab, 0)] + 0.9 * noise, noise)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        f.write(v.astype("<f4").tobytes())
        for l in lab:
            words = list(rng.choice(common, 5))
            if l >= 0:
                words += list(rng.choice(topic[l], 4))
            ft.write(" ".join(words) + "\n")
            fl.write(f"{l}\n")
