"""Bundled multimodal tabular data for tests, examples and benchmarks.

Everything here is built from data that ships with scikit-learn: nothing is
downloaded.
"""

from ._breast_cancer import load_breast_cancer_modalities
from ._missingness import drop_modalities
from ._poly_digits import make_poly_digits

__all__ = ["drop_modalities", "load_breast_cancer_modalities", "make_poly_digits"]
