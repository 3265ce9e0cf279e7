"""Gallery thumbnails of the examples that the quick docs build does not run.

CI builds the docs with ``SKLEARN_DYMO_GALLERY=quick``: only the fast
examples run there, and sphinx-gallery would give the others a placeholder
thumbnail. Those examples name a committed image instead
(``# sphinx_gallery_thumbnail_path = "images/thumbnails/<example>.png"``),
and this script makes it from a full run of the example: the figure
sphinx-gallery would pick (``sphinx_gallery_thumbnail_number``, default 1).

Run it from the repository root after changing one of those examples::

    python docs/make_thumbnails.py plot_quickstart.py plot_regression.py

Each example runs in a subprocess on one thread, in a scratch folder (the
files examples save land there, not in the checkout).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
OUT = ROOT / "docs" / "images" / "thumbnails"

# Runs the example as sphinx-gallery does (as __main__, Agg backend), then
# saves the chosen figure. Figure numbers follow creation order, which is
# how sphinx-gallery counts them.
RUNNER = """
import runpy, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
torch.set_num_threads(1)
path, number, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runpy.run_path(path, run_name="__main__")
figures = [plt.figure(n) for n in sorted(plt.get_fignums())]
if len(figures) < number:
    sys.exit(f"{path} made {len(figures)} figures; thumbnail number {number} asked")
figures[number - 1].savefig(out, dpi=100)
print(f"saved {out}")
"""


def thumbnail_number(source):
    match = re.search(r"^# sphinx_gallery_thumbnail_number = (\d+)", source, re.M)
    return int(match.group(1)) if match else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("examples", nargs="+", help="file names under examples/")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    for name in args.examples:
        path = EXAMPLES / name
        number = thumbnail_number(path.read_text())
        out = OUT / f"{path.stem}.png"
        with tempfile.TemporaryDirectory() as scratch:
            # a copy, so that an example saving next to __file__ writes in scratch
            copy = Path(scratch) / name
            copy.write_text(path.read_text())
            subprocess.run([sys.executable, "-c", RUNNER, str(copy), str(number), str(out)],
                           cwd=scratch, check=True,
                           env={**os.environ, "OMP_NUM_THREADS": "1"})


if __name__ == "__main__":
    main()
