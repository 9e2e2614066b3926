#!/usr/bin/env python3
"""Writes Tests/TorchCoreTests/Resources/optim_reference.json: parameter trajectories of torch.optim optimizers
on a fixed least-squares problem, in float64. Regenerate with torch installed:
    python3 scripts/make_optim_reference.py
"""
import json
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "TorchCoreTests", "Resources", "optim_reference.json")
torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
W0 = torch.randn(3, 4)
b0 = torch.randn(3)
X = torch.randn(6, 4)
Y = torch.randn(6, 3)


def enc(t):
    return {"shape": list(t.shape), "values": [float(v) for v in t.detach().reshape(-1).tolist()]}


CONFIGS = {
    "sgd": (torch.optim.SGD, dict(lr=0.05)),
    "sgd_momentum_wd": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    "sgd_nesterov": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    "adam": (torch.optim.Adam, dict(lr=0.01)),
    "adam_amsgrad_wd": (torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    "adamw": (torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
    "rmsprop": (torch.optim.RMSprop, dict(lr=0.01)),
    "rmsprop_centered_momentum": (torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.05)),
    "adagrad": (torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1)),
    "adadelta": (torch.optim.Adadelta, dict(lr=1.0, rho=0.8, weight_decay=0.03)),
    "adamax": (torch.optim.Adamax, dict(lr=0.02, betas=(0.8, 0.95), weight_decay=0.05)),
    "nadam": (torch.optim.NAdam, dict(lr=0.01, weight_decay=0.05)),
    "nadam_decoupled": (torch.optim.NAdam, dict(lr=0.01, betas=(0.85, 0.99), weight_decay=0.1, momentum_decay=0.01, decoupled_weight_decay=True)),
    # 10 steps reach the rectified branch (rho_t > 5) from step 7 with the default betas.
    "radam": (torch.optim.RAdam, dict(lr=0.01, weight_decay=0.05)),
    "radam_decoupled": (torch.optim.RAdam, dict(lr=0.01, betas=(0.9, 0.9), weight_decay=0.1, decoupled_weight_decay=True)),
}


class Lion(torch.optim.Optimizer):
    """The paper's Algorithm 2 (Chen et al., 2023), written out here because torch.optim has no Lion."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "exp_avg" not in state:
                    state["exp_avg"] = torch.zeros_like(p)
                m = state["exp_avg"]
                p.mul_(1 - group["lr"] * group["weight_decay"])
                p.add_((m * b1 + p.grad * (1 - b1)).sign(), alpha=-group["lr"])
                m.mul_(b2).add_(p.grad, alpha=1 - b2)


CONFIGS["lion"] = (Lion, dict(lr=0.01, betas=(0.9, 0.99), weight_decay=0.1))
out = {"W0": enc(W0), "b0": enc(b0), "X": enc(X), "Y": enc(Y), "trajectories": {}}
for name, (cls, kw) in CONFIGS.items():
    W = W0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    opt = cls([W, b], **kw)
    steps = []
    for _ in range(10):
        opt.zero_grad()
        loss = ((X @ W.T + b - Y) ** 2).mean()
        loss.backward()
        opt.step()
        steps.append({"W": enc(W), "b": enc(b), "loss": float(loss.detach())})
    out["trajectories"][name] = steps
# Learning-rate schedules: 12 epochs from lr 0.1.
SCHEDULES = {
    "step": lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    "multistep": lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[2, 5, 9], gamma=0.3),
    "exponential": lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
    "cosine": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "linear": lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4),
    "constant": lambda o: torch.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=3),
    "polynomial": lambda o: torch.optim.lr_scheduler.PolynomialLR(o, total_iters=8, power=2.0),
    "lambda": lambda o: torch.optim.lr_scheduler.LambdaLR(o, lr_lambda=lambda e: 1.0 / (1 + e)),
    "onecycle": lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=12),
    "onecycle_linear_three_phase": lambda o: torch.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.5, total_steps=12, pct_start=0.25, anneal_strategy="linear", three_phase=True,
        base_momentum=0.8, max_momentum=0.9, div_factor=10, final_div_factor=100),
    "onecycle_adam": lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.01, total_steps=12),
    "cyclic": lambda o: torch.optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3),
    "cyclic_triangular2": lambda o: torch.optim.lr_scheduler.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=3, mode="triangular2", cycle_momentum=False),
    "cyclic_exp_range": lambda o: torch.optim.lr_scheduler.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=2, mode="exp_range", gamma=0.9),
    "warm_restarts": lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
    "warm_restarts_fixed": lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=4),
    "sequential": lambda o: torch.optim.lr_scheduler.SequentialLR(
        o, [torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=3),
            torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.8),
            torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5)], milestones=[3, 7]),
}
out["schedules"] = {}
out["momenta"] = {}
for name, make in SCHEDULES.items():
    p = torch.zeros(1, requires_grad=True)
    o = torch.optim.Adam([p], lr=0.1) if name.endswith("_adam") else torch.optim.SGD([p], lr=0.1)
    s = make(o)
    lrs, momenta = [], []
    for _ in range(12):
        g = o.param_groups[0]
        lrs.append(g["lr"])
        momenta.append(g["betas"][0] if "betas" in g else g["momentum"])
        o.step()
        s.step()
    out["schedules"][name] = lrs
    out["momenta"][name] = momenta

# Chained and SWA schedules: 12 epochs from lr 0.1, like the schedules above.
LS = torch.optim.lr_scheduler
CHAINED = {
    "multiplicative": lambda o: LS.MultiplicativeLR(o, lr_lambda=lambda e: 0.9 if e % 2 else 0.97),
    "chained_constant_exponential": lambda o: LS.ChainedScheduler([LS.ConstantLR(o, factor=0.5, total_iters=4), LS.ExponentialLR(o, gamma=0.9)]),
    "chained_linear_step_multiplicative": lambda o: LS.ChainedScheduler([
        LS.LinearLR(o, start_factor=0.2, total_iters=5), LS.StepLR(o, step_size=3, gamma=0.5),
        LS.MultiplicativeLR(o, lr_lambda=lambda e: 0.95)]),
    "chained_cosine_multistep": lambda o: LS.ChainedScheduler([LS.CosineAnnealingLR(o, T_max=10), LS.MultiStepLR(o, milestones=[4, 8], gamma=0.5)]),
    "chained_polynomial_constant": lambda o: LS.ChainedScheduler([LS.PolynomialLR(o, total_iters=10, power=1.5), LS.ConstantLR(o, factor=0.25, total_iters=2)]),
    "swalr_cos": lambda o: torch.optim.swa_utils.SWALR(o, swa_lr=0.02, anneal_epochs=5, anneal_strategy="cos"),
    "swalr_linear": lambda o: torch.optim.swa_utils.SWALR(o, swa_lr=0.3, anneal_epochs=3, anneal_strategy="linear"),
    "swalr_immediate": lambda o: torch.optim.swa_utils.SWALR(o, swa_lr=0.05, anneal_epochs=0),
}
for name, make in CHAINED.items():
    p = torch.zeros(1, requires_grad=True)
    o = torch.optim.SGD([p], lr=0.1)
    s = make(o)
    lrs = []
    for _ in range(12):
        lrs.append(o.param_groups[0]["lr"])
        o.step()
        s.step()
    out["schedules"][name] = lrs

# L-BFGS on a non-quadratic loss (tanh regression), five steps each; the loss each closure call saw is recorded too.
LBFGS_CONFIGS = {
    "lbfgs": dict(lr=1.0, max_iter=6, history_size=3),
    "lbfgs_lr_tolerance": dict(lr=0.5, max_iter=4, history_size=10, tolerance_change=1e-4),
    "lbfgs_strong_wolfe": dict(lr=1.0, max_iter=5, history_size=4, line_search_fn="strong_wolfe"),
    "lbfgs_strong_wolfe_long": dict(lr=0.8, max_iter=20, max_eval=15, history_size=100, line_search_fn="strong_wolfe"),
}
out["lbfgs"] = {}
for name, kw in LBFGS_CONFIGS.items():
    W = W0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([W, b], **kw)
    evaluations = []

    def closure():
        opt.zero_grad()
        loss = ((torch.tanh(X @ W.T + b) - Y) ** 2).mean() + 0.05 * (W ** 4).sum()
        loss.backward()
        evaluations.append(float(loss.detach()))
        return loss

    steps = []
    for _ in range(5):
        returned = opt.step(closure)
        st = opt.state[W]
        steps.append({"W": enc(W), "b": enc(b), "returned": float(returned), "func_evals": st["func_evals"], "n_iter": st["n_iter"]})
    out["lbfgs"][name] = {"steps": steps, "evaluations": evaluations}

# AveragedModel (SWA and EMA) over a sequence of model states; update_bn on fixed batches.
torch.manual_seed(1)
net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
states = []
for k in range(4):
    with torch.no_grad():
        for prm in net.parameters():
            prm.copy_(torch.randn_like(prm))
        net[1].running_mean.copy_(torch.randn(4))
        net[1].running_var.copy_(torch.rand(4) + 0.5)
        net[1].num_batches_tracked.fill_(k + 1)
    states.append({kk: enc(v.double()) for kk, v in net.state_dict().items()})
averaged = {}
swa_utils = torch.optim.swa_utils
for name, make in {
    "swa": lambda m: swa_utils.AveragedModel(m),
    "ema_buffers": lambda m: swa_utils.AveragedModel(m, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.75), use_buffers=True),
}.items():
    holder = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    avg = make(holder)
    trace = []
    for st in states:
        holder.load_state_dict({kk: torch.tensor(v["values"]).reshape(v["shape"]).to(holder.state_dict()[kk].dtype) for kk, v in st.items()})
        avg.update_parameters(holder)
        trace.append({kk: enc(v.double()) for kk, v in avg.state_dict().items()})
    averaged[name] = {"keys": list(avg.state_dict().keys()), "trace": trace}
out["averaged"] = {"states": states, "runs": averaged}
torch.manual_seed(2)
batches = [torch.randn(5, 3) * 2 + 1 for _ in range(3)]
bn_net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4, momentum=0.3), torch.nn.ReLU(), torch.nn.BatchNorm1d(4))
bn_net.eval()
swa_utils.update_bn([(x_, torch.zeros(5)) for x_ in batches], bn_net)
out["update_bn"] = {
    "batches": [enc(x_) for x_ in batches],
    "state": {kk: enc(v.double()) for kk, v in bn_net.state_dict().items()},
    "training_after": bn_net.training,
    "momentum_after": bn_net[1].momentum,
}

# ReduceLROnPlateau on a fixed metric sequence.
METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.7, 0.7, 0.7, 0.7]
PLATEAUS = {
    "plateau_min": dict(patience=1, factor=0.5, cooldown=1, min_lr=0.02),
    "plateau_max_abs": dict(mode="max", patience=2, factor=0.3, threshold=0.01, threshold_mode="abs"),
}
out["plateau_metrics"] = METRICS
out["plateau"] = {}
for name, kw in PLATEAUS.items():
    p = torch.zeros(1, requires_grad=True)
    o = torch.optim.SGD([p], lr=0.1)
    s = torch.optim.lr_scheduler.ReduceLROnPlateau(o, **kw)
    lrs = []
    for m in METRICS:
        o.step()
        s.step(m)
        lrs.append(o.param_groups[0]["lr"])
    out["plateau"][name] = lrs

# Gradient clipping.
g1 = torch.tensor([3.0, -4.0])
g2 = torch.tensor([[1.0, 2.0], [-2.0, 0.5]])
p1 = torch.zeros(2, requires_grad=True)
p2 = torch.zeros(2, 2, requires_grad=True)
p1.grad = g1.clone()
p2.grad = g2.clone()
total = torch.nn.utils.clip_grad_norm_([p1, p2], max_norm=2.0)
out["clip"] = {"g1": enc(g1), "g2": enc(g2), "total": float(total), "c1": enc(p1.grad), "c2": enc(p2.grad)}

with open(OUT, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", OUT, "with torch", torch.__version__)
