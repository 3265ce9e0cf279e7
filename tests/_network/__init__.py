"""Tests of the network stage (sklearn_dymo._network)."""
