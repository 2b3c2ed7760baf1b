# Adam 직접 구현해보기 (NumPy)
# 2변수 함수 f(x, y) 위에서 Adam 이 최솟값을 찾아가는 과정을 그려본다.
import numpy as np


def f(x, y):
    return 0.5*x**2 + 2*y**2 + 0.3*x*y - x + y


# f 를 x, y 로 각각 편미분
def df(x, y):
    dx = x + 0.3*y - 1
    dy = 4*y + 0.3*x + 1
    return dx, dy


# 모멘트들을 저장해 둘 cache (나중에 그래프 그릴 때도 씀)
cache = {'m': {'x': [], 'y': []}, 'v': {'x': [], 'y': []}}


def adam(x, y, cache, lr=0.05, beta1=0.9, beta2=0.999):
    t = cache.get('t', 0) + 1   # 반복 횟수 (time step)
    dx, dy = df(x, y)

    if len(cache['m']['x']) == 0:   # 첫 스텝: m_0 = v_0 = 0
        mx = (1 - beta1) * dx
        my = (1 - beta1) * dy
        vx = (1 - beta2) * dx**2
        vy = (1 - beta2) * dy**2
    else:
        mx = beta1 * cache['m']['x'][-1] + (1 - beta1) * dx
        my = beta1 * cache['m']['y'][-1] + (1 - beta1) * dy
        vx = beta2 * cache['v']['x'][-1] + (1 - beta2) * dx**2
        vy = beta2 * cache['v']['y'][-1] + (1 - beta2) * dy**2

    cache['m']['x'].append(mx)
    cache['m']['y'].append(my)
    cache['v']['x'].append(vx)
    cache['v']['y'].append(vy)

    # 편향 보정 (bias correction)
    hat_mx = mx / (1 - beta1**t)
    hat_my = my / (1 - beta1**t)
    hat_vx = vx / (1 - beta2**t)
    hat_vy = vy / (1 - beta2**t)

    x = x - lr * hat_mx / (np.sqrt(hat_vx) + 1e-8)
    y = y - lr * hat_my / (np.sqrt(hat_vy) + 1e-8)
    return x, y


if __name__ == '__main__':
    import matplotlib.pyplot as plt

    adamX, adamY = [-1.5], [1.5]
    for i in range(100):
        x, y = adam(adamX[-1], adamY[-1], cache)
        adamX.append(x)
        adamY.append(y)

    X, Y = np.meshgrid(np.arange(-2, 3, 0.05), np.arange(-2, 2, 0.05))
    plt.contour(X, Y, f(X, Y), levels=30)
    plt.plot(adamX, adamY, 'o-', ms=2, color='red')
    plt.title('Adam')
    plt.show()
