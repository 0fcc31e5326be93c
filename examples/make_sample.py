"""Rebuild examples/sample/articles.jsonl: Wikipedia lead paragraphs with planted copies.

The bundled sample lets `copytrace scan examples/sample --out out/` show real results on a
fresh machine. Source texts: English Wikipedia (CC BY-SA 4.0), as collected in
../shared/data/wiki_vital_summaries. Run from the repository root:

    python examples/make_sample.py ../shared/data/wiki_vital_summaries/docs.jsonl
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

CURLY = str.maketrans({"'": "\u2019", '"': "\u201d", "-": "\u2013"})


def main(source: Path, target: Path, count: int = 150, seed: int = 7) -> None:
    rng = random.Random(seed)
    docs = [json.loads(line) for line in source.open(encoding="utf-8")]
    docs = [d for d in docs if len(d["text"].split()) >= 80]
    chosen = rng.sample(docs, count)
    out = []
    for number, doc in enumerate(chosen):
        out.append(
            {
                "id": f"wiki-{number:03d}",
                "title": doc["title"],
                "text": doc["text"],
                "date": f"2024-0{1 + number % 9}-1{number % 10}",
                "site": "en.wikipedia.org",
            }
        )
    planted = []
    for number, doc in enumerate(out[:12]):
        text = doc["text"]
        kind = ("typography", "headline", "edits", "cut")[number % 4]
        if kind == "typography":
            copy = text.translate(CURLY).replace(" of ", " of\u00a0")
        elif kind == "headline":
            copy = (
                f"{doc['title'].upper()}\nPhoto: Wikimedia Commons\n\n{text}\n\nShare this article"
            )
        elif kind == "edits":
            words = text.split()
            for _ in range(max(1, len(words) // 60)):
                words[rng.randrange(len(words))] = rng.choice(["new", "recent", "major"])
            copy = " ".join(words)
        else:
            words = text.split()
            copy = " ".join(words[: int(len(words) * 0.92)])
        planted.append(
            {
                "id": f"copy-{number:02d}-{kind}",
                "title": doc["title"],
                "text": copy,
                "date": "2024-11-01",
                "site": "mirror.example",
            }
        )
    rows = out + planted
    rng.shuffle(rows)
    with target.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).parent / "sample" / "articles.jsonl")
