"""A first tour of jaxtorch: tensors, dtypes, views, autograd — written exactly as PyTorch code."""

import jaxtorch as torch

# Tensors and arithmetic (note: `/` on an integer tensor gives floats, as in torch)
t = torch.tensor([[1, 2, 3], [4, 5, 6]])
print("t =", t)
print("t + 1 =", t + 1)
print("t - 1 =", t - 1)
print("t * 2 =", t * 2)
print("t / 2 =", t / 2)

# Autograd
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * x
y.backward(torch.ones_like(y))
print("x.grad =", x.grad)

# y.backward() on a non-scalar raises exactly as torch does
try:
    (x * x).backward()
except RuntimeError as e:
    print("RuntimeError:", e)

# Views share storage: writing through a slice changes the base
base = torch.zeros(2, 3)
base[0].fill_(1.0)
base.t()[2] += 5
print("base =", base)

# Second derivatives with create_graph=True
z = torch.tensor(2.0, requires_grad=True)
(dz,) = torch.autograd.grad(z ** 3, z, create_graph=True)
(d2z,) = torch.autograd.grad(dz, z)
print("d/dz z^3 at 2 =", dz.item(), " d2/dz2 =", d2z.item())

# A tiny model fitted by gradient descent
torch.manual_seed(0)
X = torch.randn(64, 3)
w_true = torch.tensor([[1.5], [-2.0], [0.5]])
Y = X @ w_true + 0.1
w = torch.zeros(3, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for step in range(200):
    loss = ((X @ w + b - Y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
        w.grad.zero_()
        b.grad.zero_()
print(f"fitted w = {w.detach().reshape(-1).tolist()}, b = {b.item():.3f}, loss = {loss.item():.2e}")
