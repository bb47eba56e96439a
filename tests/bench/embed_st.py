"""Baseline for tests/bench/embed.sh: sentence-transformers on the CPU.

Encodes one sentence per line of INPUT with the local model folder (no hub
access), batch size 32, the thread count from --threads, model load and a
short warm-up excluded from the timing. Prints one line:
  st <sentences> <seconds> <sentences/s>
With --compare FILE.npy also prints the min and mean cosine between its rows
and sentence-transformers' vectors.
"""
import argparse
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--compare")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with open(a.input, encoding="utf-8") as f:
        sentences = [line.rstrip("\n") for line in f]
    model = SentenceTransformer(a.model, device="cpu")
    model.encode(sentences[:64], batch_size=a.batch_size)
    times = []
    for _ in range(a.runs):
        t = time.perf_counter()
        vectors = model.encode(sentences, batch_size=a.batch_size, convert_to_numpy=True)
        times.append(time.perf_counter() - t)
    secs = sorted(times)[len(times) // 2]
    print(f"st {len(sentences)} {secs:.3f} {len(sentences) / secs:.1f}")
    if a.compare:
        ours = np.load(a.compare).astype(np.float32)
        ref = vectors.astype(np.float32)
        cos = (ours * ref).sum(1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(ref, axis=1))
        print(f"cosine min {cos.min():.6f} mean {cos.mean():.6f}")


if __name__ == "__main__":
    main()
