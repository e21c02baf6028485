"""Train the bundled `topic` model: a word-level BiLSTM that labels a KJV verse with the section of its book (PyTorch, CPU)."""
# Run from anywhere with Debian's python (torch 1.13):  /usr/bin/python3 examples/models/train_topic.py
# Needs the `bible` command (Debian bible-kjv). Writes examples/models/topic/{model.safetensors, model.onnx,
# vocab.json, train.log} and test/fixtures/models/topic/ (PyTorch's own outputs for the JS tests).
# Seeded (reruns give the same weights on one machine); 5-10 minutes on 2 cores.
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # OpenBLAS threads beside torch's OpenMP threads thrash 2 cores
import collections
import re
import sys
import time
import warnings

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import start_run, FIXTURES, HERE, Log, file_sizes, kjv_verses, save_json, save_npy, save_safetensors, text_sha256

OUT = os.path.join(HERE, "topic")
FIX = os.path.join(FIXTURES, "topic")
TOKEN = r"[a-z]+(?:'[a-z]+)?"  # applied to the lower-cased text; a JS tokenizer: s.toLowerCase().match(/[a-z]+(?:'[a-z]+)?/g)
N_WORDS = 8000
LABELS = ["Law", "History", "Poetry", "Prophets", "Gospels/Acts", "Epistles/Revelation"]
FIRST_BOOK = [0, 5, 17, 22, 39, 44]  # Genesis, Joshua, Job, Isaiah, Matthew, Romans (0-based canonical book index)
EMBED, HIDDEN = 64, 96
BATCH, EPOCHS, LR, DROPOUT, HOLDOUT = 64, 5, 2e-3, 0.3, 0.10
SENTENCES = ["Blessed are the poor in spirit: for theirs is the kingdom of heaven.",
             "And the LORD spake unto Moses, saying, Speak unto the children of Israel"]
TOKENIZER_CASES = ["The LORD's sons' inheritance: God-ward, thee-ward; sin--; O'er", "  don't't 'tis rock'n'roll x'",
                   "Ægypt naïve CAFÉ 1st 2nd, 3rd", "tab\tnew\nline UPPER lower MiXeD"]


def tokenize(text):
    return re.findall(TOKEN, text.lower())


def section(book):
    return sum(book >= b for b in FIRST_BOOK) - 1


class Topic(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, EMBED, padding_idx=0)
        self.lstm = nn.LSTM(EMBED, HIDDEN, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * HIDDEN, len(LABELS))
        self.drop = nn.Dropout(DROPOUT)  # training only; no weights

    def forward(self, ids, lengths=None):
        """ids [B, T] -> logits [B, 6]. With lengths, the padded batch is packed so padding never counts; without,
        every position is read (the exported form: for one unpadded sequence it is the same computation)."""
        e = self.drop(self.embed(ids))
        if lengths is not None:
            e = pack_padded_sequence(e, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(e)
        return self.head(self.drop(torch.cat([h_n[-2], h_n[-1]], dim=1)))


def pad(seqs):
    lengths = torch.tensor([len(s) for s in seqs])
    ids = torch.zeros(len(seqs), int(lengths.max()), dtype=torch.int64)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
    return ids, lengths


def predict(model, seqs):
    was_training = model.training
    model.eval()
    out = []
    with torch.no_grad():
        for at in range(0, len(seqs), 512):
            ids, lengths = pad(seqs[at:at + 512])
            out.append(model(ids, lengths).argmax(1))
    model.train(was_training)
    return torch.cat(out).numpy()


def main():
    t_start, rs, log = start_run(OUT, FIX)

    verses = kjv_verses()
    tokens = [tokenize(v[4]) for v in verses]
    labels = np.array([section(v[0]) for v in verses])
    perm = rs.permutation(len(verses))
    n_test = int(round(HOLDOUT * len(verses)))
    test_idx, train_idx = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    counts = collections.Counter(w for i in train_idx for w in tokens[i])
    words = ["<pad>", "<unk>"] + sorted(counts, key=lambda w: (-counts[w], w))[:N_WORDS]
    index = {w: i for i, w in enumerate(words)}
    seqs = [[index.get(w, 1) for w in t] for t in tokens]
    assert min(len(s) for s in seqs) > 0
    log("KJV from `bible -f gen1:1-rev22:21`: %d verses, text sha256 %s" % (len(verses), text_sha256(verses)))
    log("tokenizer: re.findall(r\"%s\", text.lower()); %d word types in the training verses, %d tokens in all"
        % (TOKEN, len(counts), sum(map(len, tokens))))
    log("vocab: %d ids = <pad>, <unk> and the %d most frequent training words (count desc, then alphabetical); "
        "the rarest kept word occurs %d times; %.2f%% of held-out tokens are <unk>"
        % (len(words), N_WORDS, counts[words[-1]], 100 * np.mean([x == 1 for i in test_idx for x in seqs[i]])))
    log("split: %d training verses, %d held out (%.0f%%, seeded permutation)" % (len(train_idx), len(test_idx), 100 * HOLDOUT))
    for k, name in enumerate(LABELS):
        log("  class %d %-20s %5d verses (%d held out)" % (k, name, (labels == k).sum(), (labels[test_idx] == k).sum()))
    majority = np.bincount(labels[train_idx]).argmax()
    log("majority-class baseline on held-out verses: %.4f" % np.mean(labels[test_idx] == majority))

    model = Topic(len(words))
    n_params = sum(p.numel() for p in model.parameters())
    log("model: Embedding(%d, %d, padding_idx=0) -> LSTM(%d, %d, bidirectional) -> cat(h_n[-2], h_n[-1]) -> "
        "Linear(%d, %d); %d params; dropout %.1f on embeddings and features while training"
        % (len(words), EMBED, EMBED, HIDDEN, 2 * HIDDEN, len(LABELS), n_params, DROPOUT))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    steps = EPOCHS * ((len(train_idx) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 - 0.95 * s / steps)
    log("training: %d epochs of batches of %d (packed), Adam lr %g linear decay, grad clip 1.0" % (EPOCHS, BATCH, LR))
    t0 = time.time()
    y_all = torch.from_numpy(labels)
    for epoch in range(1, EPOCHS + 1):
        order = train_idx[rs.permutation(len(train_idx))]
        total, n = 0.0, 0
        for at in range(0, len(order), BATCH):
            b = order[at:at + BATCH]
            ids, lengths = pad([seqs[i] for i in b])
            loss = nn.functional.cross_entropy(model(ids, lengths), y_all[b])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total, n = total + loss.item() * len(b), n + len(b)
        acc = np.mean(predict(model, [seqs[i] for i in test_idx]) == labels[test_idx])
        log("epoch %d  train loss %.4f  held-out accuracy %.4f  %.0fs" % (epoch, total / n, acc, time.time() - t0))
    train_time = time.time() - t0
    model.eval()
    pred = predict(model, [seqs[i] for i in test_idx])
    acc = np.mean(pred == labels[test_idx])
    train_acc = np.mean(predict(model, [seqs[i] for i in train_idx]) == labels[train_idx])
    log("final held-out accuracy %.4f (%d/%d verses); training-set accuracy %.4f; training took %.0f s"
        % (acc, (pred == labels[test_idx]).sum(), len(test_idx), train_acc, train_time))
    confusion = np.zeros((6, 6), dtype=int)
    for t, p in zip(labels[test_idx], pred):
        confusion[t, p] += 1
    log("held-out confusion (rows true, columns predicted, order as the labels):")
    for k, name in enumerate(LABELS):
        log("  %-20s %s  recall %.3f" % (name, " ".join("%4d" % x for x in confusion[k]), confusion[k, k] / confusion[k].sum()))

    meta = {"batch_first": "true", "head": "final_state", "output": "logits", "input": "token_ids",
            "vocab": "vocab.json", "torch_version": torch.__version__,
            "description": "KJV verse classifier (6 sections of the Bible): Embedding(%d, %d, padding_idx=0) -> "
                           "bidirectional LSTM(%d, %d) -> Linear(%d, 6) on cat(final forward h, final reverse h); "
                           "word ids per vocab.json" % (len(words), EMBED, EMBED, HIDDEN, 2 * HIDDEN)}
    save_safetensors(os.path.join(OUT, "model.safetensors"), model.state_dict(), meta)
    save_json(os.path.join(OUT, "vocab.json"), {"words": words, "pad": 0, "unknown": 1, "labels": LABELS,
                                                "tokenizer": TOKEN, "lowercase": True})
    warnings.filterwarnings("ignore", category=UserWarning)  # benign torch.onnx notes about LSTM batch sizes
    torch.onnx.export(model, (torch.ones(2, 7, dtype=torch.int64),), os.path.join(OUT, "model.onnx"), opset_version=14,
                      do_constant_folding=True, input_names=["ids"], output_names=["logits"],
                      dynamic_axes={"ids": {0: "B", 1: "T"}, "logits": {0: "B"}})

    case = {"model": "examples/models/topic/model.safetensors (and model.onnx)", "torch_version": torch.__version__,
            "produced_by": "examples/models/train_topic.py: PyTorch, float32, eval mode, CPU",
            "labels": LABELS, "sentences": [], "files": {}}
    all_ids = []
    with torch.no_grad():
        for k, text in enumerate(SENTENCES, 1):
            toks = tokenize(text)
            ids = torch.tensor([[index.get(w, 1) for w in toks]])
            logits = model(ids, torch.tensor([ids.shape[1]]))
            assert torch.allclose(logits, model(ids), atol=1e-6)  # unpadded: packed == plain
            probs = torch.softmax(logits, dim=1)
            all_ids.append(ids[0].tolist())
            save_npy(os.path.join(FIX, "sentence%d_ids.npy" % k), ids.numpy(), "<i8")
            save_npy(os.path.join(FIX, "sentence%d_logits.npy" % k), logits.numpy(), "<f4")
            save_npy(os.path.join(FIX, "sentence%d_probs.npy" % k), probs.numpy(), "<f4")
            label = LABELS[int(logits.argmax())]
            case["sentences"].append({"text": text, "tokens": toks, "ids": ids[0].tolist(), "label": label,
                                      "probs": [round(float(p), 6) for p in probs[0]]})
            case["files"].update({"sentence%d_ids.npy" % k: "int64 [1, %d]: the ids, unpadded" % ids.shape[1],
                                  "sentence%d_logits.npy" % k: "float32 [1, 6]: logits",
                                  "sentence%d_probs.npy" % k: "float32 [1, 6]: softmax(logits)"})
            log("%r -> %s  probs %s" % (text, label, " ".join("%.4f" % p for p in probs[0])))
        ids, lengths = pad(all_ids)
        logits = model(ids, lengths)
        save_npy(os.path.join(FIX, "batch_ids.npy"), ids.numpy(), "<i8")
        save_npy(os.path.join(FIX, "batch_lengths.npy"), lengths.numpy(), "<i8")
        save_npy(os.path.join(FIX, "batch_logits.npy"), logits.numpy(), "<f4")
    case["files"].update({"batch_ids.npy": "int64 [2, T]: both sentences, right-padded with 0",
                          "batch_lengths.npy": "int64 [2]: their lengths",
                          "batch_logits.npy": "float32 [2, 6]: logits of the packed batch (pack_padded_sequence: "
                                              "padding never read, = each sentence's own logits)",
                          "labels.json": "the predicted label of each sentence",
                          "tokenizer.json": "tokenizer corner cases: text -> tokens -> ids"})
    save_json(os.path.join(FIX, "labels.json"), {"labels": [s["label"] for s in case["sentences"]],
                                                 "sentences": SENTENCES})
    save_json(os.path.join(FIX, "tokenizer.json"), {"tokenizer": TOKEN, "lowercase": True, "cases": [
        {"text": t, "tokens": tokenize(t), "ids": [index.get(w, 1) for w in tokenize(t)]} for t in TOKENIZER_CASES]})
    save_json(os.path.join(FIX, "case.json"), case)
    log("files: %s" % file_sizes(OUT))
    log("wall time %.0f s (training %.0f s)" % (time.time() - t_start, train_time))
    log.write(os.path.join(OUT, "train.log"))


if __name__ == "__main__":
    main()
