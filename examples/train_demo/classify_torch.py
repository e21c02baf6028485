"""The PyTorch twin of train:demo's classifier: which book (Genesis or Exodus) a KJV verse comes from, word-level LSTM.

Run from the repo root with Debian's python (torch 1.13):  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 examples/train_demo/classify_torch.py
Reads config.json ("classifier") and genesis_exodus.txt (one verse per line, Genesis first); writes classify_torch.log and
classify_torch_result.json (held-out accuracy per seed and their mean, which the lstm-wasm run is compared with). One
thread. The procedure, step for step as examples/train_demo/classify.mjs does it:
- label: 0 for the first genesis_verses lines (Genesis), 1 after (Exodus); every holdout_every-th verse (i % n == n-1) held out;
- words: lower-cased, [a-z]+; vocabulary: id 0 = padding, 1 = unknown, then the max_words most frequent training words
  (ties alphabetical); each verse cut to its first max_len words, padded with 0;
- Embedding(V, embed) -> LSTM(hidden) over each verse's own length (packed) -> h_n -> Linear(hidden, 2), cross-entropy;
- each epoch a fresh shuffle of the training verses in batches of batch_size; clip_grad_norm_(clip_norm); Adam(lr).
"""
import json
import os
import re
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

HERE = os.path.dirname(os.path.abspath(__file__))


def data(c, text):
    k = c["classifier"]
    verses = text.split("\n")[:-1]
    words = [re.findall(r"[a-z]+", v.lower()) for v in verses]
    labels = [0 if i < k["genesis_verses"] else 1 for i in range(len(verses))]
    held = [i % k["holdout_every"] == k["holdout_every"] - 1 for i in range(len(verses))]
    counts = {}
    for w, h in zip(words, held):
        if not h:
            for t in w:
                counts[t] = counts.get(t, 0) + 1
    vocab = sorted(counts, key=lambda t: (-counts[t], t))[:k["max_words"]]
    index = {t: i + 2 for i, t in enumerate(vocab)}
    T = k["max_len"]
    ids = np.zeros((len(verses), T), dtype=np.int64)
    lens = np.zeros(len(verses), dtype=np.int64)
    for i, w in enumerate(words):
        w = w[:T]
        ids[i, :len(w)] = [index.get(t, 1) for t in w]
        lens[i] = max(1, len(w))
    sel = lambda keep: [i for i in range(len(verses)) if held[i] != keep]
    return vocab, ids, lens, np.array(labels), sel(True), sel(False)


class Classifier(nn.Module):
    def __init__(self, V, k):
        super().__init__()
        self.embed = nn.Embedding(V, k["embed"])
        self.lstm = nn.LSTM(k["embed"], k["hidden"], batch_first=True)
        self.head = nn.Linear(k["hidden"], 2)

    def forward(self, ids, lens):
        packed = pack_padded_sequence(self.embed(ids), lens, batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        return self.head(h_n[-1])


def run(c, vocab, ids, lens, labels, train, held, seed):
    k = c["classifier"]
    torch.manual_seed(seed)
    rs = np.random.RandomState(seed)
    model = Classifier(len(vocab) + 2, k)
    opt = torch.optim.Adam(model.parameters(), lr=k["lr"])
    X, L, Y = torch.from_numpy(ids), torch.from_numpy(lens), torch.from_numpy(labels)
    losses = []
    for epoch in range(k["epochs"]):
        order = rs.permutation(train)
        total = 0.0
        for at in range(0, len(order), k["batch_size"]):
            b = torch.from_numpy(order[at:at + k["batch_size"]])
            loss = nn.functional.cross_entropy(model(X[b], L[b]), Y[b])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), k["clip_norm"])
            opt.step()
            total += loss.item() * len(b)
        losses.append(total / len(order))
    model.eval()
    with torch.no_grad():
        h = torch.tensor(held)
        acc = (model(X[h], L[h]).argmax(1) == Y[h]).float().mean().item()
    return acc, losses


def main():
    torch.set_num_threads(1)
    with open(os.path.join(HERE, "config.json")) as f:
        c = json.load(f)
    with open(os.path.join(HERE, c["text"]), encoding="utf-8") as f:
        text = f.read()
    vocab, ids, lens, labels, train, held = data(c, text)
    k = c["classifier"]
    lines = ["PyTorch %s, 1 thread; %d verses (train %d, held out %d; Exodus %.1f %% of the held out), %d ids; config %s"
             % (torch.__version__, len(labels), len(train), len(held), 100 * labels[held].mean(), len(vocab) + 2, json.dumps(k))]
    print(lines[0], flush=True)
    accs = []
    t0 = time.time()
    for seed in k["seeds"]:
        acc, losses = run(c, vocab, ids, lens, labels, train, held, seed)
        accs.append(acc)
        lines.append("seed %d: epoch losses %s; held-out accuracy %.2f %%" % (seed, " ".join("%.4f" % l for l in losses), 100 * acc))
        print(lines[-1], flush=True)
    seconds = time.time() - t0
    lines.append("mean held-out accuracy %.2f %% over seeds %s; %.1f s" % (100 * np.mean(accs), k["seeds"], seconds))
    print(lines[-1])
    with open(os.path.join(HERE, "classify_torch.log"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(HERE, "classify_torch_result.json"), "w") as f:
        json.dump({"accuracy": accs, "mean_accuracy": float(np.mean(accs)), "seeds": k["seeds"], "seconds": seconds,
                   "torch_version": torch.__version__}, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
