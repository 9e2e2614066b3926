#!/usr/bin/env python3
"""Writes Tests/TorchCoreTests/Resources/nn_reference.json: layer and loss values and gradients computed by real
PyTorch in float64. The tests read the JSON; regenerate with (torch installed):
    python3 scripts/make_nn_reference.py
Inputs are fixed by seeds, so the file is identical on every run.
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "TorchCoreTests", "Resources", "nn_reference.json")
torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


def enc(t):
    t = t.detach()
    return {"shape": list(t.shape), "values": [float(v) for v in t.reshape(-1).tolist()]}


def enci(t):
    return {"shape": list(t.shape), "values": [int(v) for v in t.reshape(-1).tolist()]}


out = {}

# Linear forward/backward with explicit weights.
lin = nn.Linear(4, 3)
x = torch.randn(2, 4, requires_grad=True)
gy = torch.randn(2, 3)
y = lin(x)
(y * gy).sum().backward()
out["linear"] = {"weight": enc(lin.weight), "bias": enc(lin.bias), "x": enc(x), "gy": enc(gy), "y": enc(y),
                 "gx": enc(x.grad), "gw": enc(lin.weight.grad), "gb": enc(lin.bias.grad)}

# Sequential MLP: keys and output.
mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
xm = torch.randn(5, 4)
out["mlp"] = {"state": [[k, enc(v)] for k, v in mlp.state_dict().items()], "x": enc(xm), "y": enc(mlp(xm))}


# Conv2d (stride, padding, dilation, groups) and max pooling.
conv = nn.Conv2d(4, 6, kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(1, 2), groups=2)
xc = torch.randn(2, 4, 7, 6, requires_grad=True)
yc = conv(xc)
gyc = torch.randn_like(yc)
(yc * gyc).sum().backward()
out["conv2d"] = {"weight": enc(conv.weight), "bias": enc(conv.bias), "x": enc(xc), "gy": enc(gyc), "y": enc(yc),
                 "gx": enc(xc.grad), "gw": enc(conv.weight.grad), "gb": enc(conv.bias.grad)}
xp = torch.randn(2, 3, 7, 8, requires_grad=True)
yp = F.max_pool2d(xp, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1))
gyp = torch.randn_like(yp)
(yp * gyp).sum().backward()
out["maxpool2d"] = {"x": enc(xp), "y": enc(yp), "gy": enc(gyp), "gx": enc(xp.grad)}


# BatchNorm2d: a training step (batch statistics, running-estimate update), then evaluation.
bn = nn.BatchNorm2d(3, momentum=0.2)
with torch.no_grad():
    bn.weight.copy_(torch.tensor([1.5, -0.5, 2.0]))
    bn.bias.copy_(torch.tensor([0.1, 0.2, -0.3]))
xb = torch.randn(4, 3, 2, 5, requires_grad=True)
yb = bn(xb)
gyb = torch.randn_like(yb)
(yb * gyb).sum().backward()
bn.eval()
xe = torch.randn(2, 3, 2, 5)
out["batchnorm2d"] = {"x": enc(xb), "y": enc(yb), "gy": enc(gyb), "gx": enc(xb.grad), "gw": enc(bn.weight.grad),
                      "gb": enc(bn.bias.grad), "running_mean": enc(bn.running_mean), "running_var": enc(bn.running_var),
                      "x_eval": enc(xe), "y_eval": enc(bn(xe)), "keys": list(bn.state_dict().keys())}

# Embedding with padding_idx: the padding row gets no gradient.
emb = nn.Embedding(6, 3, padding_idx=2)
ids = torch.tensor([[0, 2, 5], [2, 2, 1]])
ye = emb(ids)
gye = torch.randn_like(ye)
(ye * gye).sum().backward()
out["embedding"] = {"weight": enc(emb.weight), "ids": enci(ids), "y": enc(ye), "gy": enc(gye), "gw": enc(emb.weight.grad)}


def loss_case(fn, inp, **extra):
    inp = inp.clone().requires_grad_(True)
    loss = fn(inp)
    g = torch.randn_like(loss) if loss.dim() > 0 else torch.tensor(1.0)
    (loss * g).sum().backward()
    case = {"input": enc(inp), "loss": enc(loss), "gloss": enc(g), "ginput": enc(inp.grad)}
    case.update(extra)
    return case


logits = torch.randn(4, 5)
target = torch.tensor([1, 0, 4, 2])
target_ign = torch.tensor([1, -100, 4, 2])
weight = torch.tensor([1.0, 2.0, 0.5, 1.5, 3.0])
logits3 = torch.randn(2, 3, 4)
target3 = torch.tensor([[0, 2, 1, 1], [2, 0, 0, 1]])
probs = torch.softmax(torch.randn(4, 5), dim=1)
cases = {
    "ce_mean": loss_case(lambda i: F.cross_entropy(i, target), logits, target=enci(target)),
    "ce_weight_ignore_smooth": loss_case(
        lambda i: F.cross_entropy(i, target_ign, weight=weight, ignore_index=-100, label_smoothing=0.1), logits,
        target=enci(target_ign), weight=enc(weight)),
    "ce_extra_dims_sum": loss_case(lambda i: F.cross_entropy(i, target3, reduction="sum"), logits3, target=enci(target3)),
    "ce_none_smooth": loss_case(lambda i: F.cross_entropy(i, target, reduction="none", label_smoothing=0.2), logits,
                                target=enci(target)),
    "ce_probs_smooth": loss_case(lambda i: F.cross_entropy(i, probs, label_smoothing=0.1), logits, probs=enc(probs)),
    "nll_weight_mean": loss_case(lambda i: F.nll_loss(F.log_softmax(i, 1), target, weight=weight), logits,
                                 target=enci(target), weight=enc(weight)),
    "bce": loss_case(lambda i: F.binary_cross_entropy(torch.sigmoid(i), probs), logits, other=enc(probs)),
    "bce_logits_pos": loss_case(lambda i: F.binary_cross_entropy_with_logits(i, probs, pos_weight=weight), logits,
                                other=enc(probs), weight=enc(weight)),
    "smooth_l1": loss_case(lambda i: F.smooth_l1_loss(i, probs * 3, beta=0.5), logits, other=enc(probs * 3)),
    "huber": loss_case(lambda i: F.huber_loss(i, probs * 3, delta=0.7, reduction="sum"), logits, other=enc(probs * 3)),
    "kl_batchmean": loss_case(lambda i: F.kl_div(F.log_softmax(i, 1), probs, reduction="batchmean"), logits, other=enc(probs)),
    "margin_ranking": loss_case(lambda i: F.margin_ranking_loss(i[:, 0], i[:, 1], torch.tensor([1.0, -1.0, 1.0, -1.0]), margin=0.3),
                                logits),
    "cosine_embedding": loss_case(lambda i: F.cosine_embedding_loss(i[:2], i[2:], torch.tensor([1.0, -1.0]), margin=0.1), logits),
    "triplet": loss_case(lambda i: F.triplet_margin_loss(i[:1], i[1:2], i[2:3], margin=2.0), logits),
    "mse_mean": loss_case(lambda i: F.mse_loss(i, probs), logits, other=enc(probs)),
    "l1_sum": loss_case(lambda i: F.l1_loss(i, probs, reduction="sum"), logits, other=enc(probs)),
}
out["losses"] = cases


# GroupNorm, InstanceNorm and RMSNorm with non-trivial affine parameters: output and all gradients.
def norm_case(module, shape):
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.randn_like(p) * 0.5 + (1.0 if name == "weight" else 0.0))
    xn = (torch.randn(*shape) * 2 + 0.5).requires_grad_(True)
    yn = module(xn)
    gyn = torch.randn_like(yn)
    (yn * gyn).sum().backward()
    case = {"x": enc(xn), "y": enc(yn), "gy": enc(gyn), "gx": enc(xn.grad), "keys": list(module.state_dict().keys())}
    for name, p in module.named_parameters():
        case[name] = enc(p)
        case["g" + name] = enc(p.grad)
    return case


out["norms"] = {
    "group_norm": norm_case(nn.GroupNorm(2, 6), (3, 6, 4, 2)),
    "group_norm_3d_no_affine": norm_case(nn.GroupNorm(3, 3, eps=1e-3, affine=False), (2, 3, 5)),
    "instance_norm2d_affine": norm_case(nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 5)),
    "instance_norm1d_unbatched": norm_case(nn.InstanceNorm1d(4, eps=1e-4), (4, 6)),
    "rms_norm": norm_case(nn.RMSNorm([3, 4]), (2, 5, 3, 4)),
    "rms_norm_eps_no_affine": norm_case(nn.RMSNorm(4, eps=1e-2, elementwise_affine=False), (3, 4)),
}


# Average and adaptive pooling: outputs and input gradients.
def pool_case(fn, shape):
    xq = torch.randn(*shape, requires_grad=True)
    yq = fn(xq)
    gyq = torch.randn_like(yq)
    (yq * gyq).sum().backward()
    return {"x": enc(xq), "y": enc(yq), "gy": enc(gyq), "gx": enc(xq.grad)}


out["pools"] = {
    "avg_k3_s2_p1": pool_case(lambda t: F.avg_pool2d(t, 3, stride=2, padding=1), (2, 3, 7, 8)),
    "avg_ceil_exclude_pad": pool_case(lambda t: F.avg_pool2d(t, (3, 2), stride=(2, 1), padding=(1, 0), ceil_mode=True,
                                                             count_include_pad=False), (2, 2, 6, 5)),
    "avg_ceil_include_pad": pool_case(lambda t: F.avg_pool2d(t, 3, stride=2, padding=1, ceil_mode=True), (1, 2, 6, 6)),
    "avg_divisor_unbatched": pool_case(lambda t: F.avg_pool2d(t, 2, divisor_override=3), (3, 4, 6)),
    "adaptive_avg_3x4": pool_case(lambda t: F.adaptive_avg_pool2d(t, (3, 4)), (2, 3, 5, 7)),
    "adaptive_avg_1": pool_case(lambda t: F.adaptive_avg_pool2d(t, 1), (2, 3, 5, 7)),
    "adaptive_max_2x3": pool_case(lambda t: F.adaptive_max_pool2d(t, (2, 3)), (2, 3, 5, 7)),
    "adaptive_max_unbatched_4x5": pool_case(lambda t: F.adaptive_max_pool2d(t, (4, 5)), (2, 6, 9)),
}


# Activation modules: outputs and input gradients (inputs kept away from the kinks).
xa = torch.randn(3, 4, 6) * 3
xa = torch.where(xa.abs() < 0.05, xa + 0.1, xa)
ACTIVATIONS = {
    "LeakyReLU": nn.LeakyReLU(0.2), "ELU": nn.ELU(0.7), "CELU": nn.CELU(1.3), "SELU": nn.SELU(), "SiLU": nn.SiLU(),
    "Mish": nn.Mish(), "Softplus": nn.Softplus(beta=2.0, threshold=3.0), "Hardtanh": nn.Hardtanh(-2.0, 1.5),
    "ReLU6": nn.ReLU6(), "Hardsigmoid": nn.Hardsigmoid(), "Hardswish": nn.Hardswish(), "LogSigmoid": nn.LogSigmoid(),
    "Softsign": nn.Softsign(), "Tanhshrink": nn.Tanhshrink(), "Threshold": nn.Threshold(0.3, -1.0),
    "Softshrink": nn.Softshrink(0.7), "Hardshrink": nn.Hardshrink(0.6), "GLU": nn.GLU(1), "Softmax": nn.Softmax(1),
    "LogSoftmax": nn.LogSoftmax(2), "Softmin": nn.Softmin(0), "PReLU": nn.PReLU(4, init=0.1),
}
out["activations"] = {"x": enc(xa)}
for name, module in ACTIVATIONS.items():
    if name == "PReLU":
        with torch.no_grad():
            module.weight.copy_(torch.tensor([0.1, -0.2, 0.3, 0.05]))
    xin = xa.clone().requires_grad_(True)
    ya = module(xin)
    gya = torch.randn_like(ya)
    (ya * gya).sum().backward()
    case = {"y": enc(ya), "gy": enc(gya), "gx": enc(xin.grad)}
    # PyTorch's float64 backward kernels of these two use float32-rounded constants (1/6, 1/alpha), so their
    # gradients are off by ~1e-8 relative; the exact derivative is the reference, PyTorch's is kept for a coarse check.
    if name == "CELU":
        case["gx_pytorch"] = case["gx"]
        case["gx"] = enc(torch.where(xa > 0, torch.ones_like(xa), torch.exp(xa / 1.3)) * gya)
    if name == "Hardsigmoid":
        case["gx_pytorch"] = case["gx"]
        case["gx"] = enc(torch.where(xa.abs() < 3, torch.full_like(xa, 1.0 / 6.0), torch.zeros_like(xa)) * gya)
    if name == "PReLU":
        case["weight"] = enc(module.weight)
        case["gweight"] = enc(module.weight.grad)
    out["activations"][name] = case


# Recurrent layers: outputs, final states and gradients of input, initial states and every parameter.
def rnn_case(module, x_shape, h_shape, lstm=False):
    xr = torch.randn(*x_shape, requires_grad=True)
    h0 = torch.randn(*h_shape, requires_grad=True)
    c0 = torch.randn(*h_shape, requires_grad=True) if lstm else None
    if lstm:
        yr, (hn, cn) = module(xr, (h0, c0))
    else:
        yr, hn = module(xr, h0)
    gyr, ghn = torch.randn_like(yr), torch.randn_like(hn)
    loss = (yr * gyr).sum() + (hn * ghn).sum()
    case = {"state": [[k, enc(v)] for k, v in module.state_dict().items()], "x": enc(xr), "h0": enc(h0), "y": enc(yr),
            "hn": enc(hn), "gy": enc(gyr), "ghn": enc(ghn)}
    if lstm:
        gcn = torch.randn_like(cn)
        loss = loss + (cn * gcn).sum()
        case.update({"c0": enc(c0), "cn": enc(cn), "gcn": enc(gcn)})
    loss.backward()
    case.update({"gx": enc(xr.grad), "gh0": enc(h0.grad), "grads": {k: enc(v.grad) for k, v in module.named_parameters()}})
    if lstm:
        case["gc0"] = enc(c0.grad)
    return case


out["recurrent"] = {
    "lstm": rnn_case(nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True), (2, 5, 3), (4, 2, 4), lstm=True),
    "gru": rnn_case(nn.GRU(3, 5), (6, 2, 3), (1, 2, 5)),
    "rnn_relu_unbatched": rnn_case(nn.RNN(3, 4, num_layers=2, nonlinearity="relu", bias=False), (4, 3), (2, 4)),
}


# Attention: scaled dot-product attention, multi-head attention and transformer encoders (dropout 0, training mode
# so PyTorch takes its reference path rather than the fused inference fast path).
def grads_of(module):
    return {k: enc(v.grad) for k, v in module.named_parameters() if v.grad is not None}


def sdpa_case(**kw):
    q = torch.randn(2, 3, 4, 5, requires_grad=True)
    k = torch.randn(2, 3, 4 if kw.get("is_causal") else 6, 5, requires_grad=True)
    v = torch.randn(2, 3, k.shape[2], 7, requires_grad=True)
    ya = F.scaled_dot_product_attention(q, k, v, **kw)
    gya = torch.randn_like(ya)
    (ya * gya).sum().backward()
    case = {"q": enc(q), "k": enc(k), "v": enc(v), "y": enc(ya), "gy": enc(gya), "gq": enc(q.grad), "gk": enc(k.grad),
            "gv": enc(v.grad)}
    if kw.get("attn_mask") is not None:
        m = kw["attn_mask"]
        case["mask"] = enc(m.double()) if m.dtype == torch.bool else enc(m)
        case["mask_is_bool"] = m.dtype == torch.bool
    return case


att = {
    "sdpa_float_mask": sdpa_case(attn_mask=torch.randn(4, 6), scale=0.3),
    "sdpa_bool_mask": sdpa_case(attn_mask=torch.rand(3, 4, 6) > 0.3),
    "sdpa_causal": sdpa_case(is_causal=True),
}
mha = nn.MultiheadAttention(8, 2)
xs = torch.randn(5, 3, 8, requires_grad=True)
causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)
kpm = torch.tensor([[False] * 5, [False, False, False, True, True], [False, True, False, False, True]])
ys, ws = mha(xs, xs, xs, key_padding_mask=kpm, attn_mask=causal)
gys, gws = torch.randn_like(ys), torch.randn_like(ws)
((ys * gys).sum() + (ws * gws).sum()).backward()
att["mha_self"] = {"state": [[k, enc(v)] for k, v in mha.state_dict().items()], "x": enc(xs), "y": enc(ys), "w": enc(ws),
                   "gy": enc(gys), "gw": enc(gws), "gx": enc(xs.grad), "grads": grads_of(mha),
                   "attn_mask": enc(causal.double()), "key_padding_mask": enc(kpm.double())}
mkv = nn.MultiheadAttention(6, 3, kdim=4, vdim=5, batch_first=True, bias=False)
qk, kk, vk = torch.randn(2, 3, 6, requires_grad=True), torch.randn(2, 4, 4, requires_grad=True), torch.randn(2, 4, 5, requires_grad=True)
fmask = torch.randn(6, 3, 4)
yk, wk = mkv(qk, kk, vk, attn_mask=fmask, average_attn_weights=False)
gyk, gwk = torch.randn_like(yk), torch.randn_like(wk)
((yk * gyk).sum() + (wk * gwk).sum()).backward()
att["mha_kv"] = {"state": [[k, enc(v)] for k, v in mkv.state_dict().items()], "q": enc(qk), "k": enc(kk), "v": enc(vk),
                 "attn_mask": enc(fmask), "y": enc(yk), "w": enc(wk), "gy": enc(gyk), "gw": enc(gwk), "gq": enc(qk.grad),
                 "gk": enc(kk.grad), "gv": enc(vk.grad), "grads": grads_of(mkv)}


def encoder_case(model, x, **kw):
    model.train()
    x = x.clone().requires_grad_(True)
    ye = model(x, **kw)
    gye = torch.randn_like(ye)
    (ye * gye).sum().backward()
    return {"state": [[k, enc(v)] for k, v in model.state_dict().items()], "x": enc(x), "y": enc(ye), "gy": enc(gye),
            "gx": enc(x.grad), "grads": grads_of(model)}


pre = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation="gelu",
                                                       batch_first=True, norm_first=True),
                            num_layers=2, norm=nn.LayerNorm(8), enable_nested_tensor=False)
ecausal = nn.Transformer.generate_square_subsequent_mask(5)
ekpm = torch.tensor([[False, False, False, False, True], [False] * 5])
att["encoder_pre_norm"] = encoder_case(pre, torch.randn(2, 5, 8), mask=ecausal, src_key_padding_mask=ekpm)
att["encoder_pre_norm"]["mask"] = enc(torch.isinf(ecausal).double())  # JSON has no -inf: where the float mask is -inf
att["encoder_pre_norm"]["key_padding_mask"] = enc(ekpm.double())
post = nn.TransformerEncoderLayer(8, 4, dim_feedforward=12, dropout=0.0, bias=False)
att["encoder_layer_post_norm"] = encoder_case(post, torch.randn(6, 2, 8))
out["attention"] = att


# Interpolation and pixel shuffling: outputs and input gradients.
def interp_case(fn, shape):
    xi = torch.randn(*shape, requires_grad=True)
    yi = fn(xi)
    gyi = torch.randn_like(yi)
    (yi * gyi).sum().backward()
    return {"x": enc(xi), "y": enc(yi), "gy": enc(gyi), "gx": enc(xi.grad)}


out["resize"] = {
    "nearest_size": interp_case(lambda t: F.interpolate(t, size=(7, 3), mode="nearest"), (2, 3, 5, 4)),
    "nearest_scale": interp_case(lambda t: F.interpolate(t, scale_factor=3, mode="nearest"), (1, 2, 3, 3)),
    "nearest_exact_1d": interp_case(lambda t: F.interpolate(t, size=11, mode="nearest-exact"), (2, 3, 4)),
    "bilinear": interp_case(lambda t: F.interpolate(t, size=(7, 9), mode="bilinear"), (2, 2, 4, 5)),
    "bilinear_align": interp_case(lambda t: F.interpolate(t, scale_factor=(2.5, 1.5), mode="bilinear", align_corners=True), (1, 2, 4, 4)),
    "bilinear_down_scale": interp_case(lambda t: F.interpolate(t, scale_factor=0.6, mode="bilinear"), (1, 2, 7, 8)),
    "trilinear": interp_case(lambda t: F.interpolate(t, size=(3, 4, 5), mode="trilinear"), (1, 2, 2, 3, 3)),
    "pixel_shuffle": interp_case(lambda t: F.pixel_shuffle(t, 2), (2, 8, 3, 4)),
    "pixel_unshuffle": interp_case(lambda t: F.pixel_unshuffle(t, 3), (1, 2, 6, 9)),
}


# Transposed and 1-D convolutions: outputs and gradients of input, weight and bias.
def conv_case(module, shape):
    xc = torch.randn(*shape, requires_grad=True)
    yc = module(xc)
    gyc = torch.randn_like(yc)
    (yc * gyc).sum().backward()
    return {"state": [[k, enc(v)] for k, v in module.state_dict().items()], "x": enc(xc), "y": enc(yc), "gy": enc(gyc),
            "gx": enc(xc.grad), "grads": grads_of(module)}


out["convs"] = {
    "convt2d_stride_pad_outpad": conv_case(nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 3), padding=(1, 0), output_padding=(1, 2)), (2, 4, 5, 4)),
    "convt2d_groups_dilation": conv_case(nn.ConvTranspose2d(4, 6, 3, stride=2, padding=2, groups=2, dilation=2, bias=False), (1, 4, 4, 5)),
    "convt2d_crop": conv_case(nn.ConvTranspose2d(2, 3, 3, stride=3, padding=(3, 2)), (1, 2, 4, 4)),
    "convt2d_unbatched": conv_case(nn.ConvTranspose2d(3, 2, 2, stride=2), (3, 3, 4)),
    "conv1d": conv_case(nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2), (2, 4, 11)),
    "conv2d_same_reflect": conv_case(nn.Conv2d(2, 3, (3, 4), padding="same", dilation=(1, 2), padding_mode="reflect"), (2, 2, 6, 9)),
    "conv2d_circular_stride": conv_case(nn.Conv2d(2, 3, 3, stride=2, padding=1, padding_mode="circular"), (1, 2, 7, 6)),
    "conv2d_same_even_zeros": conv_case(nn.Conv2d(2, 2, (2, 2), padding="same"), (1, 2, 5, 5)),
    "conv2d_replicate_valid": conv_case(nn.Conv2d(2, 2, 3, padding="valid", padding_mode="replicate"), (1, 2, 5, 6)),
    "convt1d": conv_case(nn.ConvTranspose1d(3, 4, 4, stride=3, padding=1, output_padding=2), (2, 3, 6)),
}


# Recurrent cells, Bilinear and 1-D pools: outputs and gradients.
def cell_case(module, x_shape, lstm=False):
    xc = torch.randn(*x_shape, requires_grad=True)
    hshape = x_shape[:-1] + (module.hidden_size,)
    hc = torch.randn(*hshape, requires_grad=True)
    cc = torch.randn(*hshape, requires_grad=True) if lstm else None
    if lstm:
        h2, c2 = module(xc, (hc, cc))
        loss_t = [h2, c2]
    else:
        h2 = module(xc, hc)
        loss_t = [h2]
    gs = [torch.randn_like(t) for t in loss_t]
    sum((t * g).sum() for t, g in zip(loss_t, gs)).backward()
    case = {"state": [[k, enc(v)] for k, v in module.state_dict().items()], "x": enc(xc), "h": enc(hc), "h2": enc(h2),
            "gh2": enc(gs[0]), "gx": enc(xc.grad), "gh": enc(hc.grad), "grads": grads_of(module)}
    if lstm:
        case.update({"c": enc(cc), "c2": enc(loss_t[1]), "gc2": enc(gs[1]), "gc": enc(cc.grad)})
    return case


out["cells"] = {
    "lstm_cell": cell_case(nn.LSTMCell(3, 4), (2, 3), lstm=True),
    "gru_cell_unbatched": cell_case(nn.GRUCell(3, 5), (3,)),
    "rnn_cell_relu_nobias": cell_case(nn.RNNCell(4, 3, bias=False, nonlinearity="relu"), (2, 4)),
}
bil = nn.Bilinear(3, 4, 5)
x1, x2 = torch.randn(2, 6, 3, requires_grad=True), torch.randn(2, 6, 4, requires_grad=True)
yb2 = bil(x1, x2)
gyb2 = torch.randn_like(yb2)
(yb2 * gyb2).sum().backward()
out["bilinear"] = {"state": [[k, enc(v)] for k, v in bil.state_dict().items()], "x1": enc(x1), "x2": enc(x2), "y": enc(yb2),
                   "gy": enc(gyb2), "gx1": enc(x1.grad), "gx2": enc(x2.grad), "grads": grads_of(bil)}
out["pools1d"] = {
    "max1d": pool_case(lambda t: nn.MaxPool1d(3, stride=2, padding=1)(t), (2, 3, 9)),
    "max1d_unbatched": pool_case(lambda t: nn.MaxPool1d(2)(t), (3, 8)),
    "avg1d": pool_case(lambda t: nn.AvgPool1d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)(t), (2, 3, 8)),
    "adaptive_avg1d": pool_case(lambda t: nn.AdaptiveAvgPool1d(4)(t), (2, 3, 7)),
}
idx = torch.tensor([[0, 3], [2, 1]])
out["one_hot"] = {"indices": enci(idx), "y": enci(F.one_hot(idx, 5)), "y_auto": enci(F.one_hot(idx))}


# Transformer decoders: output and gradients of target, memory and every parameter (dropout 0, training mode).
def decoder_case(model, tgt, mem, **kw):
    model.train()
    tgt = tgt.clone().requires_grad_(True)
    mem = mem.clone().requires_grad_(True)
    yd = model(tgt, mem, **kw)
    gyd = torch.randn_like(yd)
    (yd * gyd).sum().backward()
    return {"state": [[k, enc(v)] for k, v in model.state_dict().items()], "tgt": enc(tgt), "memory": enc(mem), "y": enc(yd),
            "gy": enc(gyd), "gtgt": enc(tgt.grad), "gmemory": enc(mem.grad), "grads": grads_of(model)}


dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True),
                            num_layers=2, norm=nn.LayerNorm(8))
dmask = nn.Transformer.generate_square_subsequent_mask(4)
mkpm = torch.tensor([[False] * 6, [False, False, False, False, True, True]])
out["decoders"] = {
    "decoder_post_norm": decoder_case(dec, torch.randn(2, 4, 8), torch.randn(2, 6, 8), tgt_mask=dmask,
                                      memory_key_padding_mask=mkpm),
    "decoder_layer_pre_norm_gelu": decoder_case(
        nn.TransformerDecoderLayer(8, 4, dim_feedforward=12, dropout=0.0, activation="gelu", norm_first=True),
        torch.randn(3, 2, 8), torch.randn(5, 2, 8)),
}
out["decoders"]["decoder_post_norm"]["memory_key_padding_mask"] = enc(mkpm.double())


# EmbeddingBag: outputs and weight gradients for each mode and input form.
def bag_case(module, inp, offsets=None, psw=None):
    yb3 = module(inp, offsets, per_sample_weights=psw)
    gyb3 = torch.randn_like(yb3)
    (yb3 * gyb3).sum().backward()
    case = {"weight": enc(module.weight), "input": enci(inp), "y": enc(yb3), "gy": enc(gyb3), "gw": enc(module.weight.grad)}
    if offsets is not None:
        case["offsets"] = enci(offsets)
    if psw is not None:
        case["psw"] = enc(psw)
        case["gpsw"] = enc(psw.grad)
    return case


bag_idx = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9, 0])
bag_off = torch.tensor([0, 4, 4, 7])
psw2 = torch.randn(2, 3, requires_grad=True)
out["embedding_bag"] = {
    "mean_offsets_padding": bag_case(nn.EmbeddingBag(10, 3, mode="mean", padding_idx=2), bag_idx, bag_off),
    "sum_2d_weights": bag_case(nn.EmbeddingBag(10, 3, mode="sum"), torch.tensor([[1, 2, 4], [4, 3, 9]]), None, psw2),
    "max_include_last": bag_case(nn.EmbeddingBag(10, 3, mode="max", include_last_offset=True), bag_idx, torch.tensor([0, 3, 3, 9])),
}


# Embedding with max_norm: the looked-up rows are renormalised in place before the lookup.
def renorm_case(module, ids):
    w0 = module.weight.detach().clone()
    ye2 = module(ids)
    gye2 = torch.randn_like(ye2)
    (ye2 * gye2).sum().backward()
    return {"weight0": enc(w0), "ids": enci(ids), "weight1": enc(module.weight), "y": enc(ye2), "gy": enc(gye2),
            "gw": enc(module.weight.grad)}


out["embedding_max_norm"] = {
    "l2": renorm_case(nn.Embedding(6, 3, max_norm=1.0), torch.tensor([[0, 2, 5], [2, 2, 1]])),
    "l1_padding": renorm_case(nn.Embedding(6, 4, max_norm=1.5, norm_type=1.0, padding_idx=1), torch.tensor([3, 1, 4, 3])),
}


# CTC loss: values and gradients with respect to the logits (through log_softmax).
def ctc_case(shape, targets, input_lengths, target_lengths, **kw):
    logits = torch.randn(*shape, requires_grad=True)
    loss = F.ctc_loss(logits.log_softmax(-1), targets, input_lengths, target_lengths, **kw)
    g = torch.randn_like(loss) if loss.dim() > 0 else torch.tensor(1.0)
    (loss * g).sum().backward()
    return {"logits": enc(logits), "targets": enci(targets), "input_lengths": input_lengths, "target_lengths": target_lengths,
            "loss": enc(loss), "gloss": enc(g), "glogits": enc(logits.grad)}


ctc_targets = torch.tensor([[1, 1, 2, 3], [4, 2, 0, 0], [3, 1, 3, 0]])
out["ctc"] = {
    "mean_padded": ctc_case((8, 3, 5), ctc_targets, [8, 7, 5], [4, 2, 3]),
    "sum_concatenated": ctc_case((8, 3, 5), torch.tensor([1, 1, 2, 3, 4, 2, 3, 1, 3]), [8, 7, 5], [4, 2, 3], reduction="sum"),
    "none_blank_last": ctc_case((6, 2, 4), torch.tensor([[0, 1], [2, 2]]), [6, 6], [2, 2], blank=3, reduction="none"),
    "zero_infinity": ctc_case((6, 2, 5), torch.tensor([[1, 2, 3], [2, 2, 1]]), [6, 3], [3, 3], zero_infinity=True, reduction="sum"),
}


# The functional namespace: values and input gradients.
def functional_case(fn, *shapes, **kw):
    inputs = [torch.randn(*sh, requires_grad=True) for sh in shapes]
    y = fn(*inputs, **kw)
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    return {"inputs": [enc(t) for t in inputs], "y": enc(y), "gy": enc(gy), "gx": [enc(t.grad) for t in inputs]}


def batch_norm_case(training, momentum):
    x = torch.randn(4, 3, 5, requires_grad=True)
    w = torch.randn(3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    rm, rv = torch.randn(3), torch.rand(3) + 0.5
    rm0, rv0 = rm.clone(), rv.clone()
    y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=momentum, eps=1e-4)
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    return {"x": enc(x), "w": enc(w), "b": enc(b), "rm0": enc(rm0), "rv0": enc(rv0), "rm1": enc(rm), "rv1": enc(rv),
            "y": enc(y), "gy": enc(gy), "gx": enc(x.grad), "gw": enc(w.grad), "gb": enc(b.grad)}


out["functional"] = {
    "normalize": functional_case(lambda x: F.normalize(x, p=2.0, dim=1), (3, 4)),
    "normalize_p1_dim0": functional_case(lambda x: F.normalize(x, p=1.0, dim=0), (3, 4)),
    "cosine_similarity": functional_case(lambda a, b: F.cosine_similarity(a, b, dim=1), (4, 5), (4, 5)),
    "cosine_similarity_broadcast": functional_case(lambda a, b: F.cosine_similarity(a, b, dim=-1), (3, 1, 4), (2, 4)),
    "pairwise_distance": functional_case(lambda a, b: F.pairwise_distance(a, b), (4, 5), (4, 5)),
    "pairwise_distance_p3_keepdim": functional_case(lambda a, b: F.pairwise_distance(a, b, p=3.0, keepdim=True), (4, 5), (4, 5)),
    "max_pool1d": functional_case(lambda x: F.max_pool1d(x, kernel_size=3, stride=2, padding=1), (2, 3, 9)),
    "avg_pool1d": functional_case(lambda x: F.avg_pool1d(x, kernel_size=3, stride=2, padding=1, count_include_pad=False), (2, 3, 9)),
    "adaptive_avg_pool1d": functional_case(lambda x: F.adaptive_avg_pool1d(x, 4), (2, 3, 9)),
    "adaptive_max_pool1d": functional_case(lambda x: F.adaptive_max_pool1d(x, 4), (2, 3, 9)),
    "pad_reflect": functional_case(lambda x: F.pad(x, (2, 1, 1, 0), mode="reflect"), (2, 3, 4)),
    "layer_norm": functional_case(lambda x, w, b: F.layer_norm(x, (4,), w, b, eps=1e-3), (3, 4), (4,), (4,)),
    "local_response_norm": functional_case(lambda x: F.local_response_norm(x, 3, alpha=0.01, beta=0.75, k=2.0), (2, 5, 3, 3)),
}
out["functional_batch_norm"] = {
    "training": batch_norm_case(True, 0.2),
    "eval": batch_norm_case(False, 0.1),
}

with open(OUT, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", OUT, "with torch", torch.__version__)
