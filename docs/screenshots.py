"""Screenshots of the reports in docs/, made from sample_logs/ (``make screenshots``).

- ``docs/html-report.png``: the HTML report's top (summary and the first incident's
  charts), taken by headless Chromium (``chromium --screenshot``; skipped with a note
  when Chromium is not installed).
- ``docs/terminal-report.svg``: the terminal report at 100 columns, in colour, as rich
  records it (``Console(record=True).save_svg``), first 70 lines.

The scan's generation time is fixed to the sample's last request so the pictures only
change when the reports do.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import extractscan  # noqa: E402
from extractscan import report  # noqa: E402
from extractscan.config import Config  # noqa: E402

DOCS = ROOT / "docs"
LINES = 70


def main() -> None:
    os.chdir(ROOT)  # the reports name the files as given: relative, as a user would
    f = extractscan.scan(
        ["sample_logs/requests.csv.gz"], accounts="sample_logs/accounts.csv", config=Config()
    )
    f = replace(f, generated_at=f.input.last_seen or f.generated_at)
    terminal(f)
    html(f)


def terminal(f: extractscan.Findings) -> None:
    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    report.render(f, "terminal", buf, width=100, color=True)
    shown = "\n".join(buf.getvalue().splitlines()[:LINES])
    con = Console(record=True, width=100, file=io.StringIO(), force_terminal=True)
    con.print(Text.from_ansi(shown))
    out = DOCS / "terminal-report.svg"
    con.save_svg(str(out), title="extractscan scan sample_logs/requests.csv.gz")
    print(f"wrote {out.relative_to(ROOT)}")


def html(f: extractscan.Findings) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("note: Chromium is not installed; docs/html-report.png not made", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        with page.open("w", encoding="utf-8") as fh:
            report.render(f, "html", fh)
        out = DOCS / "html-report.png"
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--hide-scrollbars",
                f"--user-data-dir={Path(tmp) / 'profile'}",
                "--window-size=1200,2200",
                f"--screenshot={out}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
