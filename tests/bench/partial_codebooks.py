#!/usr/bin/env python3
"""Writes codebooks that cover part of a corpus, and their gold, for the
zero-shot bench (docs/classify.md, "A codebook that covers part of the
corpus"): a researcher's codebook rarely names every topic its corpus
talks about. Each subset keeps some codes of a coded corpus and drops the
others' labels, so a sentence of a dropped code is one of no code.

usage: partial_codebooks.py SHARED OUT
  SHARED  the shared data folder (its eval/opp115-dev is read; licences
          forbid copying it into the project, so the subsets go to OUT)
  OUT     folder for NAME.json / NAME.yaml codebooks and NAME.jsonl gold

The data/interviews subsets are written too (the project's own data).
"""
import json
import os
import sys

OPP_SUBSETS = {
    # four mid-sized and rare codes: about 15% of segments coded
    "opp-rare4": ["Data Security", "User Access, Edit and Deletion", "Policy Change", "Data Retention"],
    # the two most frequent codes: about half the segments coded
    "opp-frequent2": ["First Party Collection/Use", "Third Party Sharing/Collection"],
    "opp-mid3": ["User Choice/Control", "International and Specific Audiences", "Data Security"],
}
INTERVIEW_SUBSETS = {
    "interviews-3": ["isolation", "costs", "tools"],
    "interviews-4": ["boundaries", "team_trust", "clients", "focus"],
}


def write_gold(src, dst, keep):
    with open(src) as f, open(dst, "w") as out:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            row["labels"] = [x for x in row["labels"] if x in keep]
            if isinstance(row.get("annotator_labels"), dict):
                row["annotator_labels"] = {
                    k: [x for x in v if x in keep] for k, v in row["annotator_labels"].items()
                }
            row.pop("label_votes", None)
            out.write(json.dumps(row) + "\n")


def main():
    shared, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    opp = os.path.join(shared, "eval", "opp115-dev")
    if os.path.exists(os.path.join(opp, "codebook.json")):
        codebook = json.load(open(os.path.join(opp, "codebook.json")))
        for name, keep in OPP_SUBSETS.items():
            part = dict(codebook, labels=[c for c in codebook["labels"] if c["label"] in keep])
            assert len(part["labels"]) == len(keep), name
            json.dump(part, open(os.path.join(out, name + ".json"), "w"), indent=1)
            write_gold(os.path.join(opp, "segments.jsonl"), os.path.join(out, name + ".jsonl"), set(keep))
    # data/interviews' codebook is YAML: its `codes:` entries are copied
    # line by line (no YAML library needed), the `name:` line kept.
    lines = open("data/interviews/codebook.yaml").read().splitlines()
    head = [l for l in lines[: lines.index("codes:")]]
    entries, current = [], None
    for l in lines[lines.index("codes:") + 1 :]:
        if l.startswith("  - id: "):
            current = [l]
            entries.append(current)
        elif current is not None:
            current.append(l)
    for name, keep in INTERVIEW_SUBSETS.items():
        kept = [e for e in entries if e[0][len("  - id: ") :].strip() in keep]
        assert len(kept) == len(keep), name
        body = head + ["codes:"] + [l for e in kept for l in e]
        open(os.path.join(out, name + ".yaml"), "w").write("\n".join(body) + "\n")
        write_gold("data/interviews/gold.jsonl", os.path.join(out, name + ".jsonl"), set(keep))


if __name__ == "__main__":
    main()
