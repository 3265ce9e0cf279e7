"""Network, subset samplers, loss and prototype statistics."""

import math

import pytest
import torch

from sklearn_dymo._input._masks import subset_bits
from sklearn_dymo._network._losses import DyMoLoss
from sklearn_dymo._network._module import DyMoNetwork
from sklearn_dymo._network._subsets import (
    ModDropSampler,
    UniformSubsetSampler,
    make_subset_sampler,
)
from sklearn_dymo._selection._prototypes import compute_subset_statistics


def _net(m=3, cosine=True):
    torch.manual_seed(0)
    return DyMoNetwork([[2 * i, 2 * i + 1] for i in range(m)], n_classes=2, d_model=8,
                       n_heads=2, encoder_hidden=8, latent_dim=4, dropout=0.0,
                       normalize_latent=cosine).eval()


def test_masked_modalities_are_ignored():
    net = _net()
    x = torch.randn(5, 6)
    mask = torch.tensor([[True, False, True]] * 5)
    changed = x.clone()
    changed[:, 2:4] = 1e3  # values of the masked modality
    a = net(x, mask)
    b = net(changed, mask)
    torch.testing.assert_close(a[0], b[0])
    assert not torch.allclose(net(x, torch.ones(5, 3, dtype=torch.bool))[0], a[0])


def test_forward_subsets_equals_separate_calls_and_latent_is_normalised():
    net = _net()
    x = torch.randn(4, 6)
    masks = torch.tensor([[True, False, False], [True, True, True]])[None].expand(4, 2, 3)
    logits, z = net.forward_subsets(x, masks)
    for a in range(2):
        la, za = net(x, masks[:, a])
        torch.testing.assert_close(logits[:, a], la, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(za, z[:, a], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(z.norm(dim=-1), torch.ones(4, 2))


def test_uniform_sampler_draws_distinct_nonempty_subsets_within_observed():
    sampler = UniformSubsetSampler(n_subsets=5)
    subsets = sampler.draw(3, torch.Generator().manual_seed(0))
    assert subsets.shape == (5, 3) and subsets.any(1).all()
    keys = (subsets.long() * subset_bits(3)).sum(1)
    assert len(set(keys.tolist())) == 5
    assert UniformSubsetSampler(100).draw(2).shape == (3, 2)  # capped at 2**M - 1
    big = UniformSubsetSampler(4).draw(40, torch.Generator().manual_seed(0))
    assert big.shape == (4, 40) and big.any(1).all()
    observed = torch.tensor([[True, False, True], [False, True, False]])
    masks = sampler(observed, torch.Generator().manual_seed(1))
    assert masks.shape == (2, 5, 3)
    assert not (masks & ~observed[:, None, :]).any()


def test_moddrop_sampler_and_resolution():
    observed = torch.ones(200, 4, dtype=torch.bool)
    masks = ModDropSampler(n_subsets=2, p=0.5)(observed, torch.Generator().manual_seed(0))
    assert masks.shape == (200, 2, 4)
    assert 0.4 < masks.float().mean() < 0.6
    assert isinstance(make_subset_sampler("uniform", 3), UniformSubsetSampler)
    with pytest.raises(ValueError, match="subset_sampler"):
        make_subset_sampler("bogus", 3)


def _two_samples_on_their_prototypes():
    """A two-class loss and two samples whose latents are the class axes."""
    loss = DyMoLoss(n_classes=2, latent_dim=2, distance="sqeuclidean", temperature=0.1)
    logits = torch.zeros(2, 1, 2)
    z = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]])
    masks = torch.ones(2, 1, 3, dtype=torch.bool)
    return loss, logits, z, masks, torch.tensor([0, 1])


def test_loss_prototypes_follow_previous_epoch():
    loss, logits, z, masks, y = _two_samples_on_their_prototypes()
    ce_only = loss(logits, z, masks, y, accumulate=True)
    assert ce_only.item() == pytest.approx(math.log(2))
    loss.end_epoch()
    torch.testing.assert_close(loss.prototypes, torch.eye(2))
    loss.contrastive_active = True
    # z sits on its own prototype: the contrastive term is tiny.
    assert loss(logits, z, masks, y).item() == pytest.approx(math.log(2), abs=1e-6)
    # Swapped labels: far from their prototypes, a large contrastive term.
    assert loss(logits, z, masks, 1 - y).item() > math.log(2) + 10
    # Empty masks carry no loss.
    empty = torch.zeros_like(masks)
    assert loss(logits, z, empty, y).item() == 0.0


def test_subset_statistics_exact_and_bounded():
    net = _net(m=3, cosine=False)
    x = torch.randn(30, 6)
    observed = torch.ones(30, 3, dtype=torch.bool)
    y = torch.arange(30) % 2
    stats = compute_subset_statistics(net, x, observed, y, 2, "sqeuclidean")
    assert stats.exact and stats.prototypes.shape[:2] == (7, 2)
    # c_{k,S} for S = {0} (key 0) is the class mean of z under that mask.
    with torch.no_grad():
        _, z = net(x, torch.tensor([[True, False, False]]).expand(30, 3))
    torch.testing.assert_close(stats.prototypes[0, 0], z[y == 0].mean(0), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(stats.mean_prototypes, stats.prototypes.mean(0))
    assert (stats.sigma > 0).all()

    wide = _net(m=12, cosine=True)
    xw = torch.randn(30, 24)
    ow = torch.rand(30, 12) < 0.7
    ow[:, 0] = True
    bounded = compute_subset_statistics(wide, xw, ow, y, 2, "cosine", max_subsets=24)
    assert not bounded.exact
    assert bounded.prototypes.shape[0] == 12  # pooled per subset size, not 2**12
    assert bounded.subsets.shape[0] <= 24
    keys = bounded.keys(torch.tensor([[True] * 12, [True] + [False] * 11]))
    assert keys.tolist() == [11, 0]
    assert torch.isfinite(bounded.sigma).all()


def test_validation_loss_is_the_task_loss_alone():
    # Early stopping compares epochs by the validation loss: the contrastive
    # term (on only after the warm-up, its scale moving with the prototypes)
    # must not be in it, or the last warm-up epoch always looks best.
    loss, logits, z, masks, y = _two_samples_on_their_prototypes()
    loss(logits, z, masks, y, accumulate=True)
    loss.end_epoch()
    loss.contrastive_active = True
    assert loss(logits, z, masks, 1 - y).item() > math.log(2) + 10  # training
    loss.eval()
    assert loss(logits, z, masks, 1 - y).item() == pytest.approx(math.log(2))


def _linear_net(seed=0):
    return DyMoNetwork([[0, 1], [2, 3, 4], [5]], n_classes=3, d_model=8, n_heads=2,
                       encoder_hidden=8, latent_dim=4, dropout=0.0, seed=seed,
                       linear_path=True).eval()


def test_linear_path_adds_the_visible_modalities_linear_terms():
    net = _linear_net()
    with torch.no_grad():
        net.linear.weight.normal_(generator=torch.Generator().manual_seed(1))
    x = torch.randn(6, 6)
    terms = net.linear_terms(x)
    columns = [[0, 1], [2, 3, 4], [5]]
    for m, cols in enumerate(columns):
        torch.testing.assert_close(terms[:, m], x[:, cols] @ net.linear.weight[:, cols].t())
    mask = torch.tensor([[True, False, True]] * 3 + [[False, True, False]] * 3)
    with_path, _ = net(x, mask)
    without = _linear_net()  # same seed: the same network, a zero linear path
    base, _ = without(x, mask)
    expected = (terms * mask[..., None]).sum(1)
    torch.testing.assert_close(with_path - base, expected, rtol=1e-5, atol=1e-5)
    # Hidden modalities' values do not matter, also through the linear path.
    changed = x.clone()
    changed[:3, 2:5] = 1e3
    torch.testing.assert_close(net(changed, mask)[0][:3], with_path[:3])


def test_start_from_linear_reproduces_the_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    from sklearn_dymo._tasks._class_targets import logistic_start

    rng = torch.Generator().manual_seed(0)
    x = torch.randn(200, 6, generator=rng)
    for n_classes in (2, 3):
        y = (x[:, 0] + x[:, 3] > 0).long() + (n_classes == 3) * (x[:, 5] > 1).long()
        weight, bias = logistic_start(x.numpy().astype("float64"), y.numpy(), n_classes)
        net = DyMoNetwork([[0, 1], [2, 3, 4], [5]], n_classes=n_classes, d_model=8,
                          n_heads=2, encoder_hidden=8, latent_dim=4, seed=0,
                          linear_path=True).eval()
        net.start_from_linear(weight, bias)
        logits, _ = net(x, torch.ones(200, 3, dtype=torch.bool))
        expected = LogisticRegression(C=1.0, max_iter=1000).fit(
            x.numpy(), y.numpy()).predict_proba(x.numpy())
        torch.testing.assert_close(torch.softmax(logits.double(), 1),
                                   torch.as_tensor(expected, dtype=torch.float64),
                                   rtol=1e-4, atol=1e-4)


def test_label_smoothing_softens_the_cross_entropy_only():
    loss = DyMoLoss(n_classes=3, latent_dim=2, distance="sqeuclidean", temperature=0.1,
                    label_smoothing=0.1)
    logits = torch.tensor([[[4.0, 0.0, -1.0]], [[0.0, 3.0, 0.0]]])
    z = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]])
    masks = torch.ones(2, 1, 2, dtype=torch.bool)
    y = torch.tensor([0, 1])
    expected = torch.nn.functional.cross_entropy(logits[:, 0], y, label_smoothing=0.1)
    torch.testing.assert_close(loss(logits, z, masks, y, accumulate=True), expected)
    assert expected > torch.nn.functional.cross_entropy(logits[:, 0], y)
    loss.end_epoch()
    loss.contrastive_active = True
    # The contrastive term keeps hard labels: the same as without smoothing.
    plain = DyMoLoss(n_classes=3, latent_dim=2, distance="sqeuclidean", temperature=0.1)
    plain.prototypes.copy_(loss.prototypes)
    plain.has_prototype.copy_(loss.has_prototype)
    plain.contrastive_active = True
    swapped = 1 - y
    ce_gap = (torch.nn.functional.cross_entropy(logits[:, 0], swapped, label_smoothing=0.1)
              - torch.nn.functional.cross_entropy(logits[:, 0], swapped))
    torch.testing.assert_close(loss(logits, z, masks, 1 - y) - plain(logits, z, masks, 1 - y),
                               ce_gap)


def test_selection_refuses_a_linear_path_network_without_its_terms():
    from sklearn_dymo._selection._algorithm import select

    net = _linear_net()
    with torch.no_grad():
        net.linear.weight.normal_(generator=torch.Generator().manual_seed(2))
    x = torch.randn(4, 6)
    observed = torch.tensor([[True, False, False]] * 4)
    with pytest.raises(ValueError, match="linear path"):
        select(net, net.encode(x), observed, None, None, "observed")
    out = select(net, net.encode(x), observed, None, None, "observed",
                 linear=net.linear_terms(x))
    torch.testing.assert_close(out.logits, net(x, observed)[0], rtol=1e-5, atol=1e-5)


def _noisy_net(noise):
    return DyMoNetwork([[0, 1], [2, 3, 4], [5]], n_classes=3, d_model=8, n_heads=2,
                       encoder_hidden=8, latent_dim=4, dropout=0.0, seed=0,
                       linear_path=True, input_noise=noise)


def test_input_noise_perturbs_training_inputs_only():
    x = torch.randn(4000, 6)
    seen = []
    net = _noisy_net(0.3)
    net.encode = lambda values: seen.append(values) or DyMoNetwork.encode(net, values)
    observed = torch.ones(4000, 3, dtype=torch.bool)
    net.eval()
    eval_out = net(x, observed)[0]
    torch.testing.assert_close(seen[-1], x)  # evaluation: the inputs as given
    torch.testing.assert_close(eval_out, _noisy_net(0.0).eval()(x, observed)[0])
    net.train()
    train_out = net(x, observed)[0]
    noise = seen[-1] - x
    assert abs(noise.std().item() - 0.3) < 0.01 and abs(noise.mean().item()) < 0.01
    assert not torch.allclose(train_out, eval_out)
    clean = _noisy_net(0.0).train()
    torch.testing.assert_close(clean(x, observed)[0], eval_out)  # no noise, no dropout
    # The noise comes from the module's seeded generator: a second module
    # with the same seed draws the same noise.
    again = _noisy_net(0.3).train()
    torch.testing.assert_close(again(x, observed)[0], train_out)


def test_network_pickled_before_input_noise_loads_without_it():
    net = _noisy_net(0.3)
    state = net.__getstate__()
    del state["input_noise"]
    old = DyMoNetwork.__new__(DyMoNetwork)
    old.__setstate__(state)
    assert old.input_noise == 0.0
    x = torch.randn(5, 6)
    old.train()
    torch.testing.assert_close(old(x, torch.ones(5, 3, dtype=torch.bool))[0],
                               _noisy_net(0.0).train()(x, torch.ones(5, 3, dtype=torch.bool))[0])
