#!/usr/bin/env python3
"""Generates a large synthetic refarch site for the benchmark.

    bench/generate.py OUT_DIR [--engagements 10000] [--pages 1000] [--seed 7] [--no-highlight]

The site reuses the example's catalog, releases, support rules and
reference architectures, and adds generated engagements with realistic
field counts (nodes, fifteen services, code hosts, externalized services,
logs, exit criteria, upgrade history, deviations) and Markdown pages of
about 4.6 KB (headings, lists, an 8x5 table, a YAML block, internal links).
Deterministic for a given seed. `--no-highlight` turns code highlighting
off in `data/site.toml`, as the Markdown comparison runs its peers.
"""

import argparse
import random
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

METHODS = ["helm", "helm", "helm", "kustomize", "docker-compose", "machine-image"]
PROVIDERS = ["aws", "gcp", "azure", "on-prem", "digitalocean"]
STRATEGIES = ["jointly-deployed", "ce-owned", "self-hosted-migration", "feature-expansion", "self-hosted-to-cloud"]
STATUSES = ["in-progress", "handed-off", "handed-off", "planned"]
RELEASES = ["7.6.0", "7.5.4453", "7.4.3350", "7.3.2803", "6.12.1792", "5.11.6271"]
SIZES = [("xs", 400, 4000), ("s", 900, 9000), ("m", 4000, 40000), ("l", 8000, 80000), ("xl", 16000, 200000)]
INSTANCES = {"aws": "m6a.4xlarge", "gcp": "n2-standard-16", "azure": "Standard_D16_v3", "on-prem": "vSphere 16 vCPU", "digitalocean": "g-16vcpu-64gb"}
SERVICES = [
    ("frontend", 2, "2", "4", "4G", "8G", None),
    ("gitserver", 1, "4", "8", "8G", "26G", "500Gi"),
    ("zoekt-webserver", 1, "2", "6", "4G", "12G", "200Gi"),
    ("zoekt-indexserver", 1, "2", "4", "4G", "12G", None),
    ("searcher", 1, "1", "5", "2G", "12G", "26Gi"),
    ("precise-code-intel-worker", 1, "1", "2", "4G", "50G", None),
    ("worker", 1, "1", "4", "2G", "4G", None),
    ("syntect-server", 1, "250m", "4", "2G", "6G", None),
    ("pgsql", 1, "2", "4", "4G", "6G", "200Gi"),
    ("codeintel-db", 1, "2", "4", "4G", "4G", "200Gi"),
    ("codeinsights-db", 1, "2", "4", "2G", "2G", "200Gi"),
    ("redis-cache", 1, "500m", "1", "2Gi", "5Gi", "100Gi"),
    ("redis-store", 1, "500m", "1", "2Gi", "5Gi", "100Gi"),
    ("blobstore", 1, "500m", "2", "1Gi", "2Gi", "100Gi"),
    ("prometheus", 1, "500m", "2", "6G", "6G", "200Gi"),
]
CRITERIA = ["production-live", "admins-trained", "code-hosts-synced", "features-functioning", "performance",
            "tests-completed", "staged-for-expansion", "right-sized", "current-version"]
WORDS = ("deployment cluster upgrade gitserver indexing monorepo replica customer engineer search code host "
         "repository kubernetes helm release window support rule storage memory latency proxy certificate").split()


def sentence(rng, n=12):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def engagement(rng, i):
    ident = f"customer-{i:05d}"
    method = rng.choice(METHODS)
    provider = rng.choice(PROVIDERS if method != "machine-image" else ["aws", "gcp"])
    release = rng.choice(RELEASES)
    size, users, repos = rng.choice(SIZES)
    status = rng.choice(STATUSES)
    kube = method in ("helm", "kustomize")
    lines = [
        "#:schema ../../schemas/engagement.schema.json",
        f'id = "{ident}"',
        f'customer = "Customer {i:05d} {rng.choice(["Logistics", "Bank", "Health", "Games", "Energy", "Media"])}"',
        f'strategy = "{rng.choice(STRATEGIES)}"',
        f'status = "{status}"',
        f"confidential = {'true' if i % 17 == 0 else 'false'}",
        f'summary = "{sentence(rng)}"',
        'notes = """', sentence(rng, 30), "", "- " + sentence(rng), "- " + sentence(rng), '"""',
        "",
        "[team]",
        'implementation_engineer = "Dana Ortiz"',
        'project_manager = "Lee Chen"',
        'customer_engineer = "Sofia Marchetti"',
        'account_executive = "Priya Raman"',
        'technical_advisor = "Sam Okafor"',
        "",
        "[links]",
        f'technical_design = "https://docs.example.internal/tdd/{ident}"',
        f'project_plan = "https://docs.example.internal/plan/{ident}"',
        "",
        "[dates]",
        "kickoff = 2025-06-02",
        "production_start = 2025-07-01",
        "production_complete = 2025-08-15",
    ]
    if status == "handed-off":
        lines.append("handoff = 2025-09-01")
    lines += [
        "",
        "[deployment]",
        f'instance_url = "https://sourcegraph.{ident}.example.com"',
        f'method = "{method}"',
        f'provider = "{provider}"',
        'region = "us-east-1"',
        f'release = "{release}"',
    ]
    if kube:
        lines += ['kubernetes_version = "1.31"']
    lines += ['arch = "amd64"', 'ingress = "Load balancer with TLS"', ""]
    for env in ["dev", "staging", "prod"]:
        lines += ["[[environment]]", f'id = "{env}"', f'method = "{method}"', f'release = "{release}"',
                  f'size = "{size if env == "prod" else "xs"}"', f'purpose = "{sentence(rng, 6)}"', ""]
    lines += ["[resourcing]", "", "[[resourcing.node]]", 'pool = "default"', f"count = {3 if kube else 1}",
              f'instance_type = "{INSTANCES[provider]}"', "vcpu = 16", 'memory = "64Gi"', 'disk = "200G"', ""]
    if kube:
        for sid, replicas, cr, cl, mr, ml, storage in SERVICES:
            lines += ["[[resourcing.service]]", f'id = "{sid}"', f"replicas = {replicas}",
                      f'cpu = {{ request = "{cr}", limit = "{cl}" }}', f'memory = {{ request = "{mr}", limit = "{ml}" }}']
            if storage:
                lines.append(f'storage = "{storage}"')
            lines.append("")
    lines += ["[code]", f"monorepos = {rng.randint(0, 2)}", f"largest_repo_mb = {rng.randint(100, 1500)}",
              f"lines_of_code = {rng.randint(10, 900) * 1_000_000}", ""]
    for kind in rng.sample(["github", "gitlab", "bitbucket-server", "azure-devops"], 2):
        lines += ["[[code.host]]", f'kind = "{kind}"', f"repositories = {repos // 4}", f'notes = "{sentence(rng, 8)}"', ""]
    lines += ["[usage]", f"licensed_users = {users}", "", "[usage.agreed_limits]", f"users = {users}",
              f"concurrent_users = {users // 5}", f"repositories = {repos}", ""]
    lines += ["[[external]]", 'kind = "postgres"', 'version = "16"', 'offering = "Managed PostgreSQL"', "",
              "[[external]]", 'kind = "object-storage"', 'offering = "S3"', ""]
    for feature in rng.sample(["batch-changes", "code-insights", "precise-code-intel", "rockskip", "code-monitoring"], 3):
        lines += ["[[feature]]", f'id = "{feature}"', f'notes = "{sentence(rng, 6)}"', ""]
    lines += ["[upgrades]", 'cadence = "monthly"', "image_scanning_days = 5", 'promotion = ["dev", "staging", "prod"]',
              'ci_cd = "GitHub Actions and Argo CD"', 'change_management = "CAB approval"',
              'procedure = """', "1. " + sentence(rng), "2. " + sentence(rng), '"""', ""]
    for _ in range(3):
        lines += ["[[issue]]", f'title = "{sentence(rng, 7)}"', f'status = "{rng.choice(["open", "closed"])}"',
                  "opened = 2025-07-10", 'owner = "Dana Ortiz"', f'resolution = "{sentence(rng, 9)}"', ""]
    for _ in range(2):
        lines += ["[[risk]]", f'title = "{sentence(rng, 6)}"', f'likelihood = "{rng.choice(["low", "medium", "high"])}"',
                  f'impact = "{rng.choice(["low", "medium", "high"])}"', f'mitigation = "{sentence(rng, 8)}"',
                  'owner = "Lee Chen"', f'status = "{rng.choice(["open", "closed"])}"', ""]
    lines += ["[[expansion]]", f'title = "{sentence(rng, 5)}"', f'description = "{sentence(rng)}"', "users = 500", ""]
    lines += ["[[stakeholder]]", 'name = "Alex Kim"', 'role = "Project Champion"', 'side = "external"', "",
              "[[stakeholder]]", 'name = "Dana Ortiz"', 'role = "Implementation Engineer"', 'side = "internal"', ""]
    for criterion in CRITERIA:
        done = status == "handed-off" or rng.random() < 0.4
        lines += ["[[exit_criterion]]", f'id = "{criterion}"', f'status = "{"met" if done else "in-progress"}"',
                  f'evidence = "{sentence(rng, 6)}"', ""]
    for n in range(4):
        lines += ["[[milestone]]", f'name = "{sentence(rng, 4)}"', f"due = 2025-0{n + 6}-15",
                  f'status = "{rng.choice(["done", "in-progress", "not-started"])}"', ""]
    lines += ["[[task]]", f'title = "{sentence(rng, 5)}"', 'owner = "Lee Chen"', 'status = "open"', ""]
    lines += ["[[load_test]]", 'tool = "k6"', "date = 2025-08-01", 'environment = "staging"',
              f'scenario = "{sentence(rng, 8)}"', 'result = "pass"', ""]
    lines += ["[[upgrade_history]]", "date = 2026-08-20", 'from = "7.5.4453"', 'to = "7.6.0"', ""] if release == "7.6.0" else []
    if status == "handed-off":
        lines += ["[ownership]", 'owner = "Sam Okafor"', "since = 2025-09-01", ""]
    return ident, "\n".join(lines) + "\n"


def page(rng, i):
    rows = "\n".join("| " + " | ".join(rng.choice(WORDS) for _ in range(5)) + " |" for _ in range(8))
    body = [
        "+++", f'title = "Runbook {i:04d}: {rng.choice(WORDS)} {rng.choice(WORDS)}"', f"weight = {i}", "+++", "",
    ]
    for section in range(4):
        body += [f"## {sentence(rng, 4)[:-1]}", "", sentence(rng, 40), "", sentence(rng, 44), "",
                 "- " + sentence(rng), "- " + sentence(rng), "- See the [support matrix](/support/) and the "
                 "[medium size](/reference-architectures/m/).", ""]
        if section == 1:
            body += ["| a | b | c | d | e |", "|---|---|---|---|---|", rows, ""]
        if section == 2:
            body += ["```yaml", "frontend:", "  replicaCount: 2", "  resources:", "    limits:", "      cpu: 4", "```", ""]
    return "\n".join(body) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--engagements", type=int, default=10000)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-highlight", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.out.exists():
        shutil.rmtree(args.out)
    for dir_name in ["data", "content", "schemas"]:
        shutil.copytree(REPO / dir_name, args.out / dir_name)
    if args.no_highlight:
        site_toml = args.out / "data" / "site.toml"
        text = site_toml.read_text()
        if "\nhighlight_code = true\n" not in text:
            sys.exit(f"{site_toml} has no `highlight_code = true` line to turn off")
        site_toml.write_text(text.replace("\nhighlight_code = true\n", "\nhighlight_code = false\n"))
    shutil.rmtree(args.out / "data" / "engagements")
    (args.out / "data" / "engagements").mkdir()
    for path in (args.out / "content" / "engagements").glob("*.md"):
        path.unlink()
    for i in range(args.engagements):
        ident, text = engagement(rng, i)
        (args.out / "data" / "engagements" / f"{ident}.toml").write_text(text)
    runbooks = args.out / "content" / "runbooks"
    runbooks.mkdir(parents=True, exist_ok=True)
    for i in range(args.pages):
        (runbooks / f"runbook-{i:04d}.md").write_text(page(rng, i))
    print(f"generated {args.engagements} engagements and {args.pages} pages in {args.out}")


if __name__ == "__main__":
    main()
