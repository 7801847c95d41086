import torch

from phasetrans.backend.spectral import SpectralLayer, spectral_weight


def test_weight_formula_matches_elementwise_definition():
    g = torch.Generator().manual_seed(3)
    phi = torch.randn(2, 4, 3, generator=g)
    lam_in = torch.randn(2, 4, generator=g)
    lam_out = torch.randn(2, 3, generator=g)
    w = spectral_weight(phi, lam_in, lam_out)
    for s in range(2):
        for j in range(4):
            for i in range(3):
                expected = phi[s, j, i] * (lam_in[s, j] - lam_out[s, i])
                assert torch.isclose(w[s, j, i], expected)


def test_gradcheck_float64_all_factors_trainable():
    g = torch.Generator().manual_seed(0)
    phi = torch.randn(2, 5, 4, generator=g, dtype=torch.float64, requires_grad=True)
    lam_in = torch.randn(2, 5, generator=g, dtype=torch.float64, requires_grad=True)
    lam_out = torch.randn(2, 4, generator=g, dtype=torch.float64, requires_grad=True)
    x = torch.randn(7, 5, generator=g, dtype=torch.float64, requires_grad=True)

    def forward(x, phi, lam_in, lam_out):
        return torch.einsum("bj,sji->sbi", x, spectral_weight(phi, lam_in, lam_out))

    assert torch.autograd.gradcheck(forward, (x, phi, lam_in, lam_out), eps=1e-6, atol=1e-8)


def test_layer_gradcheck_through_module_parameters():
    gens = [torch.Generator().manual_seed(s) for s in (0, 1)]
    layer = SpectralLayer(3, 4, gens, train_lambda_in=True, dtype=torch.float64)
    # perturb lambda_in away from 0 so every factor's gradient is exercised
    with torch.no_grad():
        layer.lambda_in.copy_(torch.linspace(-1, 1, 6, dtype=torch.float64).view(2, 3))
    x = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(9))

    def f(phi, lam_in, lam_out):
        return torch.einsum("bj,sji->sbi", x, spectral_weight(phi, lam_in, lam_out))

    params = (layer.phi, layer.lambda_in, layer.lambda_out)
    assert torch.autograd.gradcheck(f, params, eps=1e-6, atol=1e-8)
    assert torch.allclose(layer(x), f(*params))


def test_initialisation_and_frozen_factors():
    gens = [torch.Generator().manual_seed(s) for s in (0, 1)]
    layer = SpectralLayer(10, 20, gens)
    limit = (6 / 30) ** 0.5
    assert layer.phi.abs().max() <= limit
    assert layer.phi.abs().max() > 0.9 * limit
    assert torch.equal(layer.lambda_out, torch.ones(2, 20))
    assert torch.equal(layer.lambda_in, torch.zeros(2, 10))
    names = {n for n, _ in layer.named_parameters()}
    assert names == {"phi", "lambda_out"}  # lambda_in frozen (a buffer) by default
    assert torch.allclose(layer.weight(), -layer.phi)  # W = -lambda_out * phi at init
    # member 1 equals a layer built from seed 1 alone
    single = SpectralLayer(10, 20, [torch.Generator().manual_seed(1)])
    assert torch.equal(single.phi[0], layer.phi[1])
