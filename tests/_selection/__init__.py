"""Tests of the selection stage (sklearn_dymo._selection)."""
