#!/usr/bin/env python3
"""Measures what the browser downloads for a search, on a built site.

    bench/search_bytes.py PUBLIC_DIR [QUERY ...]

Replays the lookup of themes/default/static/search.js (tokenize, pick the
shards of each token, score, fetch the metadata of the top results) and
reports, per query, the bytes of the distinct files fetched for the header
dropdown (20 results) and the search page (100 results), and the largest
file of the index.
"""

import json
import re
import sys
from pathlib import Path

DROPDOWN, PAGE = 20, 100
COMPLETION_BUDGET = 256 * 1024
QUERIES = ["northwind", "postgres upgrade", "helm aws", "customer 00042", "m6a.4xlarge",
           "gitserver memory", "release notes", "kubernetes", "replica", "exception process"]


def tokenize(text):
    tokens = re.findall(r"[^\W_]+", text.lower())
    return [t for t in dict.fromkeys(tokens) if len(t) >= 2]


def shards_for(token, shards):
    found = []
    for n in range(len(token), 1, -1):
        if token[:n] in shards:
            found.append(token[:n])
            break
    longer = [k for k in shards if len(k) > len(token) and k.startswith(token)]
    cost = sum(shards[k] for k in longer)
    return found + (longer if cost <= COMPLETION_BUDGET else [])


def measure(public, query, limit, manifest, size):
    fetched = {"search/manifest.json"}
    tokens = tokenize(query)
    scores = None
    for token in tokens:
        keys = shards_for(token, manifest["shards"])
        mine = {}
        for key in keys:
            path = f"search/idx/{key}.json"
            fetched.add(path)
            shard = json.loads((public / path).read_text())
            for term, postings in shard.items():
                if not term.startswith(token):
                    continue
                weight = 1 if term == token else 0.5
                doc = 0
                for i in range(0, len(postings) - 1, 2):
                    doc += postings[i]
                    mine[doc] = mine.get(doc, 0) + postings[i + 1] * weight
        if scores is not None:
            mine = {d: s + scores[d] for d, s in mine.items() if d in scores}
        scores = mine
    ranked = sorted((scores or {}).items(), key=lambda p: (-p[1], p[0]))
    for doc, _ in ranked[:limit]:
        fetched.add(f"search/meta/{doc // manifest['meta_shard_size']}.json")
    return len(ranked), sum(size(p) for p in fetched), len(fetched)


def main():
    public = Path(sys.argv[1])
    queries = sys.argv[2:] or QUERIES
    manifest = json.loads((public / "search/manifest.json").read_text())
    manifest["shards"] = dict(manifest["shards"])
    size = lambda p: (public / p).stat().st_size
    files = list((public / "search").rglob("*.json"))
    largest = max(files, key=lambda p: p.stat().st_size)
    print(f"index: {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB, "
          f"largest {largest.relative_to(public)} {largest.stat().st_size / 1024:.0f} KB")
    print(f"{'query':<22} {'results':>8} {'dropdown KB':>12} {'files':>6} {'page KB':>9} {'files':>6}")
    worst = 0
    for query in queries:
        total, dropdown, dropdown_files = measure(public, query, DROPDOWN, manifest, size)
        _, page, page_files = measure(public, query, PAGE, manifest, size)
        worst = max(worst, dropdown)
        print(f"{query:<22} {total:>8} {dropdown / 1024:>12.0f} {dropdown_files:>6} {page / 1024:>9.0f} {page_files:>6}")
    print(f"largest dropdown download: {worst / 1024:.0f} KB")


if __name__ == "__main__":
    main()
