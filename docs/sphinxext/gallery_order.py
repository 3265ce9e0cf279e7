"""Order of the examples in the gallery: a reading order, not file names.

sphinx-gallery takes the sort key as an importable name (a class defined
in ``conf.py`` would not pickle into Sphinx's environment cache).
"""

#: Reading order; examples not listed follow, by file name.
READING_ORDER = (
    "plot_quickstart.py",
    "plot_visualize_selection.py",
    "plot_modality_attributions.py",
    "plot_pipeline_grid_search.py",
    "plot_compare_recoverers.py",
    "plot_custom_recoverer.py",
    "plot_pandas_named_modalities.py",
    "plot_mixed_types.py",
    "plot_regression.py",
)


class ReadingOrder:
    """Sort key for ``within_subsection_order``: position in ``READING_ORDER``."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        if filename in READING_ORDER:
            return (0, READING_ORDER.index(filename), filename)
        return (1, 0, filename)
