"""One script, run by real torch and by jaxtorch (see hf_models.py): tiny timm models from the same initial weights
(torch.save'd by the torch run, torch.load'ed by the jaxtorch run), trained three AdamW steps; the test compares the
recorded numbers. ResNet-18's trajectory runs in float64 (see the end of this file).

usage: timm_models.py OUT_DIR MODEL [MODEL ...]    (MODEL: resnet18, vit)
Under real torch timm needs torchvision, which cannot be installed next to the CPU torch used here: the test puts a
stand-in on PYTHONPATH (tests/integration/torchvision_stub).
"""

import os
import sys

import numpy as np
import torch

OUT = sys.argv[1]
ROLE = os.environ["HF_ROLE"]


def to_np(t):
    return t.detach().numpy()


def build(name):
    import timm

    if name == "resnet18":
        # zero_init_last=False: timm zeroes each block's last BatchNorm weight by default, which leaves the residual
        # branches with exactly zero gradient on the first step; AdamW then turns the next steps' tiny gradients
        # into full-size updates whose signs are float rounding noise, and no two implementations agree on those
        return timm.create_model("resnet18", pretrained=False, num_classes=10, zero_init_last=False)
    if name == "vit":
        return timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=64, patch_size=16, num_classes=10,
                                 drop_rate=0.0, drop_path_rate=0.0)
    raise SystemExit(f"unknown model {name}")


def run(name, dtype=torch.float32, steps=3):
    torch.manual_seed(0)
    model = build(name)
    init = os.path.join(OUT, f"{name}.init.pt")
    if ROLE == "torch" and dtype == torch.float32:
        torch.save(model.state_dict(), init)
    else:
        model.load_state_dict(torch.load(init), strict=True)
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((4, 3, 64, 64)), dtype=torch.float32).to(dtype)
    model.to(dtype)
    y = torch.tensor(rng.integers(0, 10, size=(4,)), dtype=torch.long)
    res = {}
    model.train()
    logits = model(x)
    loss = torch.nn.functional.cross_entropy(logits, y)
    res["logits"], res["loss"] = to_np(logits), to_np(loss)
    loss.backward()
    for k, p in model.named_parameters():
        res["grad." + k] = to_np(p.grad)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(to_np(loss))
    res["step_losses"] = np.array(losses, dtype=np.float64 if dtype == torch.float64 else np.float32)
    for k, v in model.state_dict().items():  # parameters and BatchNorm statistics
        res["state." + k] = to_np(v)
    model.eval()
    with torch.no_grad():
        res["eval_logits"] = to_np(model(x))
    suffix = "64" if dtype == torch.float64 else ""
    np.savez(os.path.join(OUT, f"{name}.{ROLE}{suffix}.npz"), **res)


for model_name in sys.argv[2:]:
    if model_name == "resnet18":
        # BatchNorm over four images amplifies float32 rounding over the steps: float32 for the first forward and
        # backward, the training trajectory in float64 (where only the computation, not rounding, can differ)
        run(model_name, steps=0)
        run(model_name, torch.float64)
    else:
        run(model_name)
