import torch

# f = w * x

# here f = 2 * x
X = torch.tensor([1, 2, 3, 4], dtype=torch.float32)
Y = torch.tensor([2, 4, 6, 8], dtype=torch.float32)

# start predicting w from 0.0 to 2
def initW_pt():
    return torch.tensor(0.0, dtype=torch.float32, requires_grad=True)

# precision for loss loss
EPS = 1e-09

import torch.nn as nn

# model prediction
def forward(x):
    return w * x

w = initW_pt()
print(f'Prediction before training: f(5) = {forward(5):.3f}')

# Training
learning_rate = 0.01
n_iters = 100

loss = nn.MSELoss()
optimizer = torch.optim.SGD([w], lr=learning_rate)

for epoch in range(n_iters):
    # prediction = forward pass
    y_pred = forward(X)
    
    # loss 
    l = loss(Y, y_pred)
    
    # gradients = backward pass
    l.backward() # dLoss/dw
    
    # update weights
    optimizer.step()
    
    # remember to empty gradients for next calculation
    optimizer.zero_grad()
    
    if epoch % 10 == 0:
        print(f'epoch {epoch+1}: w = {w:3f}, loss = {l:.8f}')
    
    # break if loss is too small that it's negligible
    if l < EPS:
        break

print(f'Prediction before training: f(5) = {forward(5):.3f}')
