"""Tests of the explanations (sklearn_dymo._explain, sklearn_dymo.inspection)."""
