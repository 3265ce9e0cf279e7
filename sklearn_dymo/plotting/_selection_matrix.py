"""Selection matrix: per missing-modality pattern, how often each modality was added."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._explain._pipeline import final_estimator
from ._estimator_outputs import observed_mask
from ._matplotlib import axes_or_new, pattern_label


def selection_matrix(path, observed, modality_names):
    """Acceptance rate of each recovered modality for each observed pattern.

    Parameters
    ----------
    path : list of tuple of str
        Per sample, the recovered modalities added (``selection_path_``).
    observed : array-like of bool, shape (n_samples, n_modalities)
        Which modalities each sample observed.
    modality_names : list of str

    Returns
    -------
    rates : DataFrame of shape (n_patterns, n_modalities)
        Fraction of the samples with that pattern whose path contains the
        modality; NaN where the modality is observed (not a candidate).
        Rows are named by the observed modalities, most frequent first.
    counts : Series
        Number of samples per pattern, in the same order.

    Examples
    --------
    >>> from sklearn_dymo.plotting import selection_matrix
    >>> rates, counts = selection_matrix(
    ...     path=[("b",), (), ("a",)],
    ...     observed=[[True, False], [True, False], [False, True]],
    ...     modality_names=["a", "b"])
    >>> rates.to_dict("index")
    {'a': {'a': nan, 'b': 0.5}, 'b': {'a': 1.0, 'b': nan}}
    >>> counts.tolist()
    [2, 1]
    """
    observed = np.asarray(observed, dtype=bool)
    names = list(modality_names)
    if observed.shape != (len(path), len(names)):
        raise ValueError(
            f"observed has shape {observed.shape}, expected "
            f"({len(path)}, {len(names)}) from path and modality_names"
        )
    added = np.zeros(observed.shape, dtype=bool)
    position = {name: j for j, name in enumerate(names)}
    for i, modalities in enumerate(path):
        for name in modalities:
            added[i, position[name]] = True
    patterns, inverse, counts = np.unique(observed, axis=0, return_inverse=True,
                                          return_counts=True)
    inverse = inverse.ravel()
    rates = np.stack([added[inverse == p].mean(axis=0) for p in range(len(patterns))])
    rates = np.where(patterns, np.nan, rates)
    labels = [pattern_label(row, names) for row in patterns]
    order = np.lexsort((labels, -counts))  # most frequent first; ties by name
    rates = pd.DataFrame(rates[order], index=np.asarray(labels)[order], columns=names)
    rates.index.name = "observed"
    return rates, pd.Series(counts[order], index=rates.index, name="n_samples")


class SelectionMatrixDisplay:
    """Heat map of how often each recovered modality was added, per pattern.

    Rows are the missing-modality patterns (named by what each sample
    observed), columns the modalities. A cell is the fraction of that
    pattern's samples whose ``selection_path_`` contains the modality;
    observed modalities are not candidates and stay blank.

    Create it with :meth:`from_estimator` or :meth:`from_selection`.

    Parameters
    ----------
    rates : DataFrame of shape (n_patterns, n_modalities)
        Acceptance rates, NaN where not a candidate.
    counts : Series of int
        Samples per pattern (same index as ``rates``).

    Attributes
    ----------
    image_ : matplotlib.image.AxesImage
        The heat map.
    texts_ : ndarray of matplotlib.text.Text or None
        The rate written in each candidate cell (None where blank).
    colorbar_ : matplotlib.colorbar.Colorbar
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    See Also
    --------
    StepsHistogramDisplay : how many selection steps each sample took.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_dymo.plotting import SelectionMatrixDisplay
    >>> display = SelectionMatrixDisplay.from_selection(
    ...     path=[("b",), (), ("a", "b")],
    ...     observed=[[True, False], [True, False], [False, False]],
    ...     modality_names=["a", "b"])
    >>> display.rates  # doctest: +NORMALIZE_WHITESPACE
              a    b
    observed
    a       NaN  0.5
    none    1.0  1.0
    """

    def __init__(self, rates, counts):
        self.rates = rates
        self.counts = counts

    def plot(self, ax=None, *, cmap="Blues", annotate=True):
        """Draw the heat map.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        cmap : str or Colormap, default="Blues"
        annotate : bool, default=True
            Write the rate in each candidate cell.

        Returns
        -------
        display : SelectionMatrixDisplay
        """
        ax = axes_or_new(ax)
        values = self.rates.to_numpy(dtype=float)
        image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0.0, vmax=1.0,
                          aspect="auto")
        texts = np.full(values.shape, None, dtype=object)
        if annotate:
            for (i, j), value in np.ndenumerate(values):
                if np.isfinite(value):
                    color = "white" if value > 0.6 else "black"
                    texts[i, j] = ax.text(j, i, f"{value:.2f}", ha="center", va="center",
                                          color=color)
        ax.set_xticks(range(values.shape[1]), [str(c) for c in self.rates.columns])
        ax.set_yticks(range(values.shape[0]),
                      [f"{label} (n={n})" for label, n in self.counts.items()])
        ax.set_xlabel("recovered modality")
        ax.set_ylabel("observed modalities")
        ax.set_title("fraction of samples that added the modality")
        self.colorbar_ = ax.figure.colorbar(image, ax=ax)
        self.image_, self.texts_ = image, texts
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_selection(cls, path, observed, modality_names, *, ax=None, **plot_kw):
        """Draw from a selection path and the observed masks.

        Parameters
        ----------
        path : list of tuple of str
            ``selection_path_`` or ``SelectionResult.path``.
        observed : array-like of bool, shape (n_samples, n_modalities)
            Fully observed modalities of each sample.
        modality_names : list of str
            ``modality_names_`` of the classifier.
        ax : matplotlib Axes, default=None
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : SelectionMatrixDisplay
        """
        rates, counts = selection_matrix(path, observed, modality_names)
        return cls(rates, counts).plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(cls, estimator, X, *, selection=None, ax=None, **plot_kw):
        """Run selection on ``X`` with a fitted classifier and draw the matrix.

        Parameters
        ----------
        estimator : fitted DyMoClassifier or Pipeline ending with one
        X : array-like of shape (n_samples, n_features)
            NaN marks missing entries.
        selection : str, default=None
            Strategy for :meth:`~sklearn_dymo.DyMoClassifier.select_modalities`;
            None uses the estimator's own.
        ax : matplotlib Axes, default=None
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : SelectionMatrixDisplay
        """
        estimator, X = final_estimator(estimator, X)
        result = estimator.select_modalities(X, selection=selection)
        return cls.from_selection(result.path, observed_mask(estimator, X),
                                  estimator.modality_names_, ax=ax, **plot_kw)
