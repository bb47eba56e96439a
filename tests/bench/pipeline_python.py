"""The Python reference for the end-to-end benchmark (tests/bench/pipeline.sh):
the same corpus through sentence-transformers + scikit-learn + BERTopic, one
process per stage like autocode's, so each stage's wall time and peak RSS can
be read by /usr/bin/time.

  ingest  CORPUS_DIR WORK      split "Speaker: text" lines into sentences
                               (regex split on . ? !) -> WORK/sentences.jsonl
  embed   MODEL CODEBOOK WORK  sentence-transformers, batch 32, every sentence
                               and the codebook's prototype texts -> .npy
  code    CODEBOOK WORK        one-vs-rest logistic regression on the
                               prototype texts' embeddings, probabilities for
                               every participant sentence
  themes  WORK                 BERTopic with its defaults on the participant
                               sentences' embeddings (UMAP + HDBSCAN + c-TF-IDF)
  report  WORK                 per code: sentences and distinct participants
                               above 0.5, per document

The embed stage runs in the sentence-transformers venv (.bench/st), the others
in the BERTopic venv (.bench/bt). Nothing is cached between runs.
"""
import json
import os
import re
import sys
import time


def ingest(corpus, work):
    os.makedirs(work, exist_ok=True)
    n = 0
    with open(os.path.join(work, "sentences.jsonl"), "w", encoding="utf-8") as out:
        for name in sorted(os.listdir(corpus)):
            with open(os.path.join(corpus, name), encoding="utf-8") as f:
                for line in f:
                    m = re.match(r"^([^:]{1,40}):\s*(.*)$", line.strip())
                    if not m:
                        continue
                    speaker, text = m.group(1), m.group(2)
                    for s in re.split(r"(?<=[.?!])\s+", text):
                        if s:
                            out.write(json.dumps({"doc": name, "speaker": speaker,
                                                  "moderator": speaker.startswith("Moderator"),
                                                  "text": s}) + "\n")
                            n += 1
    print(f"ingest: {n} sentences")


def read_sentences(work):
    with open(os.path.join(work, "sentences.jsonl"), encoding="utf-8") as f:
        return [json.loads(l) for l in f]


def prototypes(codebook_path):
    """Per leaf code: its definition and examples (texts to embed)."""
    import yaml
    with open(codebook_path, encoding="utf-8") as f:
        cb = yaml.safe_load(f)
    codes = cb["codes"]
    parents = {c.get("parent") for c in codes if c.get("parent")}
    out = []
    for c in codes:
        if c["id"] in parents:
            continue
        texts = [f"{c['name']}: {c.get('definition', '')}"] + list(c.get("examples", []))
        out.append((c["id"], texts))
    return out


def embed(model, codebook, work):
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    st = SentenceTransformer(model, device="cpu")
    texts = [s["text"] for s in read_sentences(work)]
    t = time.time()
    emb = st.encode(texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=True)
    print(f"embed: {len(texts)} sentences in {time.time() - t:.1f} s "
          f"({len(texts) / (time.time() - t):.1f}/s)")
    np.save(os.path.join(work, "embeddings.npy"), emb.astype(np.float32))
    protos = prototypes(codebook)
    flat = [t for _, ts in protos for t in ts]
    np.save(os.path.join(work, "prototypes.npy"),
            st.encode(flat, batch_size=32, convert_to_numpy=True, normalize_embeddings=True))


def code(codebook, work):
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    sents = read_sentences(work)
    emb = np.load(os.path.join(work, "embeddings.npy"))
    protos = prototypes(codebook)
    p = np.load(os.path.join(work, "prototypes.npy"))
    labels = [i for i, (_, ts) in enumerate(protos) for _ in ts]
    part = np.array([not s["moderator"] for s in sents])
    clf = LogisticRegression(max_iter=1000).fit(p, labels)
    proba = clf.predict_proba(emb[part])
    np.save(os.path.join(work, "proba.npy"), proba.astype(np.float32))
    print(f"code: {part.sum()} participant sentences x {len(protos)} codes")


def themes(work):
    import numpy as np
    from bertopic import BERTopic
    sents = read_sentences(work)
    emb = np.load(os.path.join(work, "embeddings.npy"))
    part = [i for i, s in enumerate(sents) if not s["moderator"]]
    docs = [sents[i]["text"] for i in part]
    t = time.time()
    topics, _ = BERTopic(calculate_probabilities=False).fit_transform(docs, emb[part])
    n_topics = len(set(topics) - {-1})
    outliers = sum(1 for x in topics if x == -1) / len(topics)
    print(f"themes: {n_topics} topics, {100 * outliers:.1f}% outliers, fit {time.time() - t:.1f} s")


def report(work):
    import numpy as np
    import pandas as pd
    sents = read_sentences(work)
    part = [s for s in sents if not s["moderator"]]
    proba = np.load(os.path.join(work, "proba.npy"))
    df = pd.DataFrame({"doc": [s["doc"] for s in part],
                       "participant": [s["doc"] + "/" + s["speaker"] for s in part]})
    rows = []
    for k in range(proba.shape[1]):
        hit = df[proba[:, k] >= 0.5]
        rows.append({"code": k, "sentences": len(hit),
                     "participants": hit["participant"].nunique(),
                     "documents": hit["doc"].nunique()})
    pd.DataFrame(rows).to_csv(os.path.join(work, "report.csv"), index=False)
    print(f"report: {len(rows)} codes")


if __name__ == "__main__":
    stage, args = sys.argv[1], sys.argv[2:]
    {"ingest": ingest, "embed": embed, "code": code, "themes": themes, "report": report}[stage](*args)
