#!/usr/bin/env bash
# `models list` and `models show` on an embedded registry holding one model with N versions
# (default 1,000; issue 13 targets < 50 ms each), measured with hyperfine. The named peer,
# measured in the same run on the same store: the sqlite3 shell running the same reads
# (the versions with their tags and aliases, the model list with counts), i.e. the cost of the
# database alone; the ratio is covidflow's command (process start, open, read, print) over it.
# Usage: bench/registry/bench_models.sh [N] [covidflow binary] [registry_driver binary]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000}
CF=${2:-build/release/src/cli/covidflow}
DRIVER=${3:-build/release/src/registry/tests/registry_driver}
for b in "$CF" "$DRIVER"; do [ -x "$b" ] || { echo "build first: $b" >&2; exit 1; }; done
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 (the peer) is not installed" >&2; exit 1; }
work=$(mktemp -d /tmp/cf-bench-registry-XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "filling an embedded registry with $N versions of 'tweets' ..."
"$DRIVER" register "$work/reg" tweets "$N" > /dev/null
db="$work/reg/registry.db"
list_sql="SELECT m.name, COUNT(v.version), MAX(v.version) FROM models m LEFT JOIN versions v ON v.model = m.name GROUP BY m.name; SELECT * FROM aliases;"
show_sql="SELECT * FROM versions WHERE model='tweets' ORDER BY version; SELECT * FROM version_tags WHERE model='tweets'; SELECT * FROM aliases WHERE model='tweets';"
hyperfine -N --warmup 3 --runs 30 --export-json "$work/h.json" \
  -n "covidflow models list" "$CF models list --registry $work/reg --json" \
  -n "covidflow models show" "$CF models show tweets --registry $work/reg --json" \
  -n "sqlite3 list reads" "sqlite3 $db \"$list_sql\"" \
  -n "sqlite3 show reads" "sqlite3 $db \"$show_sql\"" > /dev/null
python3 - "$work/h.json" "$N" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
n = sys.argv[2]
for cmd, peer in (("covidflow models list", "sqlite3 list reads"),
                  ("covidflow models show", "sqlite3 show reads")):
    a, b = r[cmd], r[peer]
    print(f"{cmd:24s} {a['mean']*1e3:6.1f} ms ± {a['stddev']*1e3:4.1f}  "
          f"({n} versions; target < 50 ms)   {peer}: {b['mean']*1e3:5.1f} ms   "
          f"ratio {a['mean']/b['mean']:.2f}x")
    # CPU time (user + system) stays meaningful on a shared machine, where the wall time
    # mostly measures waiting for a core.
    cpu_a, cpu_b = a["user"] + a["system"], b["user"] + b["system"]
    print(f"{'':24s} CPU {cpu_a*1e3:6.1f} ms   {peer}: CPU {cpu_b*1e3:5.1f} ms   "
          f"ratio {cpu_a/max(cpu_b, 1e-6):.2f}x")
PY
