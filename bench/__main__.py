"""Run the benchmarks: `python -m bench` (all of them) or `python -m bench locate pages`.

Imports every `bench/bench_*.py` (sorted by name), calls its `run()`, prints a table
of the figures in French and writes them to bench/results/latest.json. A module that
fails prints its error and the others still run; the exit code is 1 when one crashed.
"""

import datetime
import importlib
import json
import math
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench import BASE_DIR, configure, fr_number

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
REQUIRED_KEYS = {"name": str, "value": (int, float), "unit": str, "target": str, "ok": bool}


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in BENCH_DIR.glob("bench_*.py"))


def check_rows(rows) -> list[dict]:
    if not isinstance(rows, list):
        raise TypeError(f"run() doit renvoyer une liste, pas {type(rows).__name__}")
    for row in rows:
        if not isinstance(row, dict):
            raise TypeError(f"chaque résultat doit être un dict, pas {type(row).__name__}")
        for key, kind in REQUIRED_KEYS.items():
            if not isinstance(row.get(key), kind):
                raise TypeError(f"résultat mal formé (clé {key!r}) : {row!r}")
    return rows


def run_module(name: str) -> dict:
    print(f"\n▶ {name}", flush=True)
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"bench.bench_{name}")
        rows = check_rows(module.run())
    except BaseException as exc:  # one module failing must not stop the others
        if isinstance(exc, KeyboardInterrupt):
            raise
        traceback.print_exc()
        print(f"✗ {name} : échec ({type(exc).__name__} : {exc})", flush=True)
        return {
            "status": "erreur",
            "error": f"{type(exc).__name__}: {exc}",
            "duration_s": round(time.perf_counter() - started, 2),
            "results": [],
        }
    return {
        "status": "ok",
        "error": None,
        "duration_s": round(time.perf_counter() - started, 2),
        "results": rows,
    }


def format_value(row: dict) -> str:
    value = row["value"]
    decimals = 0 if float(value).is_integer() else 1
    text = fr_number(float(value), decimals)
    return f"{text} {row['unit']}".strip()


def print_table(outcome: dict) -> None:
    lines = []
    for module, result in outcome.items():
        if result["status"] != "ok":
            lines.append((module, "—", "—", f"ERREUR : {result['error']}", None))
            continue
        for row in result["results"]:
            verdict = "OK" if row["ok"] else "NON ATTEINT"
            lines.append(
                (row["name"], format_value(row), row["target"], verdict, row.get("detail"))
            )
    if not lines:
        print("\nAucun résultat.")
        return
    header = ("Mesure", "Valeur", "Objectif", "Résultat")
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header[:3])]
    print("\nRésultats")
    print("  ".join(h.ljust(w) for h, w in zip(header[:3], widths, strict=True)) + "  Résultat")
    print("-" * (sum(widths) + 2 * len(widths) + 11))
    for name, value, target, verdict, detail in lines:
        print(
            f"{name.ljust(widths[0])}  {value.rjust(widths[1])}  {target.ljust(widths[2])}  {verdict}"
        )
        if detail:
            print(f"    {detail}")


def _clean(obj):
    """JSON without NaN (not valid JSON): NaN becomes null."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _interrupt(signum, frame):
    # SIGTERM ends the run like Ctrl-C, so every bench stops what it started
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    names = available()
    wanted = [a.removeprefix("bench_").removesuffix(".py") for a in argv]
    unknown = [w for w in wanted if w not in names]
    if unknown:
        print(f"Banc(s) inconnu(s) : {', '.join(unknown)}. Disponibles : {', '.join(names)}")
        return 2
    selected = wanted or names
    configure()
    print(f"Bancs : {', '.join(selected)}")
    outcome = {name: run_module(name) for name in selected}
    print_table(outcome)

    RESULTS_DIR.mkdir(exist_ok=True)
    report = {
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "modules": outcome,
    }
    path = RESULTS_DIR / "latest.json"
    path.write_text(json.dumps(_clean(report), ensure_ascii=False, indent=2) + "\n")
    print(f"\nRésultats écrits dans {path.relative_to(BASE_DIR)}")
    crashed = [n for n, r in outcome.items() if r["status"] != "ok"]
    missed = sum(not row["ok"] for r in outcome.values() for row in r["results"])
    if missed:
        print(f"{missed} objectif(s) non atteint(s).")
    if crashed:
        print(f"Banc(s) en échec : {', '.join(crashed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
