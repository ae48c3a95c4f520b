import torch.nn as nn
import torch

X = torch.tensor([[1],[2],[3],[4]],dtype=torch.float32)
Y = torch.tensor([[2],[4],[6],[8]],dtype=torch.float32)
X_test = torch.tensor([5],dtype=torch.float32)
num_smaples,num_features = X.shape

# model prediction 
model = nn.Linear(num_features,num_features)

# loss 
loss = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(),lr=0.001)


#print(f'Prediction before training:f(5)={forward(5):.3f}')

# training 
n_iters = 1000

for epoch in range(n_iters):
    y_pred = model(X)
    
    l = loss(Y,y_pred)
    
    #dw = gradient(X,Y,y_pred)
    l.backward()
    # W-=lr*dw
    
    optimizer.step()
        
    optimizer.zero_grad()
        
    
    if epoch % 100 ==0:
        [w,b] = model.parameters()
        print(f'epoch {epoch +1}: w = {w[0][0]:.3f},loss={l:.8f}')
    
    
print(f'Prediction after training:f(5)={model(X_test).item():.3f}')
