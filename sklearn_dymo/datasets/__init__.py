"""Bundled multimodal tabular data for tests, examples and benchmarks.

Everything here is built from data that ships with scikit-learn: nothing is
downloaded.
"""

from ._breast_cancer import load_breast_cancer_modalities
from ._diabetes import load_diabetes_modalities
from ._missingness import drop_modalities
from ._poly_digits import make_poly_digits
from ._synthetic_regression import make_multimodal_regression

__all__ = [
    "drop_modalities",
    "load_breast_cancer_modalities",
    "load_diabetes_modalities",
    "make_multimodal_regression",
    "make_poly_digits",
]
