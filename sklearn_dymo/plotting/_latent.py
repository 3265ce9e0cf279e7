"""2-D projection of the latent space with class prototypes (paper Fig. 4)."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import PCA

from .._explain._pipeline import final_estimator
from ._estimator_outputs import latents
from ._matplotlib import import_pyplot


class LatentSpaceDisplay:
    """Latent ``z`` of observed-only versus selected inputs, side by side.

    Each panel shows the same samples projected to 2-D, coloured by class,
    with the class prototypes ``c_bar_k`` as stars: on the left, ``z`` from
    the observed modalities only; on the right, ``z`` from the modalities
    selected by DyMo. One projection is fitted on both sets of latents and
    the prototypes together, so the panels share their axes' meaning.

    Create it with :meth:`from_estimator` or :meth:`from_latents`.

    Parameters
    ----------
    embeddings : dict of str to ndarray of shape (n_samples, 2)
        Projected latents per panel title, in drawing order.
    prototypes : ndarray of shape (n_classes, 2)
        Projected class prototypes.
    labels : array-like of shape (n_samples,)
        Class of each sample (colours).
    classes : array-like of shape (n_classes,)
        Class of each prototype, in the order of ``prototypes``.

    Attributes
    ----------
    scatters_ : dict of str to matplotlib.collections.PathCollection
        The samples of each panel.
    prototype_scatters_ : dict of str to matplotlib.collections.PathCollection
        The prototypes of each panel.
    axes_ : ndarray of matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_dymo.plotting import LatentSpaceDisplay
    >>> rng = np.random.RandomState(0)
    >>> display = LatentSpaceDisplay.from_latents(
    ...     {"observed only": rng.normal(size=(6, 4)), "selected": rng.normal(size=(6, 4))},
    ...     prototypes=rng.normal(size=(2, 4)), labels=[0, 1, 0, 1, 0, 1], classes=[0, 1])
    >>> [s.get_offsets().shape for s in display.scatters_.values()]
    [(6, 2), (6, 2)]
    """

    def __init__(self, embeddings, prototypes, labels, classes):
        self.embeddings = embeddings
        self.prototypes = np.asarray(prototypes)
        self.labels = np.asarray(labels)
        self.classes = np.asarray(classes)

    def plot(self, ax=None, *, cmap="tab10", point_size=12):
        """Draw one panel per set of latents.

        Parameters
        ----------
        ax : sequence of matplotlib Axes, default=None
            One axes per panel; a new figure with a row of panels when None.
        cmap : str or Colormap, default="tab10"
            Colours of the classes.
        point_size : float, default=12

        Returns
        -------
        display : LatentSpaceDisplay
        """
        plt = import_pyplot()
        n_panels = len(self.embeddings)
        if ax is None:
            _, ax = plt.subplots(1, n_panels, figsize=(5 * n_panels, 4.5),
                                 sharex=True, sharey=True, squeeze=False)
        axes = np.asarray(ax, dtype=object).ravel()
        if axes.size != n_panels:
            raise ValueError(f"ax must hold {n_panels} axes (one per panel), got {axes.size}")
        colormap = plt.get_cmap(cmap)
        class_index = {c: k for k, c in enumerate(self.classes.tolist())}
        color_of = np.array([class_index[c] for c in self.labels.tolist()])
        self.scatters_, self.prototype_scatters_ = {}, {}
        for axis, (title, points) in zip(axes, self.embeddings.items()):
            self.scatters_[title] = axis.scatter(
                points[:, 0], points[:, 1], c=colormap(color_of % colormap.N),
                s=point_size, alpha=0.7, linewidths=0)
            self.prototype_scatters_[title] = axis.scatter(
                self.prototypes[:, 0], self.prototypes[:, 1],
                c=colormap(np.arange(len(self.classes)) % colormap.N),
                marker="*", s=point_size * 25, edgecolors="black", linewidths=1)
            axis.set_title(title)
            axis.set_xlabel("component 1")
        axes[0].set_ylabel("component 2")
        handles = [plt.Line2D([], [], marker="o", linestyle="", color=colormap(k % colormap.N),
                              label=str(c)) for k, c in enumerate(self.classes)]
        handles.append(plt.Line2D([], [], marker="*", linestyle="", color="white",
                                  markeredgecolor="black", markersize=12, label="prototype"))
        axes[-1].legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5),
                        fontsize="small")
        self.axes_, self.figure_ = axes, axes[0].figure
        return self

    @classmethod
    def from_latents(cls, latents_by_title, prototypes, labels, classes, *,
                     projection=None, ax=None, **plot_kw):
        """Project latents and prototypes with one projection and draw them.

        Parameters
        ----------
        latents_by_title : dict of str to ndarray of shape (n_samples, latent_dim)
            Latents per panel title.
        prototypes : ndarray of shape (n_classes, latent_dim)
        labels : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,)
        projection : transformer with ``fit_transform``, default=None
            Maps latents to 2-D; fitted on all latents and prototypes
            stacked. None uses ``PCA(n_components=2)``; ``TSNE`` works too.
        ax : sequence of matplotlib Axes, default=None
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : LatentSpaceDisplay
        """
        projection = PCA(n_components=2) if projection is None else clone(projection)
        blocks = [np.asarray(z, dtype=float) for z in latents_by_title.values()]
        prototypes = np.asarray(prototypes, dtype=float)
        projected = projection.fit_transform(np.vstack(blocks + [prototypes]))
        bounds = np.cumsum([len(b) for b in blocks])
        parts = np.split(projected, bounds)
        embeddings = dict(zip(latents_by_title, parts[:-1]))
        return cls(embeddings, parts[-1], labels, classes).plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, selection=None, projection=None,
                       ax=None, **plot_kw):
        """Latents of ``X`` from a fitted classifier, observed-only versus selected.

        Parameters
        ----------
        estimator : fitted DyMoClassifier or Pipeline ending with one
        X : array-like of shape (n_samples, n_features)
            NaN marks missing entries. All rows are encoded at once: pass a
            sample of a few thousand rows at most.
        y : array-like of shape (n_samples,), default=None
            Colours by true class; by the prediction after selection when None.
        selection : str, default=None
            Strategy of the right panel; None uses the estimator's own.
        projection : transformer with ``fit_transform``, default=None
            None uses ``PCA(n_components=2)``.
        ax : sequence of two matplotlib Axes, default=None
        **plot_kw
            Passed to :meth:`plot`.

        Returns
        -------
        display : LatentSpaceDisplay
        """
        estimator, X = final_estimator(estimator, X)
        observed_only = estimator.select_modalities(X, selection="observed")
        selected = estimator.select_modalities(X, selection=selection)
        (z_observed, z_selected), prototypes = latents(
            estimator, X, [observed_only.used.to_numpy(), selected.used.to_numpy()])
        if y is None:
            y = estimator.classes_[selected.proba.argmax(1)]
        return cls.from_latents(
            {"observed modalities only": z_observed, "after DyMo selection": z_selected},
            prototypes, y, estimator.classes_, projection=projection, ax=ax, **plot_kw)
