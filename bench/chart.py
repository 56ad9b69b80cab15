"""Draws the overhead suite of a benchmark run: p50 latency and throughput against concurrency.

Usage: python bench/chart.py bench/results/RUN_ID.json bench/results/RUN_ID.png
(npm run bench runs it with the matplotlib of .tools/bench/chart.)
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLES = {
    "shardmesh-p1": dict(color="#1f77b4", marker="o"),
    "shardmesh-p2": dict(color="#1f77b4", marker="s", linestyle="--"),
    "mlserver": dict(color="#d62728", marker="^"),
    "kserve": dict(color="#2ca02c", marker="v"),
    "floor": dict(color="#555555", marker=".", linestyle=":"),
}


def main(source: str, target: str) -> None:
    with open(source) as f:
        run = json.load(f)
    overhead = run["suites"].get("overhead") or {}
    models = overhead.get("models") or []
    if not models:
        sys.exit("the run has no overhead results to draw")
    fig, axes = plt.subplots(2, len(models), figsize=(6 * len(models), 8.5), squeeze=False)
    for col, model in enumerate(models):
        latency, throughput = axes[0][col], axes[1][col]
        for t in model["targets"]:
            points = sorted(t["points"], key=lambda p: p["concurrency"])
            if not points:
                continue
            xs = [p["concurrency"] for p in points]
            style = STYLES.get(t["id"], {})
            latency.plot(xs, [p["p50Us"] / 1000 for p in points], label=t["label"], **style)
            throughput.plot(xs, [p["throughputPerSec"] for p in points], label=t["label"], **style)
        for ax in (latency, throughput):
            ax.set_xscale("log", base=2)
            ax.set_xticks(xs)
            ax.set_xticklabels([str(x) for x in xs])
            ax.set_xlabel("concurrency (perf_analyzer --concurrency-range)")
            ax.grid(True, which="both", alpha=0.3)
        latency.set_yscale("log")
        latency.set_ylabel("p50 latency, ms (log)")
        latency.set_title(model["label"], fontsize=10)
        throughput.set_ylabel("inferences / s")
        latency.legend(fontsize=8)
    quick = " (quick run)" if run.get("quick") else ""
    fig.suptitle(
        f"shardmesh vs MLServer, KServe and the in-process floor{quick}\n"
        f"produced by `{run['command']}`, run {run['runId']}; "
        "latency and throughput from perf_analyzer, floor from bench/floors/ort-session-floor.ts",
        fontsize=9,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(target, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
