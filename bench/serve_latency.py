#!/usr/bin/env python3
"""Measures `refarch serve` from the outside: the time from saving one
engagement file, one content page or the theme's base template to the new
text being served over HTTP.

    bench/serve_latency.py SITE_DIR [--edits 20] [--template-edits 5]
                           [--binary target/release/refarch]

Edits a different engagement each time (its customer name), then a
different content page each time (a paragraph at its top), then the
footer of `base.html`, the frame of every page, in the site's theme
(an override copied from the built-in one when the site has none, and
removed afterwards); polls the page (for the template, the home page)
over HTTP until the edit appears, and reports the median and worst
latency of each kind and the server's peak memory (VmHWM). A template
edit renders every page again: compare it with a full build.
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
    parser.add_argument("--template-edits", type=int, default=5)
    parser.add_argument("--binary", default="target/release/refarch")
    args = parser.parse_args()

    # The theme's base template, as an override the site may already have:
    # made before the server starts, so that the first build has it too.
    base_template = args.site / "themes" / "default" / "templates" / "base.html"
    made_override = not base_template.exists()
    if made_override:
        builtin = Path(__file__).resolve().parent.parent / "themes/default/templates/base.html"
        base_template.parent.mkdir(parents=True, exist_ok=True)
        base_template.write_text(builtin.read_text())

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
    if args.template_edits > 0:
        latencies = [measure_edit(url, args.site, base_template, edit_footer, n, page=f"{url}/")
                     for n in range(args.template_edits)]
        results.append(("template (base.html)", latencies))

    peak = "?"
    status = Path(f"/proc/{server.pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = f"{int(line.split()[1]) / 1024:.0f} MiB"
    server.terminate()
    server.wait()
    if made_override:
        base_template.unlink()
        for directory in (base_template.parent, base_template.parent.parent, base_template.parent.parent.parent):
            if not any(directory.iterdir()):
                directory.rmdir()
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


def edit_footer(text, marker):
    """The base template with `marker` at the end of the footer."""
    return text.replace("</footer>", f"<p>{marker}</p>\n</footer>", 1)


def page_url(url, site, path):
    """The address of the page made from the file at `path`."""
    relative = path.relative_to(site)
    if relative.parts[0] == "data":
        return f"{url}/engagements/{path.stem}/"
    under_content = relative.relative_to("content").with_suffix("")
    return f"{url}/{under_content.as_posix()}/"


def measure_edit(url, site, path, edit, n, page=None):
    """Seconds from saving an edit of `path` to its page (or `page`)
    serving the edit. The file is then restored, and that rebuild waited
    for too, so that the next edit does not queue behind it."""
    text = path.read_text()
    marker = f"Edited {n} {time.time_ns()}"
    page = page or page_url(url, site, path)
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
