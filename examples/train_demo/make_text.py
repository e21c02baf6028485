"""Write genesis_exodus.txt: the King James Version of Genesis and Exodus (public domain), one verse per line.

Run with Debian's python and the `bible` command (apt-get install bible-kjv):  /usr/bin/python3 examples/train_demo/make_text.py
The text the training demo (npm run train:demo) and its PyTorch twin (train_torch.py) learn from; committed.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models"))
from common import kjv_verses  # noqa: E402

verses = [v for v in kjv_verses() if v[0] in (0, 1)]  # Genesis, Exodus
text = "".join(v[4] + "\n" for v in verses)
with open(os.path.join(HERE, "genesis_exodus.txt"), "w", encoding="ascii") as f:
    f.write(text)
print("%d verses, %d characters" % (len(verses), len(text)))
