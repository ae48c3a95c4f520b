# Imports
import numpy as np
import torch

# TORCH IMPLEMENTATION
# We still do loss manually without optimization
# f = w * x (a linear combination of weights and inputs as any function)
# Let's go with f = 2 * x, so weight is 2. Ignore bias.
X = torch.tensor([1, 2, 3, 4], dtype=torch.float32)  # 1, 2, 3, 4 are training samples
Y = torch.tensor([2, 4, 6, 8], dtype=torch.float32)  # 2, 4, 6, 8 are corresponding outputs

w = torch.tensor(0.0, dtype=torch.float32, requires_grad=True)  # initial weight

# model prediction
def forward_pass(x):
    return w * x

# loss
def loss_function(y, y_predicted):
    return ((y_predicted - y) ** 2).mean() # mean squared error

print(f'Prediction before training: f(17) = {forward_pass(17):.3f}')

# Parameters
learning_rate = 0.01
num_epochs = 100  # Numerical gradient computation is more accurate
# Backpropagation less so, but more suited for complex tasks
# We'll just take more epochs for this

# Training loop
for epoch in range(num_epochs):
    # prediction = forward pass
    y_pred = forward_pass(X)
    # loss
    l = loss_function(Y, y_pred)
    # gradients
    l.backward()  # Pytorch's backward pass dl/dw

    # update weights
    # We go in the negative direction of training of gradient
    # In this case it should not be part of the gradient computation graph
    with torch.no_grad():
        w -= learning_rate * w.grad

    # Additionally reset gradients to zero
    w.grad.zero_()

    if epoch % 10 == 0:
        print(f'Epoch {epoch + 1}: weight = {w:.3f}, loss = {l:.8f}')

print(f'Prediction after training: f(17) = {forward_pass(17):.3f}')
