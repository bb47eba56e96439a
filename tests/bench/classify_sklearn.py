"""Reference for `autocode eval code`: scikit-learn LogisticRegression on the
same embeddings, texts and grouped folds (read from `eval code --dump`).

Per code: LogisticRegression(C=4, class_weight="balanced") at threshold 0.5,
on (a) the embeddings, (b) TF-IDF word 1-2-grams (sublinear tf, min_df 2),
(c) both concatenated. Prints one JSON object per variant.
Also times predict_proba of 25 one-vs-rest models on 100,000 x 384 vectors.
"""
import json
import sys
import time

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score, f1_score


def evaluate(name, make_features, codes, folds, y):
    pred = np.zeros_like(y)
    for f in sorted(set(folds)):
        tr, te = folds != f, folds == f
        xtr, xte = make_features(tr, te)
        for c in range(len(codes)):
            if y[tr, c].min() == y[tr, c].max():
                continue
            m = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
            m.fit(xtr, y[tr, c])
            pred[te, c] = m.predict_proba(xte)[:, 1] >= 0.5
    f1 = [f1_score(y[:, c], pred[:, c], zero_division=0) for c in range(len(codes))]
    kappa = [cohen_kappa_score(y[:, c], pred[:, c]) for c in range(len(codes))]
    print(json.dumps({"reference": f"sklearn {name}", "macro_f1": float(np.mean(f1)), "mean_kappa": float(np.mean(kappa))}))


def main():
    dump = json.load(open(sys.argv[1]))
    codes = dump["codes"]
    folds = np.array(dump["folds"])
    emb = np.array(dump["embeddings"], dtype=np.float32)
    texts = dump["texts"]
    y = np.array([[c in set(labels) for c in codes] for labels in dump["labels"]], dtype=int)

    def embeddings(tr, te):
        return emb[tr], emb[te]

    def tfidf(tr, te):
        v = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, token_pattern=r"(?u)\b\w[\w']*\b")
        a = v.fit_transform([t for t, k in zip(texts, tr) if k])
        b = v.transform([t for t, k in zip(texts, te) if k])
        return a, b

    def both(tr, te):
        a, b = tfidf(tr, te)
        return hstack([csr_matrix(emb[tr]), a]).tocsr(), hstack([csr_matrix(emb[te]), b]).tocsr()

    t = time.time()
    evaluate("LogisticRegression embeddings", embeddings, codes, folds, y)
    evaluate("LogisticRegression tfidf", tfidf, codes, folds, y)
    evaluate("LogisticRegression embeddings+tfidf", both, codes, folds, y)
    print(json.dumps({"reference": "sklearn eval seconds", "seconds": time.time() - t}))

    rng = np.random.default_rng(7)
    x = rng.standard_normal((2000, 384)).astype(np.float32)
    models = [LogisticRegression(C=4.0, max_iter=200).fit(x, rng.integers(0, 2, 2000)) for _ in range(25)]
    big = rng.standard_normal((100_000, 384)).astype(np.float32)
    t = time.time()
    for m in models:
        m.predict_proba(big)
    print(json.dumps({"reference": "sklearn predict_proba 25 codes x 100000", "seconds": time.time() - t}))


if __name__ == "__main__":
    main()
