# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lineare Regression mit Gradientenabstieg: GD, RMSprop und Adam
#
# *Katrin Vogel, Übungsblatt 4 zur Vorlesung "Maschinelles Lernen für Ingenieure", WS 2023/24*
#
# Wir passen eine Gerade $\hat y = w_0 x + w_1$ an fünf Messpunkte an. Dafür brauchen wir keinen
# Gradientenabstieg (die Normalgleichungen lösen das Problem exakt), aber gerade deshalb ist es ein
# gutes Testproblem: Wir kennen die richtige Antwort und können sehen, wie schnell und wie genau
# die Verfahren sie finden.
#
# Die Verlustfunktion ist der mittlere quadratische Fehler
#
# $$L(w) = \frac{1}{5} \sum_{i=1}^{5} (w_0 x_i + w_1 - y_i)^2 .$$
#
# Sie ist ein quadratisches Polynom in $(w_0, w_1)$ mit positiv definiter Hesse-Matrix
# $\frac{2}{5}\sum_i \begin{pmatrix} x_i^2 & x_i \\ x_i & 1 \end{pmatrix}$, also konvex: ein
# elliptisches Paraboloid mit genau einem Minimum.

# %%
import matplotlib.pyplot as plt
import numpy as np

x_data = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
y_data = np.array([1.1, 2.9, 5.2, 6.8, 9.1])


def loss(w):
    residual = w[0] * x_data + w[1] - y_data
    return np.mean(residual**2)


def grad_loss(w):
    residual = w[0] * x_data + w[1] - y_data
    return np.array([2 * np.mean(residual * x_data), 2 * np.mean(residual)])


# %% [markdown]
# Zum Vergleich die exakte Lösung mit `np.polyfit`: $w_0 = 1.99$, $w_1 = 1.04$, also liegt das
# Minimum der Verlustfunktion bei $(1.99, 1.04)$, mit $L = 0.0214$. Die Verlustfunktion wird nicht
# null, weil die Punkte nicht exakt auf einer Geraden liegen.

# %%
w_exact = np.polyfit(x_data, y_data, 1)
print("exakt:", w_exact, "Verlust:", loss(w_exact))

# %% [markdown]
# ## Die Verlustlandschaft
#
# Weil `loss` einen Vektor erwartet, werten wir sie auf dem Gitter punktweise aus.

# %%
w0_grid = np.linspace(0, 4, 161)
w1_grid = np.linspace(-2, 3, 201)
W0, W1 = np.meshgrid(w0_grid, w1_grid)
L = np.array([[loss(np.array([a, b])) for a in w0_grid] for b in w1_grid])

plt.figure(figsize=(7, 5))
plt.contour(W0, W1, L, levels=30)
plt.plot(*w_exact, "rx", markersize=10)
plt.xlabel("$w_0$ (Steigung)")
plt.ylabel("$w_1$ (Achsenabschnitt)")
plt.title("MSE-Verlust")
plt.savefig("verlust.png")

# %% [markdown]
# ## Gradientenabstieg "bis zur Konvergenz"
#
# Die erste Version läuft so lange, bis der Verlust (praktisch) null ist:

# %%
w = np.array([0.0, 0.0])
lr = 0.05
schritte = 0
while True:
    w = w - lr * grad_loss(w)
    schritte += 1
    if loss(w) < 1e-6:
        break
print(schritte, "Schritte:", w, loss(w))

# %% [markdown]
# ## RMSprop
#
# RMSprop teilt den Gradienten komponentenweise durch die Wurzel eines gleitenden Mittels der
# quadrierten Gradienten:
#
# $$s_t = \rho\, s_{t-1} + (1 - \rho)\, g_t^2$$
#
# $$w_t = w_{t-1} - \eta\, \frac{g_t}{\sqrt{s_t} + \epsilon}$$

# %%
def rmsprop_step(w, dw, cache, lr=0.01, decay=0.9, eps=1e-8):
    cache = decay * cache + (1 - decay) * dw**2
    w = w - lr * dw / (cache + eps)
    return w, cache


w = np.array([0.0, 0.0])
cache = np.zeros(2)
verlauf_rms = [w.copy()]
for i in range(500):
    w, cache = rmsprop_step(w, grad_loss(w), cache)
    verlauf_rms.append(w.copy())
verlauf_rms = np.array(verlauf_rms)
print("RMSprop:", verlauf_rms[-1], loss(verlauf_rms[-1]))

# %% [markdown]
# ## Adam
#
# $$m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2$$
#
# $$\hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t}$$
#
# $$w_t = w_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}$$

# %%
def adam_update(w, dw, state, lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8):
    state["t"] += 1
    state["m"] = beta1 * state["m"] + (1 - beta1) * dw
    state["v"] = beta2 * state["v"] + (1 - beta2) * dw**2
    m_hat = state["m"] / (1 - beta1 ** state["t"])
    v_hat = state["v"] / (1 - beta2 ** state["t"])
    return w - lr * m_hat / (np.sqrt(v_hat) - eps)


w = np.array([0.0, 0.0])
state = {"t": 0, "m": np.zeros(2), "v": np.zeros(2)}
verlauf_adam = [w.copy()]
for i in range(1000):
    w = adam_update(w, grad_loss(w), state)
    verlauf_adam.append(w.copy())
verlauf_adam = np.array(verlauf_adam)
print("Adam:", verlauf_adam[-1], loss(verlauf_adam[-1]))

# %%
plt.figure(figsize=(7, 5))
plt.contour(W0, W1, L, levels=30)
plt.plot(verlauf_rms[:, 0], verlauf_rms[:, 1], "g.-", label="RMSprop (lr 0.01)")
plt.plot(verlauf_adam[:, 0], verlauf_adam[:, 1], "b.-", label="Adam (lr 0.05)")
plt.plot(*w_exact, "rx", markersize=10)
plt.legend()
plt.savefig("pfade.png")
np.save("verlauf_adam.npy", verlauf_adam)

# %% [markdown]
# ## Ergebnis
#
# Adam trifft die exakte Lösung $(1.99, 1.04)$ nach 1000 Schritten auf alle angezeigten Stellen.
# RMSprop ist nach 500 Schritten erst bei etwa $(0.20, 0.58)$: Die Schrittweite wird durch
# $s_t$ geteilt, und solange die Gradienten groß sind, sind die Schritte winzig. Mehr Schritte
# oder eine größere Lernrate würden helfen.
