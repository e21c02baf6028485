"""Shared helpers for the bundled-model training scripts: the KJV text, a safetensors writer, .npy/JSON output."""
# Used by train_charlm.py, train_topic.py and train_forecast.py (run them with Debian's /usr/bin/python3).
import hashlib
import json
import os
import re
import struct
import subprocess

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "test", "fixtures", "models")

# The 66 books in canonical order: (abbreviation printed by the `bible` command, full name).
BOOKS = [
    ("Ge", "Genesis"), ("Exo", "Exodus"), ("Lev", "Leviticus"), ("Num", "Numbers"), ("Deu", "Deuteronomy"),
    ("Josh", "Joshua"), ("Jdgs", "Judges"), ("Ruth", "Ruth"), ("1Sm", "1 Samuel"), ("2Sm", "2 Samuel"),
    ("1Ki", "1 Kings"), ("2Ki", "2 Kings"), ("1Chr", "1 Chronicles"), ("2Chr", "2 Chronicles"), ("Ezra", "Ezra"),
    ("Neh", "Nehemiah"), ("Est", "Esther"), ("Job", "Job"), ("Psa", "Psalms"), ("Prv", "Proverbs"),
    ("Eccl", "Ecclesiastes"), ("SSol", "Song of Solomon"), ("Isa", "Isaiah"), ("Jer", "Jeremiah"),
    ("Lam", "Lamentations"), ("Eze", "Ezekiel"), ("Dan", "Daniel"), ("Hos", "Hosea"), ("Joel", "Joel"),
    ("Amos", "Amos"), ("Obad", "Obadiah"), ("Jonah", "Jonah"), ("Mic", "Micah"), ("Nahum", "Nahum"),
    ("Hab", "Habakkuk"), ("Zep", "Zephaniah"), ("Hag", "Haggai"), ("Zec", "Zechariah"), ("Mal", "Malachi"),
    ("Mat", "Matthew"), ("Mark", "Mark"), ("Luke", "Luke"), ("John", "John"), ("Acts", "Acts"),
    ("Rom", "Romans"), ("1Cor", "1 Corinthians"), ("2Cor", "2 Corinthians"), ("Gal", "Galatians"),
    ("Eph", "Ephesians"), ("Phi", "Philippians"), ("Col", "Colossians"), ("1Th", "1 Thessalonians"),
    ("2Th", "2 Thessalonians"), ("1Tim", "1 Timothy"), ("2Tim", "2 Timothy"), ("Titus", "Titus"),
    ("Phmn", "Philemon"), ("Heb", "Hebrews"), ("Jas", "James"), ("1Pet", "1 Peter"), ("2Pet", "2 Peter"),
    ("1Jn", "1 John"), ("2Jn", "2 John"), ("3Jn", "3 John"), ("Jude", "Jude"), ("Rev", "Revelation"),
]
VERSE_LINE = re.compile(r"^(\d?[A-Za-z]+)(\d+):(\d+) (.*)$")


def kjv_verses():
    """All 31,102 KJV verses as (book index 0-65, book name, chapter, verse, text), in canonical order.

    Source: Debian's bible-kjv (`apt-get install bible-kjv`). `bible -f REF` with pretty-printing toggled
    off prints one verse per line as `<Abbrev><chapter>:<verse> <text>`; the range gen1:1-rev22:21 is the
    whole text. The text is kept verbatim (ASCII; one verse, Mark 10:19, ends with a space).
    """
    out = subprocess.run(["bible", "-f", "gen1:1-rev22:21"], stdin=subprocess.DEVNULL, capture_output=True,
                         check=True).stdout.decode("ascii")
    index = {abbr: i for i, (abbr, _) in enumerate(BOOKS)}
    verses = []
    for line in out.split("\n"):
        if not line:
            continue
        m = VERSE_LINE.match(line)
        if not m or m.group(1) not in index:
            raise ValueError("unexpected line from `bible`: %r" % line[:80])
        b = index[m.group(1)]
        verses.append((b, BOOKS[b][1], int(m.group(2)), int(m.group(3)), m.group(4)))
    books = sorted({v[0] for v in verses})
    if len(verses) != 31102 or books != list(range(66)) or [v[0] for v in verses] != sorted(v[0] for v in verses):
        raise ValueError("expected 31102 verses of 66 books in order, got %d verses, %d books" % (len(verses), len(books)))
    return verses


def text_sha256(verses):
    return hashlib.sha256("\n".join(v[4] for v in verses).encode()).hexdigest()


def save_safetensors(path, tensors, metadata):
    """Write a {name: tensor} dict as safetensors: u64 LE header length, JSON header padded with spaces to a
    multiple of 8 bytes, then the float32 little-endian data of each tensor back to back in dict order."""
    assert all(isinstance(v, str) for v in metadata.values()), "safetensors metadata values must be strings"
    header, blobs, at = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        b = np.ascontiguousarray(t.detach().cpu().numpy(), dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def save_npy(path, a, dtype):
    np.save(path, np.ascontiguousarray(a, dtype=dtype))


def save_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


def start_run(out, fix):
    """What every training script does first: seed torch and numpy (0), 2 torch threads, make the output folders.
    Returns (start time, numpy RandomState, Log)."""
    import time

    import torch
    t_start = time.time()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    rs = np.random.RandomState(0)
    log = Log()
    os.makedirs(out, exist_ok=True)
    os.makedirs(fix, exist_ok=True)
    return t_start, rs, log


class Log:
    """Print and keep every line, to write train.log at the end."""

    def __init__(self):
        self.lines = []

    def __call__(self, msg):
        print(msg, flush=True)
        self.lines.append(msg)

    def write(self, path):
        with open(path, "w") as f:
            f.write("\n".join(self.lines) + "\n")


def file_sizes(folder):
    """Sizes of the files a script wrote (train.log, written last, is left out)."""
    return {n: os.path.getsize(os.path.join(folder, n)) for n in sorted(os.listdir(folder)) if n != "train.log"}
