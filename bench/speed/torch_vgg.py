"""PyTorch reference for `npm run bench -- speed`: trains the same small VGG
as src/engine/zoo/vgg.ts (same layers, batch and input) on the CPU and prints
one JSON line with images/s. Usage: python3 torch_vgg.py STEPS BATCH THREADS"""
import json
import statistics
import sys
import time

import torch
from torch import nn


def vgg(channels=1, classes=10, size=28):
    layers, width = [], channels
    for filters in (16, 32, 64):
        for _ in range(2):
            layers += [nn.Conv2d(width, filters, 3, padding=1), nn.BatchNorm2d(filters), nn.ReLU()]
            width = filters
        layers.append(nn.MaxPool2d(2))
    side = size // 8
    layers += [nn.Flatten(), nn.Linear(width * side * side, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, classes)]
    return nn.Sequential(*layers)


def main():
    steps, batch, threads = (int(arg) for arg in sys.argv[1:4])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = vgg()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.rand(batch, 1, 28, 28)
    labels = torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(3):
        step()
    # The median step, as the tfjs paths report it: robust to bursts of load from other processes.
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    print(json.dumps({"imagesPerSec": batch / statistics.median(times), "steps": steps, "batchSize": batch,
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
