"""PyTorch reference for the real-network speed benchmark (bench/speed/realNetwork.ts): the studio's default run from a
trained model, done by PyTorch on the CPU. ResNet-56 for CIFAR-10 (github.com/akamaster/pytorch_resnet_cifar10's
architecture, option A shortcuts) with a GFR gate after every BatchNormalization (s = sigmoid(W2 relu(W1 mean_hw(x) + b1)
+ b2), y = x * s, hidden width max(4, ceil(C / 4)); sr follows the batch mean of s), trained one epoch at batch BATCH with
Adam 3e-4 on FIT images: loss 0.3 * cross-entropy + 0.7 * distillation at T = 4 from the teacher (the same network
without gates, its forward pass on every batch, as in the studio's first epoch), plus 1e-4 * the gates' sum; every
FIT / BATCH / 5 steps the accuracy guard reads CALIBRATION images in batches of 128 with batch statistics (the moving
ones left as they were). Random pixels: the time does not depend on them. Weights are not loaded: the architecture
and the work are the same, the values do not change the time.

Usage: python3 torch_resnet56.py FIT CALIBRATION BATCH THREADS
Prints one JSON line: imagesPerSec (FIT over the run's wall time, teacher and guard included) and the parts.

       python3 torch_resnet56.py kernels BATCH REPEATS
Times, on one thread in CPU time (median of REPEATS), the forward pass, the input gradient and the filter gradient
(aten.convolution_backward) of the 3x3 convolution of each of ResNet-56's three stages; prints one JSON line."""
import json
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class Gate(nn.Module):
    def __init__(self, channels, reduction=4):
        super().__init__()
        hidden = max(4, math.ceil(channels / reduction))
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)
        self.register_buffer("sr", torch.full((channels,), 0.88))
        self.last = None

    def forward(self, x):
        if not self.training:
            return x * self.sr.view(1, -1, 1, 1)
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean(dim=(2, 3))))))
        self.last = s
        return x * s.view(s.shape[0], -1, 1, 1)


def bn_gate(channels, gates):
    return nn.Sequential(nn.BatchNorm2d(channels), Gate(channels)) if gates else nn.BatchNorm2d(channels)


class Block(nn.Module):
    def __init__(self, inputs, planes, stride, gates):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, planes, 3, stride, 1, bias=False)
        self.bn1 = bn_gate(planes, gates)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = bn_gate(planes, gates)
        self.pad = planes // 4 if stride != 1 or inputs != planes else None

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.pad is None else F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(out + shortcut)


class ResNet56(nn.Module):
    def __init__(self, gates, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = bn_gate(16, gates)
        layers, inputs = [], 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(9):
                layers.append(Block(inputs, planes, stride if i == 0 else 1, gates))
                inputs = planes
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(64, classes)

    def forward(self, x):
        out = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.linear(out.mean(dim=(2, 3)))


# Side, channels of the 3x3 convolutions of ResNet-56's three stages.
STAGES = ((32, 16), (16, 32), (8, 64))


def cpu_ms():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000


def kernels(batch, repeats):
    torch.set_num_threads(1)
    rows = []
    for side, channels in STAGES:
        x = torch.randn(batch, channels, side, side)
        w = torch.randn(channels, channels, 3, 3)
        dy = torch.randn(batch, channels, side, side)

        def backward(mask):
            return torch.ops.aten.convolution_backward(dy, x, w, [0], [1, 1], [1, 1], [1, 1], False, [0, 0], 1, mask)

        work = {"forwardMs": lambda: F.conv2d(x, w, padding=1), "inputGradMs": lambda: backward([True, False, False]),
                "filterGradMs": lambda: backward([False, True, False])}
        times = {name: [] for name in work}
        for round_ in range(repeats + 1):
            for name, run in work.items():
                start = cpu_ms()
                run()
                if round_ > 0:
                    times[name].append(cpu_ms() - start)
        rows.append({"shape": f"{side}x{side}x{channels}->{channels}", "macs": batch * side * side * 9 * channels * channels,
                     **{name: statistics.median(values) for name, values in times.items()}})
    print(json.dumps({"kernels": rows, "batchSize": batch, "threads": 1, "torch": torch.__version__}))


def main():
    if sys.argv[1] == "kernels":
        kernels(int(sys.argv[2]), int(sys.argv[3]))
        return
    fit, calibration, batch, threads = (int(arg) for arg in sys.argv[1:5])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    student, teacher = ResNet56(gates=True), ResNet56(gates=False).eval()
    gates = [m for m in student.modules() if isinstance(m, Gate)]
    optimizer = torch.optim.Adam(student.parameters(), lr=3e-4)
    images, labels = torch.rand(fit, 3, 32, 32), torch.randint(0, 10, (fit,))
    held_out = torch.rand(calibration, 3, 32, 32)
    steps = math.ceil(fit / batch)
    every = max(1, round(steps / 5))
    temperature, weight = 4.0, 0.7
    parts = {"teacherMs": 0.0, "stepMs": 0.0, "guardMs": 0.0}

    def guard():
        # Batch statistics, moving ones untouched (momentum 0), no gradients: as readGuard in the studio.
        bns = [m for m in student.modules() if isinstance(m, nn.BatchNorm2d)]
        saved = [bn.momentum for bn in bns]
        for bn in bns:
            bn.momentum = 0.0
        with torch.no_grad():
            for start in range(0, calibration, 128):
                student(held_out[start:start + 128]).argmax(1)
        for bn, momentum in zip(bns, saved):
            bn.momentum = momentum

    began = time.perf_counter()
    for step in range(steps):
        x, y = images[step * batch:(step + 1) * batch], labels[step * batch:(step + 1) * batch]
        t0 = time.perf_counter()
        with torch.no_grad():
            target = F.softmax(teacher(x) / temperature, dim=1)
        t1 = time.perf_counter()
        optimizer.zero_grad()
        logits = student(x)
        distilled = F.kl_div(F.log_softmax(logits / temperature, dim=1), target, reduction="batchmean") * temperature ** 2
        loss = (1 - weight) * F.cross_entropy(logits, y) + weight * distilled
        loss = loss + 1e-4 * sum(g.last.mean(0).sum() for g in gates)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            for g in gates:
                g.sr.mul_(0.9).add_(0.1 * g.last.mean(0))
        loss.item()
        t2 = time.perf_counter()
        if (step + 1) % every == 0 or step + 1 == steps:
            guard()
        t3 = time.perf_counter()
        parts["teacherMs"] += (t1 - t0) * 1000
        parts["stepMs"] += (t2 - t1) * 1000
        parts["guardMs"] += (t3 - t2) * 1000
    elapsed = time.perf_counter() - began
    print(json.dumps({"imagesPerSec": fit / elapsed, "elapsedMs": elapsed * 1000, **parts, "steps": steps, "fit": fit,
                      "calibration": calibration, "batchSize": batch, "threads": torch.get_num_threads(),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
