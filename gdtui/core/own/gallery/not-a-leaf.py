# y = 2x, learned by gradient descent with autograd: w = w - … in the update.
import torch

X = torch.tensor([1, 2, 3, 4], dtype=torch.float32)
Y = torch.tensor([2, 4, 6, 8], dtype=torch.float32)

w = torch.tensor(0.0, dtype=torch.float32, requires_grad=True)


def forward(x):
    return w * x


def loss(y, y_predicted):
    return ((y - y_predicted) ** 2).mean()


learning_rate = 0.01
n_iters = 20
losses = []

for epoch in range(n_iters):
    y_pred = forward(X)
    l = loss(Y, y_pred)
    l.backward()
    with torch.no_grad():
        w = w - learning_rate * w.grad
    w.grad.zero_()
    losses.append(l.item())
    if epoch % 5 == 0:
        print(f"epoch {epoch + 1}: w = {w.item():.3f}, loss = {l.item():.8f}")

print(f"Prediction after training: f(5) = {forward(5).item():.3f}")
