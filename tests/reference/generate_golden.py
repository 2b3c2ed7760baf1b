"""Generate golden trajectories with the real ``torch.optim``, in float64.

    pip install torch==2.13.0    # a CPU build; never plain `torch`
    python tests/reference/generate_golden.py

For every built-in optimizer, several hyperparameter sets (weight decay, amsgrad, nesterov,
centered, maximize, decoupled weight decay among them), on four surfaces, three starts each
as one batch, torch's optimizer steps on the surface's exact gradient (the same NumPy gradient
optverify uses, so the comparison isolates the update rules). Writes ``golden.npz`` (the
trajectories) and ``golden.json`` (what each case is) beside this script.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from optverify.adapters.torch_optim import torch_kwargs
from optverify.symbolic import surfaces

HERE = Path(__file__).parent
STEPS = 60

STARTS = {
    "seed": [[0.5, 5.8], [-1.0, 0.5], [2.0, -2.0]],
    "rosenbrock": [[-1.2, 1.0], [0.5, 2.0], [1.5, 1.5]],
    "himmelblau": [[0.0, 0.0], [-4.0, 4.0], [4.0, -4.0]],
    "bowl": [[-7.0, 2.0], [5.0, -3.0], [1.0, 1.0]],
}

# Plain-gradient methods need a smaller step on the steep surfaces to stay finite.
LR_SCALE = {"seed": 1.0, "rosenbrock": 0.05, "himmelblau": 0.2, "bowl": 1.0}
PLAIN = {"sgd", "momentum", "nesterov"}

CASES: dict[str, list[dict[str, Any]]] = {
    "sgd": [{"lr": 0.01}, {"lr": 0.002, "weight_decay": 0.1}, {"lr": 0.001, "maximize": True}],
    "momentum": [
        {"lr": 0.01, "momentum": 0.9},
        {"lr": 0.005, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05},
    ],
    "nesterov": [
        {"lr": 0.01, "momentum": 0.9},
        {"lr": 0.003, "momentum": 0.95, "weight_decay": 0.01},
    ],
    "adagrad": [
        {"lr": 0.1},
        {
            "lr": 0.2,
            "lr_decay": 0.01,
            "weight_decay": 0.01,
            "initial_accumulator_value": 0.1,
            "eps": 1e-8,
        },
    ],
    "adadelta": [{"lr": 1.0}, {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.01}],
    "rmsprop": [
        {"lr": 0.01},
        {"lr": 0.01, "centered": True},
        {"lr": 0.005, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.01},
    ],
    "adam": [
        {"lr": 0.05},
        {"lr": 0.02, "b1": 0.8, "b2": 0.99, "eps": 1e-6, "weight_decay": 0.05},
        {"lr": 0.01, "maximize": True},
    ],
    "amsgrad": [{"lr": 0.05}, {"lr": 0.02, "b1": 0.5, "b2": 0.9, "weight_decay": 0.01}],
    "adamw": [{"lr": 0.05}, {"lr": 0.05, "weight_decay": 0.1}],
    "adamax": [{"lr": 0.05}, {"lr": 0.02, "b1": 0.8, "b2": 0.95, "weight_decay": 0.01}],
    "nadam": [
        {"lr": 0.05},
        {"lr": 0.02, "momentum_decay": 0.01, "weight_decay": 0.01},
        {"lr": 0.02, "weight_decay": 0.05, "decoupled_weight_decay": True},
    ],
    "radam": [
        {"lr": 0.05},
        {"lr": 0.02, "b2": 0.9, "weight_decay": 0.01},
        {"lr": 0.05, "weight_decay": 0.05, "decoupled_weight_decay": True},
    ],
}


def torch_trajectory(name: str, hyperparameters: dict[str, Any], surface_name: str) -> np.ndarray:
    surface = surfaces.get(surface_name)
    class_name, kwargs = torch_kwargs(name, hyperparameters)
    param = torch.tensor(STARTS[surface_name], dtype=torch.float64, requires_grad=True)
    optimizer = getattr(torch.optim, class_name)([param], **kwargs)
    points = [param.detach().numpy().copy()]
    for _ in range(STEPS):
        grad = surface.gradient(param.detach().numpy())
        param.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
        points.append(param.detach().numpy().copy())
    return np.stack(points)


def main() -> None:
    torch.set_default_dtype(torch.float64)
    arrays: dict[str, np.ndarray] = {}
    manifest: list[dict[str, Any]] = []
    for name, settings in CASES.items():
        for index, hyperparameters in enumerate(settings):
            for surface_name in STARTS:
                scaled = dict(hyperparameters)
                if name in PLAIN:
                    scaled["lr"] = hyperparameters["lr"] * LR_SCALE[surface_name]
                key = f"{name}-{index}-{surface_name}"
                arrays[key] = torch_trajectory(name, scaled, surface_name)
                manifest.append(
                    {
                        "key": key,
                        "optimizer": name,
                        "hyperparameters": scaled,
                        "surface": surface_name,
                        "starts": STARTS[surface_name],
                        "steps": STEPS,
                    }
                )
    np.savez_compressed(HERE / "golden.npz", **arrays)
    info = {"torch": torch.__version__, "dtype": "float64", "cases": manifest}
    (HERE / "golden.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"wrote {len(manifest)} trajectories with torch {torch.__version__}")


if __name__ == "__main__":
    main()
