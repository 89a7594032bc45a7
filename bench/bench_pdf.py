"""Attachment validator benchmark: throughput, child peak memory, fork / forkserver / spawn cost, `qpdf --check`,
and the end-to-end `permitclock check-pdf` time per file (process start included), quiet and with busy loops.

Run: `.venv/bin/python bench/bench_pdf.py [--corpus DIR] [--repeat N] [--busy N] [--no-cli]`. Prints a table,
then one JSON line with every figure (the last line, for `make bench`). Nothing here is asserted; see
bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from permitclock.attachments import check_pdf_bytes, validate_attachment
from permitclock.domain.attachments import AttachmentFileType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.security.hostile_files import hostile_cases

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared/data/pdfs"  # ../shared beside the checkout
BUDGET_S = 10.0
"""The per-file verdict budget; qpdf runs longer than this are stopped and counted."""
TARGET_RATIO = 5.0


def report_pdf(pages: int) -> bytes:
    """A text report of `pages` pages (one Helvetica font, a few paragraphs per page), correct xref."""
    page_ids = [4 + 2 * i for i in range(pages)]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % i for i in page_ids), pages),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    for number in page_ids:
        lines = b"".join(
            b"(Section %d.%d: BMP implementation status and sampling results for the reporting year.) Tj T* "
            % (number, line)
            for line in range(40)
        )
        content = b"BT /F1 10 Tf 12 TL 72 740 Td " + lines + b"ET"
        objects[number] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>" % (number + 1)
        )
        objects[number + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def time_validator(files: list[Path], repeat: int) -> list[float]:
    """Seconds per file (best of `repeat`) for validate_attachment, the file read into memory first."""
    times = []
    for path in files:
        data = path.read_bytes()
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            validate_attachment(data, AttachmentFileType.LEVEL_2_ERA_TECHNICAL_REPORT)
            runs.append(time.perf_counter() - start)
        times.append(min(runs))
    return times


def time_qpdf(qpdf: str, files: list[Path], repeat: int) -> list[float | None]:
    """Seconds per file (best of `repeat`) for `qpdf --check`; None when a run went past the budget."""
    times: list[float | None] = []
    for path in files:
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            try:
                command = [qpdf, "--check", str(path)]
                subprocess.run(command, capture_output=True, timeout=BUDGET_S, check=False)
            except subprocess.TimeoutExpired:
                break  # qpdf has no decode bound of its own: it inflates the bombs completely
            runs.append(time.perf_counter() - start)
        times.append(min(runs) if len(runs) == repeat else None)
    return times


def per_call_overhead(start_method: str, calls: int) -> float:
    tiny = report_pdf(1)
    check_pdf_bytes(tiny, start_method=start_method)  # untimed: a forkserver starts once, on first use
    start = time.perf_counter()
    for _ in range(calls):
        check_pdf_bytes(tiny, start_method=start_method)
    return (time.perf_counter() - start) / calls


def cli_runs(files: list[tuple[Path, str]]) -> list[tuple[float, str]]:
    """(seconds, verdict codes) of one `permitclock check-pdf --file-type TYPE FILE` process per file."""
    script = Path(sys.executable).with_name("permitclock")
    runs = []
    for path, file_type in files:
        start = time.perf_counter()
        done = subprocess.run(
            [script, "check-pdf", "--file-type", file_type, str(path)], capture_output=True, text=True, check=False
        )
        took = time.perf_counter() - start
        line = json.loads(done.stdout) if done.stdout.strip() else {"errors": [{"code": f"exit {done.returncode}"}]}
        runs.append((took, ",".join(e["code"] for e in line["errors"]) or "ok"))
    return runs


def busy_loops(count: int) -> list[subprocess.Popen[bytes]]:
    """`count` processes spinning on a core each: the "other work running" of the 10 s promise."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def cli_figures(files: list[tuple[Path, str]], busy: int, figures: dict[str, float | int | str | None]) -> None:
    quiet = cli_runs(files)
    loops = busy_loops(busy)
    try:
        time.sleep(1.0)
        load_before = os.getloadavg()[0]
        loaded = cli_runs(files)
        load_after = os.getloadavg()[0]
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
    figures["cli_files"] = len(files)
    for name, runs in (("quiet", quiet), ("loaded", loaded)):
        times = sorted(t for t, _ in runs)
        figures[f"cli_{name}_p50_s"] = round(times[len(times) // 2], 2)
        figures[f"cli_{name}_p100_s"] = round(times[-1], 2)
        figures[f"cli_{name}_over_10s"] = sum(t >= 10.0 for t in times)
        slowest = max(range(len(runs)), key=lambda i: runs[i][0])
        figures[f"cli_{name}_slowest_file"] = files[slowest][0].name
    figures["cli_busy_loops"] = busy
    figures["cli_load_during"] = f"{load_before:.1f} -> {load_after:.1f}"
    figures["cli_verdicts_changed_under_load"] = sum(q[1] != lo[1] for q, lo in zip(quiet, loaded, strict=True))


def child_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3, help="runs per file, best kept (default: 3)")
    parser.add_argument("--busy", type=int, default=2, help="busy loops during the loaded CLI run (default: 2)")
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end CLI runs")
    args = parser.parse_args()
    figures: dict[str, float | int | str | None] = {"repeat": args.repeat}

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report-300-pages.pdf"
        report.write_bytes(report_pdf(300))
        sets = {"report300": [report]}
        if args.corpus.is_dir():
            sets["corpus"] = sorted(args.corpus.rglob("*.pdf"))
        else:
            print(f"corpus {args.corpus} not found: generated report only")

        # Validator first, alone, so the children's peak RSS is the validator's (qpdf runs are children too).
        validator = {name: time_validator(files, args.repeat) for name, files in sets.items()}
        figures["child_peak_rss_mb"] = round(child_peak_rss_mb(), 1)
        for name, files in sets.items():
            seconds = sum(validator[name])
            figures[f"{name}_files"] = len(files)
            figures[f"{name}_validator_s"] = round(seconds, 3)
            figures[f"{name}_files_per_s"] = round(len(files) / seconds, 1)
            figures[f"{name}_mb_per_s"] = round(sum(p.stat().st_size for p in files) / 1e6 / seconds, 2)
            figures[f"{name}_slowest_file_s"] = round(max(validator[name]), 3)
        for method in ("fork", "forkserver", "spawn"):  # forkserver: what a threaded caller uses
            figures[f"overhead_{method}_ms"] = round(per_call_overhead(method, 10) * 1000, 1)

        if not args.no_cli:
            hostile_dir = Path(tmp) / "hostile"
            hostile_dir.mkdir()
            cli_files = [
                (path, AttachmentFileType.LEVEL_2_ERA_TECHNICAL_REPORT.value) for path in sets.get("corpus", [])
            ]
            for case in hostile_cases():
                path = hostile_dir / f"{case.name}.bin"
                path.write_bytes(case.data)
                cli_files.append((path, case.file_type.value))
            cli_figures(cli_files, args.busy, figures)

        qpdf = shutil.which("qpdf")
        figures["qpdf"] = qpdf
        if qpdf is None:
            print("qpdf not found (apt-get install -y qpdf): skipping the qpdf --check comparison")
        else:
            for name, files in sets.items():
                qpdf_times = time_qpdf(qpdf, files, args.repeat)
                finished = [i for i, t in enumerate(qpdf_times) if t is not None]
                qpdf_s = sum(t for t in qpdf_times if t is not None)
                figures[f"{name}_qpdf_timeouts"] = len(files) - len(finished)
                figures[f"{name}_qpdf_s"] = round(qpdf_s, 3)
                # Same files on both sides: those qpdf finished within the budget.
                figures[f"{name}_ratio_validator_over_qpdf"] = round(
                    sum(validator[name][i] for i in finished) / qpdf_s, 2
                )

    for key, value in figures.items():
        print(f"{key:40s} {value}")
    ratios = [v for k, v in figures.items() if k.endswith("_ratio_validator_over_qpdf") and isinstance(v, float)]
    if ratios:
        verdict = "within" if max(ratios) <= TARGET_RATIO else "OVER"
        print(f"validator/qpdf time ratio {max(ratios):.2f}: {verdict} the {TARGET_RATIO:g}x target")
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
