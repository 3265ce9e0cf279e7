"""Sphinx configuration of the sklearn-dymo documentation.

Build (from the repository root, warnings are errors)::

    pip install -e ".[docs]" && python -m sphinx -W -b html docs docs/_build/html

Environment variables:

``SKLEARN_DYMO_GALLERY=quick``
    Execute only the fast gallery examples (the CI mode); the others are
    shown with their code but without output. Unset: execute every example.
``SKLEARN_DYMO_INTERSPHINX=1``
    Link names to the scikit-learn, skorch, torch, numpy and pandas
    documentation. Off by default because it downloads their inventories:
    an offline build (or CI without network) would otherwise fail on the
    download warning under ``-W``.
"""

import os
import re
import sys
import time
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")  # no display on build machines
# The gallery's networks are small: intra-op threads do not speed them up,
# and on busy CI cores OpenMP spin-waiting made one 30-epoch fit cost 134 s
# of CPU with 2 threads against 8 s with 1 (measured on 2 shared cores).
torch.set_num_threads(1)

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the checkout being built, even when another copy is installed.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "sphinxext"))

# sphinx-gallery resolves names such as sklearn.impute.IterativeImputer
# found in the examples by importing them; that import raises unless the
# experimental feature is enabled first.
from sklearn.experimental import enable_iterative_imputer  # noqa: E402, F401

import sklearn_dymo  # noqa: E402 (after the sys.path insert above)

project = "sklearn-dymo"
author = "sklearn-dymo developers"
copyright = f"{time.gmtime().tm_year}, {author}"
release = sklearn_dymo.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "sphinx_design",  # the landing page's cards
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    # sphinx-gallery writes these next to the pages; they are not pages.
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.json",
    "sg_execution_times.rst",
    "auto_examples/sg_execution_times.rst",
]

# Markdown pages (the design notes and the guides) use $...$ maths and
# auto-generated heading anchors so other pages can link to sections.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# -- API reference ----------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # types live in the numpydoc sections
numpydoc_show_class_members = False  # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False



def skip_metadata_request_methods(app, what, name, obj, skip, options):
    """Hide scikit-learn's generated ``set_*_request`` methods.

    scikit-learn adds them to every estimator class (metadata routing);
    their docstrings link to scikit-learn's own glossary, which does not
    resolve here, and they say nothing about DyMo.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", skip_metadata_request_methods)


# -- Intersphinx (opt-in, see the module docstring) -------------------------
intersphinx_mapping = {}
if os.environ.get("SKLEARN_DYMO_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "skorch": ("https://skorch.readthedocs.io/en/stable", None),
        "torch": ("https://docs.pytorch.org/docs/stable", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "pandas": ("https://pandas.pydata.org/docs", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
    }

# -- Gallery ----------------------------------------------------------------
#: Examples fast enough for CI (each well under a minute on 2 cores).
QUICK_EXAMPLES = (
    "plot_pandas_named_modalities.py",
    "plot_pipeline_grid_search.py",
    "plot_custom_recoverer.py",
    "plot_mixed_types.py",
)
gallery_mode = os.environ.get("SKLEARN_DYMO_GALLERY", "full")
if gallery_mode not in ("full", "quick"):
    raise ValueError(f"SKLEARN_DYMO_GALLERY must be 'full' or 'quick', got {gallery_mode!r}")
if gallery_mode == "quick":
    executed = "|".join(re.escape(name) for name in QUICK_EXAMPLES)
    filename_pattern = rf"({executed})$"
else:
    filename_pattern = r"plot_.*\.py$"

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": filename_pattern,
    "within_subsection_order": "gallery_order.ReadingOrder",
    "abort_on_example_error": True,
    "doc_module": ("sklearn_dymo",),
    "backreferences_dir": "gen_modules/backreferences",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    # Fresh RNG and matplotlib state for every example.
    "reset_modules": ("matplotlib",),
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-dymo {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # The root toctree has six entries (user guide, examples, API,
    # benchmarks, changelog, development): all of them fit on one row.
    "header_links_before_dropdown": 6,
    "navbar_align": "left",
    "show_prev_next": False,
}
# The landing page has no side bars; every other page shows its section's
# pages on the left (the pydata theme builds that bar from the toctrees).
html_sidebars = {"index": []}
html_show_sourcelink = False
