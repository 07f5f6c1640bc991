#!/usr/bin/env python3
"""Measures `refarch serve` from the outside: the time from saving one
engagement file to its new text being served over HTTP.

    bench/serve_latency.py SITE_DIR [--edits 20] [--binary target/release/refarch]

Edits a different engagement each time (its customer name), polls the page
over HTTP until the new name appears, and reports the median and worst
latency and the server's peak memory (VmHWM).
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

    files = sorted((args.site / "data" / "engagements").glob("*.toml"))
    step = max(1, len(files) // args.edits)
    latencies = []
    for n in range(args.edits):
        path = files[(n * step + 1) % len(files)]
        text = path.read_text()
        new_name = f"Edited Customer {n} {time.time_ns()}"
        edited = re.sub(r'^customer = ".*"$', f'customer = "{new_name}"', text, count=1, flags=re.M)
        page = f"{url}/engagements/{path.stem}/"
        saved = time.monotonic()
        path.write_text(edited)
        while True:
            with urllib.request.urlopen(page) as response:
                if new_name in response.read().decode():
                    break
            if time.monotonic() - saved > 60:
                sys.exit(f"{page} did not change within 60 s")
            time.sleep(0.002)
        latencies.append(time.monotonic() - saved)
        # Restore the file and wait for that rebuild too, so that the next
        # edit does not queue behind it.
        original = re.search(r'^customer = "(.*)"$', text, flags=re.M).group(1)
        path.write_text(text)
        while True:
            with urllib.request.urlopen(page) as response:
                if original in response.read().decode():
                    break
            time.sleep(0.01)

    peak = "?"
    status = Path(f"/proc/{server.pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = f"{int(line.split()[1]) / 1024:.0f} MiB"
    server.terminate()
    server.wait()
    ms = [l * 1000 for l in latencies]
    print(f"save → served, {len(ms)} edits: median {statistics.median(ms):.0f} ms, worst {max(ms):.0f} ms; "
          f"server peak memory {peak}")


if __name__ == "__main__":
    main()
