# Shared by the bench scripts (sourced): timing one command and summarising
# the runs.
#
#   bench_run RUNS_FILE NAME COMMAND...   runs COMMAND (stdout discarded), appends
#                                         "NAME wall user sys maxrss_kb" to RUNS_FILE
#   bench_summary RUNS_FILE [A/B ...]     medians per name; for each A/B pair the
#                                         ratios A/B of wall, CPU and peak RSS

bench_run() {
  local runs_file="$1" name="$2"
  shift 2
  local times
  times="$(mktemp)"
  /usr/bin/time -o "$times" -f '%e %U %S %M' "$@" >/dev/null 2>&1 ||
    echo "bench: $name failed: $*" >&2
  echo "$name $(tail -1 "$times")" | tee -a "$runs_file"
  rm -f "$times"
}

bench_summary() {
  python3 - "$@" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, wall, user, sys_, rss = line.split()
    rows.setdefault(name, []).append((float(wall), float(user) + float(sys_), int(rss) / 1024))
med = {n: [statistics.median(x[i] for x in r) for i in range(3)] for n, r in rows.items()}
for n, (w, c, m) in med.items():
    print(f"{n:16} median wall {w:7.2f} s  CPU {c:7.2f} s  peak RSS {m:7.1f} MB  (n={len(rows[n])})")
for pair in sys.argv[2:]:
    a, b = pair.split("/")
    if a in med and b in med:
        print("%s/%s wall %.3fx, CPU %.3fx, RSS %.2fx" %
              (a, b, *(med[a][i] / med[b][i] for i in range(3))))
PY
}
