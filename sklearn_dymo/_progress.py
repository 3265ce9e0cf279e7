"""Progress of long predict-time work, and the package's logger.

``verbose`` follows skorch: 0 is silent, 1 prints the epoch table in
``fit``. At ``verbose >= 1`` the work done in row chunks (predict and its
recovery, ``selection="auto"`` tuning) shows a progress bar over rows when
there are more than :data:`PROGRESS_MIN_ROWS` of them: tqdm's when it is
installed (an optional dependency), otherwise a plain line per tenth on
stderr. A bar is drawn only where stderr is a terminal (no bars in logs,
CI output or notebooks' captured streams) unless :data:`FORCE_PROGRESS`
says otherwise. Everything else the package reports goes to the
``logging`` logger ``"sklearn_dymo"``.
"""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger("sklearn_dymo")

#: Rows above which chunked work shows a progress bar at ``verbose >= 1``.
PROGRESS_MIN_ROWS = 100_000
#: ``None``: a bar only when stderr is a terminal; ``True`` / ``False`` force it on / off.
FORCE_PROGRESS = None


def _bar_wanted(n_rows, verbose):
    if not verbose or n_rows <= PROGRESS_MIN_ROWS:
        return False
    if FORCE_PROGRESS is not None:
        return bool(FORCE_PROGRESS)
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


class _PlainBar:
    """The fallback without tqdm: one line on stderr per tenth of the rows."""

    def __init__(self, total, desc):
        self.total, self.desc, self.done, self.shown = total, desc, 0, 0

    def update(self, n):
        self.done += n
        tenth = 10 * self.done // self.total
        if tenth > self.shown:
            self.shown = tenth
            sys.stderr.write(f"{self.desc}: {self.done:,} / {self.total:,} rows\n")
            sys.stderr.flush()

    def close(self):
        pass


def _make_bar(total, desc):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _PlainBar(total, desc)
    return tqdm(total=total, desc=desc, unit="rows", unit_scale=True, file=sys.stderr,
                leave=False, dynamic_ncols=True)


def progress_chunks(chunks, n_rows, verbose, desc):
    """Yield ``chunks`` (tuples whose first item has one row per row of work),
    advancing a progress bar over ``n_rows`` when it is wanted (see module)."""
    if not _bar_wanted(n_rows, verbose):
        yield from chunks
        return
    bar = _make_bar(n_rows, desc)
    try:
        for chunk in chunks:
            yield chunk
            bar.update(int(chunk[0].shape[0]))
    finally:
        bar.close()
