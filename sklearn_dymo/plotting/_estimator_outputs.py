"""The only place where the plots read private state of a fitted classifier.

Observed masks and latent vectors are not part of the public results of
:class:`~sklearn_dymo.DyMoClassifier`; the displays need them, so the few
private calls (``_prepare``, ``net_.module_``, ``subset_statistics_``, all
from the shared ``BaseDyMo``) live here, in one helper, to be replaced by a
public hook if the classifier grows one.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted


def observed_mask(estimator, X):
    """Bool array ``(n_samples, n_modalities)``: modality fully observed in ``X``."""
    check_is_fitted(estimator)
    _, observed = estimator._prepare(X)
    return observed.numpy().astype(bool)


def latents(estimator, X, masks):
    """Latent ``z`` of each row of ``X`` under each mask of ``masks``.

    Parameters
    ----------
    estimator : fitted DyMoClassifier
    X : array-like of shape (n_samples, n_features)
    masks : list of bool arrays of shape (n_samples, n_modalities)

    Returns
    -------
    zs : list of ndarray of shape (n_samples, latent_dim)
        One per mask, in order.
    prototypes : ndarray of shape (n_classes, latent_dim)
        The class prototypes averaged over subsets (``c_bar_k``).
    """
    check_is_fitted(estimator)
    x, _ = estimator._prepare(X)
    module = estimator.net_.module_
    module.eval()
    device = estimator.device_  # the fitted device (CPU after a GPU model loads there)
    zs = []
    with torch.no_grad():
        tokens = module.encode(x.to(device))
        for mask in masks:
            mask_t = torch.tensor(np.array(mask, dtype=bool), device=device)
            _, z = module.heads(module.fuse(tokens, mask_t))
            zs.append(z.double().cpu().numpy())
    prototypes = estimator.subset_statistics_.mean_prototypes.double().cpu().numpy()
    return zs, prototypes
