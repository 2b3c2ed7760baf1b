"""100,000 starts x 500 Adam steps on the seed surface, float64, against three references.

    python benchmarks/bench_adam.py [--starts 100000] [--steps 500]

Each contender runs in a fresh subprocess (so peak memory is its own), all in this one run:

- ``optverify``: ``optverify.run(optimizers.adam(...), seed, starts, steps, record="final")``.
- ``fused NumPy``: the same math written by hand as one loop with in-place NumPy operations and
  the seed gradient hard-coded: what the abstraction would cost nothing over.
- ``torch.optim.Adam``: autograd of the seed surface on the same (N, 2) batch, 2 threads.
- ``optax + jax.jit``: optax's adam, the whole loop under ``jax.jit`` with ``lax.fori_loop``
  (only if ``import jax, optax`` works; compiled code is the ceiling to chase).

All start from the same points and are checked to end at the same points.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

import numpy as np

LR, B1, B2, EPS = 0.05, 0.9, 0.999, 1e-8


def starts(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.stack([rng.uniform(-2, 3, n), rng.uniform(-6, 7, n)], axis=-1)


def contender_optverify(p0: np.ndarray, steps: int) -> np.ndarray:
    from optverify import optimizers, run, surfaces

    trajectory = run(
        optimizers.adam(lr=LR, b1=B1, b2=B2, eps=EPS),
        surfaces.get("seed"),
        p0,
        steps,
        record="final",
    )
    return trajectory.final_points


def contender_fused(p0: np.ndarray, steps: int) -> np.ndarray:
    x, y = p0[:, 0].copy(), p0[:, 1].copy()
    n = len(x)
    mx, my, vx, vy = (np.zeros(n) for _ in range(4))
    gx, gy, a, b = (np.empty(n) for _ in range(4))
    for t in range(1, steps + 1):
        # gradient of the seed surface, written by hand
        np.multiply(y, y, out=a)  # y^2
        np.multiply(x, 0.6, out=b)  # 0.6 x
        gx[:] = b * y + b + 0.8 * a * x - 0.25 * a + 0.31 * y - 0.2
        np.multiply(x, x, out=a)  # x^2
        gy[:] = 0.8 * a * y + 0.3 * a - 0.5 * x * y + 0.31 * x + 0.6 * y + 2.1
        step_size = LR / (1 - B1**t)
        root = (1 - B2**t) ** 0.5
        for p, g, m, v in ((x, gx, mx, vx), (y, gy, my, vy)):
            np.subtract(g, m, out=a)
            a *= 1 - B1
            m += a
            v *= B2
            np.multiply(g, g, out=a)
            a *= 1 - B2
            v += a
            np.sqrt(v, out=a)
            a /= root
            a += EPS
            np.multiply(m, -step_size, out=b)
            b /= a
            p += b
    return np.stack([x, y], axis=-1)


def contender_torch(p0: np.ndarray, steps: int) -> np.ndarray:
    import torch

    torch.set_num_threads(2)
    torch.set_default_dtype(torch.float64)
    param = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([param], lr=LR, betas=(B1, B2), eps=EPS)
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=False)
        x, y = param[:, 0], param[:, 1]
        f = (
            0.4 * x**2 * y**2 + 0.3 * x**2 * y + 0.3 * x**2 + 0.3 * y**2
            - 0.25 * x * y**2 + 0.31 * x * y - 0.2 * x + 2.1 * y
        )  # fmt: skip
        f.sum().backward()
        optimizer.step()
    return param.detach().numpy().copy()


def contender_optax(p0: np.ndarray, steps: int) -> np.ndarray:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import optax

    def f(p: jax.Array) -> jax.Array:
        x, y = p[:, 0], p[:, 1]
        return jnp.sum(
            0.4 * x**2 * y**2 + 0.3 * x**2 * y + 0.3 * x**2 + 0.3 * y**2
            - 0.25 * x * y**2 + 0.31 * x * y - 0.2 * x + 2.1 * y
        )  # fmt: skip

    transform = optax.adam(LR, b1=B1, b2=B2, eps=EPS)

    @jax.jit
    def descend(p: jax.Array) -> jax.Array:
        def body(
            _: int, carry: tuple[jax.Array, optax.OptState]
        ) -> tuple[jax.Array, optax.OptState]:
            p, state = carry
            updates, state = transform.update(jax.grad(f)(p), state, p)
            return optax.apply_updates(p, updates), state

        return jax.lax.fori_loop(0, steps, body, (p, transform.init(p)))[0]

    return np.asarray(descend(jnp.asarray(p0)))


def _result_path(name: str) -> str:
    return f"/tmp/bench_adam_{''.join(c for c in name if c.isalnum())}.npy"


CONTENDERS = {
    "optverify": contender_optverify,
    "fused NumPy": contender_fused,
    "torch.optim.Adam": contender_torch,
    "optax + jax.jit": contender_optax,
}


def child(name: str, n: int, steps: int) -> None:
    p0 = starts(n)
    start = time.perf_counter()
    final = CONTENDERS[name](p0, steps)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    np.save(_result_path(name), final)
    print(json.dumps({"seconds": seconds, "peak_mib": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.starts, args.steps)
        return

    print(f"machine: {platform.machine()}, {platform.python_version()}, NumPy {np.__version__}")
    print(f"{args.starts:,} starts x {args.steps} Adam steps, float64; best of {args.repeats}")
    results: dict[str, dict[str, float]] = {}
    finals: dict[str, np.ndarray] = {}
    for name in CONTENDERS:
        best: dict[str, float] | None = None
        for _ in range(args.repeats):
            done = subprocess.run(
                [sys.executable, __file__, "--child", name, "--starts", str(args.starts),
                 "--steps", str(args.steps)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                reason = (done.stderr.strip().splitlines() or ["failed"])[-1]
                print(f"  {name}: skipped ({reason})")
                break
            measured = json.loads(done.stdout.strip().splitlines()[-1])
            if best is None or measured["seconds"] < best["seconds"]:
                best = measured
        if best is not None:
            results[name] = best
            finals[name] = np.load(_result_path(name))
    reference = finals["optverify"]
    ours = results["optverify"]["seconds"]
    print(
        f"{'contender':20s} {'seconds':>9s} {'peak MiB':>9s} {'optverify is':>14s} {'max |Δ|':>10s}"
    )
    for name, measured in results.items():
        ratio = measured["seconds"] / ours
        difference = float(np.max(np.abs(finals[name] - reference)))
        print(
            f"{name:20s} {measured['seconds']:9.3f} {measured['peak_mib']:9.1f} "
            f"{ratio:13.2f}x {difference:10.2e}"
        )
    print("('optverify is' = contender's time / optverify's time; > 1 means optverify is faster)")


if __name__ == "__main__":
    main()
