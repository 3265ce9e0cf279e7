"""The ```python blocks of README.md and docs/*.md run as written.

Each page's blocks run in order in one namespace (a page is one story:
later blocks use the names of earlier ones), in a temporary folder, with
matplotlib's non-interactive backend. A block that cannot run on its own
(it needs the reader's data, or only shows a shape) carries the marker
``<!-- no-run -->`` on the line before its opening fence. The snippets are
kept cheap (bundled data, a few epochs) by the pages themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NO_RUN = "<!-- no-run -->"
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def python_blocks(text):
    """``(line, source, runs)`` of every ```python block of a markdown page."""
    blocks = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        blocks.append((line, match.group(1), before.strip() != NO_RUN))
    return blocks


def test_block_parser_sees_markers_and_fences():
    page = ("x\n<!-- no-run -->\n```python\nskipped()\n```\n\n"
            "```python\nran = 1\n```\n```bash\nls\n```\n")
    assert python_blocks(page) == [(3, "skipped()\n", False), (7, "ran = 1\n", True)]


def test_every_page_with_python_blocks_is_collected():
    with_blocks = [p.name for p in PAGES if python_blocks(p.read_text())]
    assert "README.md" in with_blocks and "getting_started.md" in with_blocks


@pytest.mark.parametrize("page", [p for p in PAGES if any(
    runs for _, _, runs in python_blocks(p.read_text()))], ids=lambda p: p.name)
def test_page_snippets_run(page, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib").use("Agg")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": f"docs_{page.stem}"}
    for line, source, runs in python_blocks(page.read_text()):
        if not runs:
            continue
        code = compile(source, f"{page.name}:{line}", "exec")
        try:
            exec(code, namespace)  # noqa: S102 - running the docs is the test
        except Exception as exc:  # name the block, keep the traceback
            raise AssertionError(
                f"the ```python block at {page.name} line {line} fails: "
                f"{type(exc).__name__}: {exc}") from exc
    import matplotlib.pyplot as plt

    plt.close("all")
