#!/usr/bin/env python3
"""Prints the tables of the Markdown-corpus comparison (bench/markdown.sh).

    bench/markdown_report.py RESULTS_TSV --pages N     one page count's table
    bench/markdown_report.py RESULTS_TSV --linearity   refarch, largest / smallest count

RESULTS_TSV has one line per run: pages, tool, version, run, wall s,
user s, system s, peak KiB, HTML files written, status ("ok" or why not).
The figures are medians over the runs; the ratios compare this run's
medians with each other and with the targets of the issue.
"""

import argparse
import csv
import statistics
import sys
from pathlib import Path

NAMES = {"refarch": "refarch", "refarch-hl": "refarch, highlighting on", "hugo": "Hugo", "zola": "Zola", "floor1": "floor, 1 thread", "floor2": "floor, 2 threads"}
VERSIONS = {"refarch": "{}", "refarch-hl": "", "hugo": "{}", "zola": "{}", "floor1": "(pulldown-cmark {})", "floor2": "(pulldown-cmark {})"}
ORDER = ["refarch", "refarch-hl", "hugo", "zola", "floor1", "floor2"]


def load(path):
    """{(pages, tool): {"version", "runs": [dict], "failed": [status]}}"""
    tools = {}
    with open(path, newline="") as file:
        for row in csv.reader(file, delimiter="\t"):
            pages, tool, version, _run, wall, user, system, peak, html, status = row
            entry = tools.setdefault((int(pages), tool), {"version": version, "versions": [], "runs": [], "failed": []})
            if version not in entry["versions"]:
                entry["versions"].append(version)
            if status == "ok":
                entry["runs"].append({"wall": float(wall), "cpu": float(user) + float(system),
                                      "peak": int(peak) / 1024, "html": int(html)})
            else:
                entry["failed"].append(status)
    return tools


def medians(entry):
    if entry is None or entry["failed"] or not entry["runs"]:
        return None
    return {key: statistics.median(run[key] for run in entry["runs"]) for key in ("wall", "cpu", "peak", "html")}


def verdict(value, limit, why_not="n/a"):
    if value is None:
        return why_not
    return "PASS" if value <= limit else "FAIL"


def table(tools, pages, where):
    rows = {tool: tools.get((pages, tool)) for tool in ORDER}
    runs = max((len(entry["runs"]) + len(entry["failed"]) for entry in rows.values() if entry), default=0)
    print(f"Markdown corpus: {pages} pages, median of {runs} runs, output in {where}")
    print(f"  {'tool':<40} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'HTML files':>11}")
    figures, warnings = {}, []
    for tool in ORDER:
        entry = rows[tool]
        label = NAMES[tool] + (" " + VERSIONS[tool].format(entry["version"]) if entry else "")
        figures[tool] = medians(entry)
        if entry and len(entry["versions"]) > 1:
            warnings.append(f"  warning: {tool} changed between runs, its medians mix builds: " + ", ".join(entry["versions"]))
        if entry is None:
            print(f"  {label:<40} {'not run (see above)':>38}")
        elif figures[tool] is None:
            failed, total = len(entry["failed"]), len(entry["failed"]) + len(entry["runs"])
            why = f"{failed} of {total} runs " + "; ".join(sorted(set(entry["failed"])))
            print(f"  {label:<40} {why:>38}")
        else:
            f = figures[tool]
            print(f"  {label:<40} {f['wall']:>8.3f} {f['cpu']:>8.2f} {f['peak']:>9.0f} {f['html']:>11.0f}")
    for warning in warnings:
        print(warning)

    def ratio(key, peer):
        if figures["refarch"] is None or figures[peer] is None or figures[peer][key] == 0:
            return None
        return figures["refarch"][key] / figures[peer][key]

    memory_peer = "zola" if figures["zola"] else "hugo"
    checks = [
        ("refarch wall / Zola wall", "wall", "zola", 0.3),
        ("refarch wall / Hugo wall", "wall", "hugo", 0.3),
        ("refarch wall / floor (2 threads) wall", "wall", "floor2", 3.0),
        (f"refarch peak / {NAMES[memory_peer]} peak", "peak", memory_peer, 1.0),
    ]
    print(f"  {'ratio, measured in this run':<40} {'measured':>9} {'target':>8}  verdict")
    for name, key, peer, limit in checks:
        value = ratio(key, peer)
        shown = f"{value:.2f}x" if value is not None else "-"
        missing = "refarch" if figures["refarch"] is None else peer
        why_not = f"n/a ({missing} {'not run' if rows[missing] is None else 'failed'})"
        print(f"  {name:<40} {shown:>9} {'<= ' + format(limit, 'g') + 'x':>8}  {verdict(value, limit, why_not)}")
    return figures


def linearity(tools):
    counts = sorted(pages for pages, tool in tools if tool == "refarch" and medians(tools[(pages, tool)]))
    if len(counts) < 2:
        print("linearity: refarch did not complete two page counts")
        return
    small, large = counts[0], counts[-1]
    print(f"Linearity: refarch's median wall at {large} pages over that at {small}")
    builds = {version for pages in (small, large) for version in tools[(pages, "refarch")]["versions"]}
    if len(builds) > 1:
        print("  warning: refarch changed between the page counts, the ratio mixes builds: " + ", ".join(sorted(builds)))
    value = medians(tools[(large, "refarch")])["wall"] / medians(tools[(small, "refarch")])["wall"]
    limit = 1.1 * large / small
    print(f"  {f'refarch wall, {large} / {small} pages':<40} {value:>8.2f}x {'<= ' + format(limit, 'g') + 'x':>8}  "
          f"{verdict(value, limit)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--pages", type=int)
    what.add_argument("--linearity", action="store_true")
    args = parser.parse_args()
    tools = load(args.results)
    if args.linearity:
        linearity(tools)
    elif not any(pages == args.pages for pages, _ in tools):
        sys.exit(f"no results for {args.pages} pages in {args.results}")
    else:
        table(tools, args.pages, args.results.parent)


if __name__ == "__main__":
    main()
