import numpy as np

# f = w * x

# here f = 2 * x
X = np.array([1, 2, 3, 4], dtype=np.float32)
Y = np.array([2, 4, 6, 8], dtype=np.float32)

# start predicting w from 0.0 to 2.0
def initW():
     return 0.0

# precision for loss loss
EPS = 1e-09

# model prediction
def forward(x):
    return w * x

# loss (MSE)
def loss(y, y_predicted):
    return ((y-y_predicted)**2).mean()

# gradient
# loss(MSE) = 1/N * (w*x - y)^2
# dLoss/dw = 1/N 2x (w*x - y)
def gradient(x, y, y_predicted):
    return np.dot(2*x, y_predicted-y).mean()
    

w = initW()
print(f'Prediction before training: f(5) = {forward(5):.3f}')

# Training
learning_rate = 0.01
n_iters = 100

for epoch in range(n_iters):
    # prediction = forward pass
    y_pred = forward(X)
    
    # loss 
    l = loss(Y, y_pred)
    
    # gradients
    dw = gradient(X, Y, y_pred)
    
    # update weights
    w -= learning_rate * dw
    
    if epoch % 10 == 0:
        print(f'epoch {epoch+1}: w = {w:3f}, loss = {l:.8f}')
    
    # break if loss is too small that it's negligible
    if l < EPS:
        break

print(f'Prediction before training: f(5) = {forward(5):.3f}')
