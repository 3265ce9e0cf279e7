"""A plain per-sample implementation of Algorithm 1, for checking only."""

import math

import torch

from sklearn_dymo._selection._rewards import LatentScore


def reference_select(network, tokens, observed, scorer, rule, strategy):
    """Per sample, per candidate loop. Returns (logits, paths)."""
    n, m = observed.shape
    n_classes = network.classifier.out_features
    all_logits, paths = [], []
    for i in range(n):
        tok = tokens[i:i + 1]

        def run(subset, tok=tok):
            mask = torch.zeros(1, m, dtype=torch.bool)
            mask[0, sorted(subset)] = True
            logits, z = network.heads(network.fuse(tok, mask))
            return logits, scorer(logits, z, mask)

        current = {j for j in range(m) if observed[i, j]}
        candidates = sorted(set(range(m)) - current)
        forced = not current
        if current:
            logits, score = run(current)
        else:
            logits = torch.zeros(1, n_classes, dtype=tokens.dtype)
            score = LatentScore(torch.tensor([-math.log(n_classes)], dtype=torch.float64),
                                torch.zeros(1, dtype=torch.float64))
        path = []
        while candidates:
            rewards, results = {}, {}
            for u in candidates:
                results[u] = run(current | {u})
                rewards[u] = float(rule(score, results[u][1]))
            if strategy == "simultaneous":
                take = [u for u in candidates if rewards[u] > 0]
                if not take and forced:
                    take = [max(candidates, key=lambda u: (rewards[u], -u))]
                take.sort(key=lambda u: -rewards[u])
                path = take
                if take:
                    current |= set(take)
                    logits, score = run(current)
                break
            best = max(candidates, key=lambda u: (rewards[u], -u))
            if rewards[best] > 0 or forced:
                current.add(best)
                path.append(best)
                logits, score = results[best]
                forced = False
            candidates = [u for u in candidates if u != best and rewards[u] > 0]
        all_logits.append(logits)
        paths.append(tuple(path))
    return torch.cat(all_logits), paths
