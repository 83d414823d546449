"""Time the procès-verbal of an assembly of 300 associates and 40 resolutions: PDF, ODT, DOCX.

Not a test: run it by hand (see bench/README.md) and copy the figures into
docs/performance.md ("Minutes of the general assembly"). The assembly is held through the
services on a throwaway SQLite database (that part is not timed); then the PV's blocks are
built once and each format rendered, median of several runs.

    .venv/bin/python bench/assembly_pv.py [--associates 300] [--resolutions 40] [--runs 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import write_json  # noqa: E402

from scripts.assembly_example import build_assembly, make_app  # noqa: E402


def median_time(func, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--associates", type=int, default=300)
    parser.add_argument("--resolutions", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    from app.meetings.assembly import minutes

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(os.path.join(tmp, "bench.sqlite"))
        with app.app_context(), app.test_request_context():
            from flask_migrate import upgrade

            upgrade()
            start = time.perf_counter()
            assembly, gerant = build_assembly(associates=args.associates, resolutions=args.resolutions)
            setup = time.perf_counter() - start
            electorate = len(minutes.ga.electorate(assembly))
            build, blocks = median_time(lambda: minutes.build_blocks(assembly), args.runs)
            pdf, pdf_data = median_time(lambda: minutes.to_pdf(blocks), args.runs)
            odt, odt_data = median_time(lambda: minutes.to_odt(blocks), args.runs)
            docx, docx_data = median_time(lambda: minutes.to_docx(blocks), args.runs)
            import io

            from pypdf import PdfReader

            pages = len(PdfReader(io.BytesIO(pdf_data)).pages)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print(f"assembly: {electorate} associates, {args.resolutions} resolutions (held in {setup:.1f} s, not timed)")
    print(f"median of {args.runs} runs:")
    print(f"  blocks (queries + text)  {build * 1000:8.0f} ms")
    print(f"  PDF (WeasyPrint)         {pdf * 1000:8.0f} ms  {len(pdf_data) // 1024} KiB, {pages} pages")
    print(f"  ODT (odfpy)              {odt * 1000:8.0f} ms  {len(odt_data) // 1024} KiB")
    print(f"  DOCX (python-docx)       {docx * 1000:8.0f} ms  {len(docx_data) // 1024} KiB")
    write_json(args.json, {
        "parameters": {"associates": args.associates, "resolutions": args.resolutions, "runs": args.runs},
        "electorate": electorate, "setup_s": round(setup, 1),
        "median_ms": {"blocks": round(build * 1000), "pdf": round(pdf * 1000), "odt": round(odt * 1000),
                      "docx": round(docx * 1000)},
        "output": {"pdf_kib": len(pdf_data) // 1024, "pdf_pages": pages, "odt_kib": len(odt_data) // 1024,
                   "docx_kib": len(docx_data) // 1024},
    })


if __name__ == "__main__":
    main()
