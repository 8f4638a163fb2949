"""Evaluation reports: results.json (everything), results.md (tables) and nsweep.png (the N sweep).

Files are written to a temporary name and renamed, so a crash never leaves a half-written report.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from mme_core.evaluation.multi_vector import MULTI_SYSTEM, comparison_table

PLOTTED_METRICS = ("MRR@10", "R@5")
BASELINE_STYLES = (("black", "--"), ("dimgrey", ":"), ("darkred", "-."), ("navy", "--"))
SHUFFLE_LABELS = {
    "none": "no shuffle",
    "images": "image order shuffled",
    "positions": "image positions shuffled",
}


def percent(value: float) -> str:
    return f"{100 * value:.2f}"


def table(rows: list[dict], metrics: list[str], lead: list[tuple[str, str]]) -> str:
    """Markdown table: `lead` columns (header, run key) then one column per metric, in percent."""
    header = "| " + " | ".join([h for h, _ in lead] + metrics) + " |"
    rule = "|" + "|".join(["---"] * (len(lead) + len(metrics))) + "|"
    lines = [header, rule]
    for run in rows:
        cells = [str(run[key]) if run[key] is not None else "–" for _, key in lead]
        cells += [percent(run["metrics"][m]) for m in metrics]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def groups(runs: list[dict]) -> dict[tuple[str, str], list[dict]]:
    grouped: dict[tuple[str, str], list[dict]] = {}
    for run in runs:
        if run["system"] == "MME":
            grouped.setdefault((run["view"], run["shuffle"]), []).append(run)
    return grouped


def markdown_report(results: dict) -> str:
    metrics = results["metrics"]
    data = results["data"]
    model = results["model"]
    lines = [f"# Evaluation on {data['dir']} ({data['docs']} documents, {data['queries']} queries)", ""]
    if model:
        adapter = f" + adapter {model['adapter']}" if model["adapter"] else ""
        lines += [
            f"Model: `{model['id']}`{adapter} ({model['family']}, {model['dim']}-d, "
            f"fingerprint {model['fingerprint']}). Scores in percent; metrics as the official wikiHow-TIIR "
            "scripts define them (see mme_core/evaluation/metrics.py).",
            "",
        ]
    for (view, shuffle), rows in groups(results["runs"]).items():
        lines += [f"## MME, {view} view, {SHUFFLE_LABELS[shuffle]}", ""]
        lines += [table(rows, metrics, [("N", "n"), ("tokens/image", "tokens_per_image")]), ""]
    if any(run["system"] == MULTI_SYSTEM for run in results["runs"]):
        lines += [
            "## Single vector vs multi-vector (MaxSim over the first k meta-token vectors), MRR@10",
            "",
            comparison_table(results["runs"]),
            "",
        ]
    baselines = [run for run in results["runs"] if run["system"] not in ("MME", MULTI_SYSTEM)]
    if baselines:
        lines += ["## Baselines", "", table(baselines, metrics, [("system", "system"), ("view", "view")]), ""]
    with_top1 = [run for run in results["runs"] if "top1" in run and run["system"] != MULTI_SYSTEM]
    if with_top1:
        lines += [
            "## Where the first hit lands (generated split)",
            "",
            "Percent of queries whose top document is the answer, a text twin (same text, pictures "
            "reordered or edited), a picture twin (same pictures, other text), another member of the "
            "answer's cluster, or a document of another cluster.",
            "",
            top1_table(with_top1),
            "",
        ]
    return "\n".join(lines)


def top1_table(runs: list[dict]) -> str:
    relations = list(runs[0]["top1"])
    lines = ["| system | view | shuffle | N | " + " | ".join(relations) + " |"]
    lines.append("|" + "|".join(["---"] * (4 + len(relations))) + "|")
    for run in runs:
        lead = [run["system"], run["view"], run["shuffle"], "–" if run["n"] is None else str(run["n"])]
        lines.append("| " + " | ".join(lead + [percent(run["top1"][r]) for r in relations]) + " |")
    return "\n".join(lines)


def plot_nsweep(results: dict, path: Path) -> bool:
    """MRR@10 and R@5 against N, one line per view/shuffle, baselines dashed; False when no N sweep."""
    grouped = groups(results["runs"])
    metrics = [m for m in PLOTTED_METRICS if m in results["metrics"]] or results["metrics"][:1]
    if not grouped:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.8), squeeze=False)
    labels = [str(n) for n in dict.fromkeys(run["n"] for rows in grouped.values() for run in rows)]
    for axis, metric in zip(axes[0], metrics, strict=True):
        for (view, shuffle), rows in grouped.items():
            xs = [labels.index(str(run["n"])) for run in rows]
            ys = [100 * run["metrics"][metric] for run in rows]
            axis.plot(xs, ys, marker="o", label=f"MME {view}, {SHUFFLE_LABELS[shuffle]}")
        baselines = [run for run in results["runs"] if run["system"] not in ("MME", MULTI_SYSTEM)]
        for run, (colour, style) in zip(baselines, BASELINE_STYLES, strict=False):
            value = 100 * run["metrics"][metric]
            axis.axhline(
                value, color=colour, linestyle=style, linewidth=1, label=f"{run['system']} ({run['view']})"
            )
        axis.set_xticks(range(len(labels)), labels)
        axis.set_xlabel("N (visual tokens per image = N×N)")
        axis.set_ylabel(f"{metric} (%)")
        axis.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    title = results["model"]["id"] if results["model"] else "baselines"
    figure.suptitle(f"{title} on {Path(results['data']['dir']).name}", fontsize=9)
    figure.tight_layout()
    save_atomically(path, lambda tmp: figure.savefig(tmp, dpi=120, format="png"))
    plt.close(figure)
    return True


def save_atomically(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_reports(results: dict, out: Path) -> None:
    """Write the files and record their names in results['files']."""
    results["files"] = ["results.json", "results.md"]
    if plot_nsweep(results, out / "nsweep.png"):
        results["files"].append("nsweep.png")
    save_atomically(out / "results.md", lambda tmp: Path(tmp).write_text(markdown_report(results), "utf-8"))
    text = json.dumps(results, indent=2, default=str) + "\n"
    save_atomically(out / "results.json", lambda tmp: Path(tmp).write_text(text, "utf-8"))
