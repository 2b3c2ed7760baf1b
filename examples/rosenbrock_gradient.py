"""A hand-derived gradient of Rosenbrock's function, as a tutorial would write it.

    f(x, y) = (1 - x)**2 + 100*(y - x**2)**2

``df`` is right; ``df_with_a_slip`` drops the factor 2 of the chain rule in one term, the
kind of slip ``optverify audit-gradient`` finds term by term::

    optverify audit-gradient --surface rosenbrock --gradient examples/rosenbrock_gradient.py:df
    optverify audit-gradient --surface rosenbrock \\
        --gradient examples/rosenbrock_gradient.py:df_with_a_slip
"""


def df(x, y):
    dx = -2 * (1 - x) - 400 * x * (y - x**2)
    dy = 200 * (y - x**2)
    return dx, dy


def df_with_a_slip(x, y):
    dx = -2 * (1 - x) - 200 * x * (y - x**2)
    dy = 200 * (y - x**2)
    return dx, dy
