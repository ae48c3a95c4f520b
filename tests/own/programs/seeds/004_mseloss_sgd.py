import torch.nn as nn
import torch

X = torch.tensor([1,2,3,4],dtype=torch.float32)
Y = torch.tensor([2,4,6,8],dtype=torch.float32)

W = torch.tensor(0.0,dtype=torch.float32,requires_grad=True) 

# model prediction 
def forward(x):
    return W*x

# loss 
loss = nn.MSELoss()
optimizer = torch.optim.SGD([W],lr=0.01)


#print(f'Prediction before training:f(5)={forward(5):.3f}')

# training 
n_iters = 10 

for epoch in range(n_iters):
    y_pred = forward(X)
    
    l = loss(Y,y_pred)
    
    #dw = gradient(X,Y,y_pred)
    l.backward()
    # W-=lr*dw
    
    optimizer.step()
        
    optimizer.zero_grad()
        
    
    if epoch % 1 ==0:
        print(f'epoch {epoch +1}: w = {W:.3f},loss={l:.8f}')
    
