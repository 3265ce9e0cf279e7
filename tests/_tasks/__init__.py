"""Tests of the task objects (sklearn_dymo._tasks)."""
