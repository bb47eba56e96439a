"""Writes a large synthetic corpus in the demo corpus's style for the
end-to-end benchmark: each document is one demo transcript whose sentences
(moderator's included) are varied by a seeded choice of opener, ending and
place ("in <district>", from a few thousand made-up district names), so that
texts are almost never exact repeats: repeats would be served by the
embedding cache and flatter us against a baseline that embeds every line.
The script prints how many sentences are distinct.

usage: pipeline_corpus.py DEMO_DIR OUT_DIR SENTENCES [--start-doc K] [--docs N]
"""
import os
import random
import re
import sys

HEDGES = ["I think", "To be honest,", "Well,", "Honestly,", "In my view,", "Frankly,",
          "I guess", "Maybe", "Of course,", "You know,", "Basically,", "Actually,"]
TAILS = ["", "", " in our city", " these days", " for us", " at the moment",
         " in practice", " for most people", " in the long run", " as far as I can see"]
# Made-up district names: 60 x 60 syllable pairs.
SYLLABLES = ["ber", "kel", "mon", "dra", "vos", "lin", "tor", "hal", "wes", "rup",
             "gan", "mir", "sol", "bra", "fen", "col", "dun", "pel", "ris", "tam",
             "vel", "cor", "nas", "lom", "hav", "sted", "wijk", "dal", "berg", "veen",
             "hof", "kamp", "horst", "broek", "meer", "dijk", "burg", "loo", "rode", "zand",
             "wold", "heim", "stad", "dorp", "laan", "haven", "poort", "brug", "weide", "akker",
             "bos", "hoek", "kerk", "molen", "plas", "ring", "spoor", "toren", "vliet", "zicht"]
DISTRICTS = [(a + b).capitalize() for a in SYLLABLES for b in SYLLABLES if a != b]


def vary(sentence, rng):
    s = sentence.strip()
    if not s:
        return s
    end = s[-1] if s[-1] in ".?!" else "."
    body = s[:-1] if s[-1] in ".?!" else s
    if rng.random() < 0.5:
        body = rng.choice(HEDGES) + " " + body[0].lower() + body[1:]
    body += rng.choice(TAILS)
    if rng.random() < 0.8:
        body += " in " + rng.choice(DISTRICTS)
    return body + end


def main():
    demo, out, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
    start = int(sys.argv[sys.argv.index("--start-doc") + 1]) if "--start-doc" in sys.argv else 0
    rng_seed = 1234 + start
    tdir = os.path.join(demo, "transcripts")
    sources = []
    for name in sorted(os.listdir(tdir)):
        with open(os.path.join(tdir, name), encoding="utf-8") as f:
            sources.append([l.rstrip("\n") for l in f if l.strip()])
    os.makedirs(out, exist_ok=True)
    written, doc = 0, start
    seen = set()
    while written < target:
        rng = random.Random(rng_seed + doc)
        lines = sources[doc % len(sources)]
        out_lines = []
        for line in lines:
            m = re.match(r"^([^:]{1,40}):\s*(.*)$", line)
            if not m:
                continue
            speaker, text = m.group(1), m.group(2)
            sentences = re.split(r"(?<=[.?!])\s+", text)
            sentences = [vary(s, rng) for s in sentences]
            written += len(sentences)
            seen.update(sentences)
            out_lines.append(f"{speaker}: {' '.join(sentences)}")
        with open(os.path.join(out, f"doc-{doc:06d}.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(out_lines) + "\n")
        doc += 1
    print(f"{doc - start} documents, {written} sentences ({len(seen)} distinct) in {out}")


if __name__ == "__main__":
    main()
