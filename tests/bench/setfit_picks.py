"""Does fine-tuning the encoder on the reviewed items widen the queue's lead?

Issue #15 asks the review queue to beat random review by 0.05 kappa at 25
reviewed items per code; with autocode's learner (a logistic on frozen
all-MiniLM-L6-v2 vectors and TF-IDF) it leads by about 0.03, and the notes
named SetFit-style contrastive fine-tuning of the encoder as what might
move it. This script tests that on the very items each order reviewed:

  autocode eval code --gold G --codebook C --simulate-review \\
      --per-code-steps 25 --seeds 10 --picks picks.jsonl
  python tests/bench/setfit_picks.py --gold G --picks picks.jsonl \\
      --model models/all-MiniLM-L6-v2 --per-code 25

For each (seed, order) it trains, on that order's reviewed items only:
  frozen  one-vs-rest logistic regressions (scikit-learn, balanced class
          weights) on the frozen model's mean-pooled, normalised vectors;
  setfit  the same after contrastive fine-tuning of the whole encoder
          (SetFit's recipe: pairs sharing a code labelled 1, pairs sharing
          none 0, cosine-similarity loss, AdamW 2e-5, batch 16, one pass
          over ITERATIONS x 2 pairs per reviewed item),
and prints the mean kappa over codes on the held-out items, one JSON line
per (seed, order), then the leads. CPU only; about three minutes per
(seed, order) at --iterations 2 on two cores. Needs torch, transformers and
scikit-learn (the `.bench/st` venv of tests/bench/embed.sh has them).
"""
import argparse
import copy
import json
import os
import random
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import cohen_kappa_score  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402


def encode(model, tok, texts, max_len, grad=False, bs=32):
    out = []
    for i in range(0, len(texts), bs):
        b = tok(texts[i:i + bs], padding=True, truncation=True, max_length=max_len,
                return_tensors="pt")
        with torch.set_grad_enabled(grad):
            h = model(**b).last_hidden_state
            m = b["attention_mask"].unsqueeze(-1).float()
            e = torch.nn.functional.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=-1)
        out.append(e if grad else e.detach())
    return torch.cat(out)


def mean_kappa(xtr, ytr, xte, yte, c):
    """Mean Cohen's kappa over codes on the held-out items; a code constant
    in both the truth and the prediction (kappa undefined) is left out."""
    ks = []
    for j in range(ytr.shape[1]):
        if ytr[:, j].min() == ytr[:, j].max():
            pred = np.full(len(yte), ytr[0, j])
        else:
            clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
            pred = clf.fit(xtr, ytr[:, j]).predict(xte)
        if yte[:, j].min() == yte[:, j].max() and (pred == yte[:, j]).all():
            continue
        ks.append(cohen_kappa_score(yte[:, j], pred))
    return float(np.mean(ks))


def pairs(labels, iterations, rng):
    out = []
    for _ in range(iterations):
        for a in range(len(labels)):
            pos = [b for b in range(len(labels)) if b != a and labels[a] & labels[b]]
            neg = [b for b in range(len(labels)) if not labels[a] & labels[b]]
            if pos:
                out.append((a, rng.choice(pos), 1.0))
            if neg:
                out.append((a, rng.choice(neg), 0.0))
    rng.shuffle(out)
    return out


def fine_tune(base, tok, texts, labels, iterations, seed, max_len, lr=2e-5, bs=16):
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = copy.deepcopy(base)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    ps = pairs(labels, iterations, rng)
    for k in range(0, len(ps), bs):
        batch = ps[k:k + bs]
        a = encode(model, tok, [texts[x] for x, _, _ in batch], max_len, grad=True, bs=bs)
        b = encode(model, tok, [texts[y] for _, y, _ in batch], max_len, grad=True, bs=bs)
        t = torch.tensor([s for _, _, s in batch])
        loss = torch.nn.functional.mse_loss((a * b).sum(-1), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return model, len(ps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gold", required=True)
    ap.add_argument("--picks", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--per-code", type=int, default=25)
    ap.add_argument("--iterations", type=int, default=2)
    ap.add_argument("--seeds", help="comma-separated seeds to run (default: all in the file)")
    ap.add_argument("--c", type=float, default=1.0)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    gold = {}
    for line in open(a.gold):
        r = json.loads(line)
        gold[r["id"]] = r
    codes = sorted({c for r in gold.values() for c in r["labels"]})
    tok = AutoTokenizer.from_pretrained(a.model)
    base = AutoModel.from_pretrained(a.model)
    base.eval()
    ids = list(gold)
    row = {i: k for k, i in enumerate(ids)}
    frozen = encode(base, tok, [gold[i]["text"] for i in ids], a.max_len).numpy()
    wanted = {int(s) for s in a.seeds.split(",")} if a.seeds else None
    results = {}
    for line in open(a.picks):
        p = json.loads(line)
        if p["per_code"] != a.per_code or (wanted and p["seed"] not in wanted):
            continue
        rev, test = p["reviewed"], p["test"]
        ytr = np.array([[c in gold[i]["labels"] for c in codes] for i in rev], dtype=int)
        yte = np.array([[c in gold[i]["labels"] for c in codes] for i in test], dtype=int)
        k_frozen = mean_kappa(frozen[[row[i] for i in rev]], ytr, frozen[[row[i] for i in test]], yte, a.c)
        t0 = time.time()
        model, n = fine_tune(base, tok, [gold[i]["text"] for i in rev],
                             [set(gold[i]["labels"]) for i in rev], a.iterations, p["seed"], a.max_len)
        etr = encode(model, tok, [gold[i]["text"] for i in rev], a.max_len).numpy()
        ete = encode(model, tok, [gold[i]["text"] for i in test], a.max_len).numpy()
        k_setfit = mean_kappa(etr, ytr, ete, yte, a.c)
        results[(p["seed"], p["order"])] = (k_frozen, k_setfit)
        print(json.dumps({"seed": p["seed"], "order": p["order"], "per_code": a.per_code,
                          "frozen": round(k_frozen, 4), "setfit": round(k_setfit, 4),
                          "pairs": n, "seconds": round(time.time() - t0)}), flush=True)
    seeds = sorted({s for s, o in results if (s, "queue") in results and (s, "random") in results})
    for name, k in (("frozen", 0), ("setfit", 1)):
        d = [results[(s, "queue")][k] - results[(s, "random")][k] for s in seeds]
        if len(d) >= 2:
            se = statistics.stdev(d) / len(d) ** 0.5
            q = statistics.mean(results[(s, "queue")][k] for s in seeds)
            r = statistics.mean(results[(s, "random")][k] for s in seeds)
            print(f"{name}: queue {q:.3f} random {r:.3f} lead {statistics.mean(d):+.3f} ± {se:.3f} ({len(d)} seeds)")


if __name__ == "__main__":
    main()
