"""Optimizers for the JAX training loop (train_jax.py), built on optax.

    tx = adam(3e-4)
    opt_state = tx.init(params)
    updates, opt_state = tx.update(grads, opt_state, params)
    params = optax.apply_updates(params, updates)
"""
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax


def adam(learning_rate=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """Adam as a chain: moment scaling, then the (negative) step size."""
    return optax.chain(
        optax.scale_by_adam(b1=b1, b2=b2, eps=eps),
        optax.scale(-learning_rate),
    )


def adamw(learning_rate=1e-3, weight_decay=1e-4):
    return optax.adamw(learning_rate=learning_rate, weight_decay=weight_decay)


def rmsprop(learning_rate=1e-3, decay=0.9, eps=1e-8):
    return optax.rmsprop(learning_rate=learning_rate, decay=decay, eps=eps)


def nesterov(learning_rate=1e-2, momentum=0.9):
    return optax.sgd(learning_rate=learning_rate, momentum=momentum, nesterov=True)


class HeavyBallState(NamedTuple):
    velocity: optax.Updates


def heavy_ball(learning_rate=1e-2, beta=0.9):
    """Polyak momentum, PyTorch-style: v <- beta * v + g ; update = -lr * v."""

    def init_fn(params):
        return HeavyBallState(velocity=jax.tree_util.tree_map(jnp.zeros_like, params))

    def update_fn(updates, state, params=None):
        del params
        velocity = jax.tree_util.tree_map(lambda v, g: beta * v + g, state.velocity, updates)
        updates = jax.tree_util.tree_map(lambda v: -learning_rate * v, velocity)
        return updates, HeavyBallState(velocity=velocity)

    return optax.GradientTransformation(init_fn, update_fn)


class MyAdamState(NamedTuple):
    count: jax.Array
    mu: optax.Updates
    nu: optax.Updates


def my_adam(learning_rate=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """Adam written out by hand as a GradientTransformation (for the optax tutorial)."""

    def init_fn(params):
        mu = jax.tree_util.tree_map(jnp.zeros_like, params)
        nu = jax.tree_util.tree_map(jnp.zeros_like, params)
        return MyAdamState(count=jnp.zeros([], jnp.int32), mu=mu, nu=nu)

    def update_fn(updates, state, params=None):
        del params
        mu = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, state.mu, updates)
        nu = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g**2, state.nu, updates)
        count = state.count + 1
        mu_hat = jax.tree_util.tree_map(lambda m: m / (1 - b1**count), mu)
        nu_hat = jax.tree_util.tree_map(lambda v: v / (1 - b2**count), nu)
        updates = jax.tree_util.tree_map(
            lambda m, v: -learning_rate * m / (jnp.sqrt(v) + eps), mu_hat, nu_hat
        )
        return updates, MyAdamState(count=state.count, mu=mu, nu=nu)

    return optax.GradientTransformation(init_fn, update_fn)
