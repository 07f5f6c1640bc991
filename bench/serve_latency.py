#!/usr/bin/env python3
"""Measures `refarch serve` from the outside: the time from saving one
engagement file, or one content page, to its new text being served over
HTTP.

    bench/serve_latency.py SITE_DIR [--edits 20] [--binary target/release/refarch]

Edits a different engagement each time (its customer name), then a
different content page each time (a paragraph at its top), polls the page
over HTTP until the edit appears, and reports the median and worst latency
of each kind and the server's peak memory (VmHWM).
"""

import argparse
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--binary", default="target/release/refarch")
    args = parser.parse_args()

    server = subprocess.Popen([args.binary, "--root", str(args.site), "--color", "never", "serve", "--port", "0"],
                              stderr=subprocess.PIPE, text=True)
    url = None
    started = time.monotonic()
    for line in server.stderr:
        match = re.match(r"serving (http://\S+?)/? ", line)
        if match:
            url = match.group(1)
            break
    if url is None:
        sys.exit("serve did not start")
    print(f"startup (initial build): {time.monotonic() - started:.2f} s")

    engagements = sorted((args.site / "data" / "engagements").glob("*.toml"))
    pages = sorted(p for p in (args.site / "content").rglob("*.md")
                   if p.parent.name not in ("engagements", "reference-architectures"))
    kinds = [
        ("engagement", engagements, edit_engagement),
        ("content page", pages, edit_page),
    ]
    results = []
    for kind, files, edit in kinds:
        if not files:
            continue
        step = max(1, len(files) // args.edits)
        latencies = []
        for n in range(args.edits):
            path = files[(n * step + 1) % len(files)]
            latencies.append(measure_edit(url, args.site, path, edit, n))
        results.append((kind, latencies))

    peak = "?"
    status = Path(f"/proc/{server.pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = f"{int(line.split()[1]) / 1024:.0f} MiB"
    server.terminate()
    server.wait()
    for kind, latencies in results:
        ms = [l * 1000 for l in latencies]
        print(f"save → served, {len(ms)} {kind} edits: median {statistics.median(ms):.0f} ms, "
              f"worst {max(ms):.0f} ms")
    print(f"server peak memory {peak}")


def edit_engagement(text, marker):
    """The engagement's customer name set to `marker`."""
    return re.sub(r'^customer = ".*"$', f'customer = "{marker}"', text, count=1, flags=re.M)


def edit_page(text, marker):
    """The page with `marker` as the first paragraph after its front matter."""
    head, separator, body = text.partition("\n+++\n")
    return f"{head}{separator}\n{marker}\n{body}"


def page_url(url, site, path):
    """The address of the page made from the file at `path`."""
    relative = path.relative_to(site)
    if relative.parts[0] == "data":
        return f"{url}/engagements/{path.stem}/"
    under_content = relative.relative_to("content").with_suffix("")
    return f"{url}/{under_content.as_posix()}/"


def measure_edit(url, site, path, edit, n):
    """Seconds from saving an edit of `path` to its page serving the edit.
    The file is then restored, and that rebuild waited for too, so that the
    next edit does not queue behind it."""
    text = path.read_text()
    marker = f"Edited {n} {time.time_ns()}"
    page = page_url(url, site, path)
    saved = time.monotonic()
    path.write_text(edit(text, marker))
    wait_for(page, lambda served: marker in served, saved)
    latency = time.monotonic() - saved
    path.write_text(text)
    wait_for(page, lambda served: marker not in served, time.monotonic())
    return latency


def wait_for(page, done, since):
    while True:
        with urllib.request.urlopen(page) as response:
            if done(response.read().decode()):
                return
        if time.monotonic() - since > 60:
            sys.exit(f"{page} did not change within 60 s")
        time.sleep(0.002)


if __name__ == "__main__":
    main()
