"""BERTopic baseline for tests/bench/themes.sh, on embeddings autocode computed.

quality: BERTopic with its defaults (UMAP 15 neighbours/5-d/cosine/min_dist 0,
HDBSCAN min_cluster_size 10, c-TF-IDF) fitted on precomputed embeddings;
ARI/NMI against single-label gold with topic -1 scored as one cluster (as
`autocode eval themes` does). UMAP is unseeded by default, so it runs
--runs times and reports mean and range.

speed: wall time of BERTopic's fit (UMAP + HDBSCAN + c-TF-IDF) on a .npy of
vectors and a text file of documents (one per line).
"""
import argparse
import json
import sys
import time

import numpy as np


def quality(a):
    from bertopic import BERTopic
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    emb = np.load(a.emb)
    docs, gold = [], []
    # The sentences `autocode eval themes --dump` used (single-label, minimal
    # responses left out), in its order; or, without --items, the gold file's
    # single-label sentences.
    with open(a.items or a.gold) as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            if a.items:
                docs.append(d["text"])
                gold.append(d["label"])
            elif len(d["labels"]) == 1:
                docs.append(d["text"])
                gold.append(d["labels"][0])
    assert len(docs) == emb.shape[0], (len(docs), emb.shape)
    aris, nmis, ks, outl = [], [], [], []
    for _ in range(a.runs):
        topics, _ = BERTopic().fit_transform(docs, embeddings=emb)
        aris.append(adjusted_rand_score(gold, topics))
        nmis.append(normalized_mutual_info_score(gold, topics))
        ks.append(len(set(topics) - {-1}))
        outl.append(float(np.mean(np.array(topics) == -1)))
    print(json.dumps({
        "sentences": len(docs), "runs": a.runs,
        "ari_mean": float(np.mean(aris)), "ari_min": min(aris), "ari_max": max(aris),
        "nmi_mean": float(np.mean(nmis)), "nmi_min": min(nmis), "nmi_max": max(nmis),
        "topics_mean": float(np.mean(ks)), "outlier_share_mean": float(np.mean(outl)),
    }))


def speed(a):
    from bertopic import BERTopic

    emb = np.load(a.emb, mmap_mode="r")
    if a.limit:
        emb = emb[: a.limit]
    emb = np.ascontiguousarray(emb, dtype=np.float32)
    with open(a.texts) as f:
        docs = [line.rstrip("\n") for line in f][: emb.shape[0]]
    t = time.time()
    topics, _ = BERTopic().fit_transform(docs, embeddings=emb)
    wall = time.time() - t
    print(json.dumps({"n": emb.shape[0], "seconds": wall, "topics": len(set(topics) - {-1}),
                      "outlier_share": float(np.mean(np.array(topics) == -1))}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--gold", required=True)
    q.add_argument("--items", help="the .items.jsonl of `eval themes --dump`")
    q.add_argument("--emb", required=True)
    q.add_argument("--runs", type=int, default=3)
    s = sub.add_parser("speed")
    s.add_argument("--emb", required=True)
    s.add_argument("--texts", required=True)
    s.add_argument("--limit", type=int, default=0)
    a = p.parse_args()
    {"quality": quality, "speed": speed}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
