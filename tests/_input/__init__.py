"""Tests of the input stage (sklearn_dymo._input)."""
