"""Put ``benchmarks/`` on ``sys.path`` for the archived experiments.

The experiments reuse the maintained suite's helpers (``_common``,
``_timing``, ``backbone``); ``import _paths`` before those imports makes
``python experiments/<script>.py`` find them from any working directory.
"""

import os
import sys

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "benchmarks")
if BENCHMARKS not in sys.path:
    sys.path.insert(1, BENCHMARKS)
