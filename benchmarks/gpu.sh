#!/bin/sh
# The GPU figures of benchmarks/README.md, on a machine with a CUDA GPU and a CUDA build of
# torch, from the project's root: about 6 minutes. Each step prints its own table.
set -e
python -c "import torch; assert torch.cuda.is_available(), 'no CUDA GPU'; print(torch.cuda.get_device_name())"
python -m pytest -q tests/core/test_epoch_block.py
python benchmarks/gpu.py --epochs 20000
python benchmarks/headless.py --epochs 20000 --repeats 3
python benchmarks/app.py --device cuda --epochs 20000 --repeats 1 --scale 0
