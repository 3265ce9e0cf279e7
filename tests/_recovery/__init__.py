"""Tests of the recovery stage (sklearn_dymo._recovery)."""
