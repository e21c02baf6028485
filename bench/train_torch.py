"""One training step (forward, loss, backward, Adam) of the bench:train networks in PyTorch on one thread.

Called by bench/train.mjs:  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/train_torch.py CONFIG_JSON
CONFIG_JSON: {"cases": [{"name", "V"?, "E"?, "I"?, "H", "L", "O", "B", "T", "head": "sequence"|"final_state", "loss": "ce"|"mse"}],
"reps", "warmup"}. Prints one JSON line: {"torch": version, "threads": 1, "results": {name: {"ms": [...] per rep}}}.
"""
import json
import sys
import time

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed = nn.Embedding(c["V"], c["E"]) if c.get("V") else None
        self.lstm = nn.LSTM(c["E"] if c.get("V") else c["I"], c["H"], num_layers=c["L"], batch_first=True)
        self.head = nn.Linear(c["H"], c["O"])

    def forward(self, x):
        y, (h, _) = self.lstm(self.embed(x) if self.embed is not None else x)
        return self.head(y if self.c["head"] == "sequence" else h[-1])


def data(c):
    g = torch.Generator().manual_seed(0)
    B, T = c["B"], c["T"]
    x = torch.randint(0, c["V"], (B, T), generator=g) if c.get("V") else torch.randn(B, T, c["I"], generator=g)
    shape = (B, T) if c["head"] == "sequence" else (B,)
    if c["loss"] == "ce":
        y = torch.randint(0, c["O"], shape, generator=g)
    else:
        y = torch.randn(*shape, c["O"], generator=g)
    return x, y


def main():
    torch.set_num_threads(1)
    cfg = json.loads(sys.argv[1])
    out = {}
    for c in cfg["cases"]:
        torch.manual_seed(0)
        net = Net(c)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        x, y = data(c)
        lossf = nn.CrossEntropyLoss() if c["loss"] == "ce" else nn.MSELoss()
        times = []
        for r in range(cfg["warmup"] + cfg["reps"]):
            t0 = time.perf_counter()
            opt.zero_grad()
            o = net(x)
            loss = lossf(o.reshape(-1, o.shape[-1]), y.reshape(-1)) if c["loss"] == "ce" else lossf(o, y)
            loss.backward()
            opt.step()
            ms = (time.perf_counter() - t0) * 1000
            if r >= cfg["warmup"]:
                times.append(ms)
        out[c["name"]] = {"ms": times}
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": out}))


if __name__ == "__main__":
    main()
