import numpy as np
import torch 

x = torch.tensor(1.0)
y = torch.tensor(2.0)

w = torch.tensor(1.5,requires_grad=True)

# forward pass
y_hat = w*x
loss = (y_hat - y)**2 
print(loss)

# backward pass 
loss.backward()
w.grad

# f = w*x with w=2 
X = np.array([1,2,3,4],dtype=np.float32)
Y = np.array([2,4,6,8],dtype=np.float32)

W = 0.0 

# model prediction 
def forward(x):
    return W*x

# loss 
def loss(y,y_pred):
    return ((y-y_pred)**2).mean()

# gradient 
# MSE = 1/N * (w*x-y)**2 
# dJ/dw = 1/N* 2x * (w*x -y)

def gradient(x,y,y_pred):
    return np.dot(2*x, y_pred-y).mean()

print(f'Prediction before training:f(5)={forward(5):.3f}')

# training 
lr = 0.01
n_iters = 10 

for epoch in range(n_iters):
    y_pred = forward(X)
    l = loss(Y,y_pred)
    
    dw = gradient(X,Y,y_pred)
    
    W-=lr*dw
    
    if epoch % 1 ==0:
        print(f'epoch {epoch +1}: w = {w:.3f},loss={l:.8f}')
    
    
print(f'Prediction after training:f(5)={forward(5):.3f}')
