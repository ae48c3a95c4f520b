# Imports
import numpy as np
import torch

# MANUAL IMPLEMENTATION
# f = w * x (a linear combination of weights and inputs as any function)
# Let's go with f = 2 * x, so weight is 2. Ignore bias.
X = np.array([1, 2, 3, 4], dtype=np.float32)  # 1, 2, 3, 4 are training samples
Y = np.array([2, 4, 6, 8], dtype=np.float32)  # 2, 4, 6, 8 are corresponding outputs

w = 0.0  # initial weight

# model prediction
def forward_pass(x):
    return w * x

# loss
def loss_function(y, y_predicted):
    return ((y_predicted - y) ** 2).mean() # mean squared error

# gradient
# mean squared error = 1/N * (w * x - y) ** 2
# dJ/dw = 1/N 2 * (w * x - y)
def gradient(x, y, y_predicted):
    return np.dot(2 * x, (y_predicted - y)).mean()

print(f'Prediction before training: f(17) = {forward_pass(17):.3f}')

# Parameters
learning_rate = 0.01
num_epochs = 20

# Training loop
for epoch in range(num_epochs):
    # prediction = forward pass
    y_pred = forward_pass(X)
    # loss
    l = loss_function(Y, y_pred)
    # gradients
    dw = gradient(X, Y, y_pred)

    # update weights
    # We go in the negative direction of training of gradient
    w -= learning_rate * dw

    if epoch % 2 == 0:
        print(f'Epoch {epoch + 1}: weight = {w:.3f}, loss = {l:.8f}')

print(f'Prediction after training: f(17) = {forward_pass(17):.3f}')
