"""How long `fwadvisor scan` takes against the least any scan must do.

Builds a synthetic 5,000-file project in a temporary folder (PyTorch, TensorFlow 2, TF1-style and
Keras 3 modules, plain helpers, some notebooks, requirements files and Dockerfiles; a few hundred
lines each), then times, in the same run and on the same tree, several repeats each (the median
is printed):

  bare  walking the tree (os.walk), reading every Python file and notebook, and ast.parse-ing it
        (a notebook: json.loads, its code cells joined, then ast.parse)
  scan  fwadvisor.scan.scan_project on the same tree

and prints both and their ratio; the goal is scan / bare <= 1.5. The first pass of each is a
warm-up (the file cache, the knowledge base), not counted, and the two alternate so that a change
in the machine's load hits both alike.

Run: python benchmarks/scan_speed.py [--files N] [--repeats N]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fwadvisor.scan import scan_project

HEADERS = {
    "torch": "import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\nimport torchvision\n",
    "tf2": "import tensorflow as tf\nfrom tensorflow import keras\n",
    "tf1": "import tensorflow as tf\n",
    "keras3": "import os\nimport keras\nfrom keras import ops\n",
    "plain": "import json\nimport logging\nfrom pathlib import Path\n",
    "hf": "import torch\nfrom transformers import AutoModel, AutoTokenizer\n",
}
BODIES = {
    "torch": "        x = torch.relu(self.linear(x))\n        y = nn.functional.softmax(x, dim=-1)\n",
    "tf2": "        x = tf.keras.layers.Dense(8)(x)\n        y = tf.data.Dataset.from_tensor_slices(x)\n",
    "tf1": "        w = tf.get_variable('w', [8, 8])\n        p = tf.placeholder(tf.float32, [None, 8])\n",
    "keras3": "        x = ops.relu(x)\n        y = keras.layers.Dense(8)(x)\n",
    "plain": "        x = [value * 2 for value in range(10)]\n        y = {'key': x, 'path': str(Path('.'))}\n",
    "hf": "        x = AutoModel.from_pretrained('bert-base-uncased')\n        y = torch.no_grad()\n",
}
KINDS = ["torch"] * 40 + ["tf2"] * 15 + ["tf1"] * 5 + ["keras3"] * 10 + ["plain"] * 25 + ["hf"] * 5


def module_source(kind: str, rng: random.Random) -> str:
    parts = [f'"""Synthetic module ({kind}) for the scan benchmark."""\n\n', HEADERS[kind], "\n\n"]
    for index in range(rng.randint(8, 16)):
        parts.append(f"class Block{index}:\n")
        parts.append(f"    '''A block with a docstring, number {index}.'''\n\n")
        parts.append("    def __init__(self, size: int = 8, name: str = 'block') -> None:\n")
        parts.append("        self.size = size\n        self.name = name\n        self.items = list(range(size))\n\n")
        parts.append("    def forward(self, x):\n")
        parts.append(BODIES[kind])
        parts.append("        for item in self.items:\n            if item % 2:\n                x = x + item\n")
        parts.append("        return {'x': x, 'y': y, 'name': self.name}\n\n\n")
    return "".join(parts)


def notebook_source(kind: str, rng: random.Random) -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# A notebook\n"]}]
    cells.append({"cell_type": "code", "metadata": {}, "source": ["!pip install transformers\n"], "outputs": []})
    code = module_source(kind, rng).splitlines(keepends=True)
    for start in range(0, len(code), 40):
        cells.append({"cell_type": "code", "metadata": {}, "source": code[start : start + 40], "outputs": []})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def build_tree(root: Path, files: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    (root / "requirements.txt").write_text("torch>=2.4\ntensorflow>=2.16\nkeras>=3.5\ntransformers\n-r req-dev.txt\n")
    (root / "req-dev.txt").write_text("pytest\n")
    (root / "pyproject.toml").write_text('[project]\nname = "synthetic"\ndependencies = ["torch", "keras>=3"]\n')
    for index in range(files):
        folder = root / f"pkg{index // 250}" / f"sub{(index // 25) % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        kind = rng.choice(KINDS)
        if index % 50 == 7:
            (folder / f"notebook{index}.ipynb").write_text(notebook_source(kind, rng))
        else:
            (folder / f"module{index}.py").write_text(module_source(kind, rng))
        if index % 250 == 0:
            (folder.parent / "requirements.txt").write_text("numpy\ntorch==2.4.1\n")
            (folder.parent / "Dockerfile").write_text("FROM python:3.11\nRUN pip install torch fastapi\n")


def bare(root: Path) -> int:
    """The least a scan must do: walk, read every Python file and notebook, parse it."""
    parsed = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for folder, _, names in os.walk(root):
            for name in names:
                if name.endswith(".py"):
                    with open(os.path.join(folder, name), "rb") as handle:
                        ast.parse(handle.read().decode("utf-8", errors="replace"))
                    parsed += 1
                elif name.endswith(".ipynb"):
                    with open(os.path.join(folder, name), "rb") as handle:
                        notebook = json.loads(handle.read().decode("utf-8", errors="replace"))
                    code = "\n".join(
                        "".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"
                    )
                    ast.parse("\n".join(line for line in code.splitlines() if not line.startswith("!")))
                    parsed += 1
    return parsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fwadvisor-scan-bench-") as folder:
        root = Path(folder)
        build_tree(root, args.files)
        result = scan_project(root)
        parsed = bare(root)
        assert result.python_files == parsed, (result.python_files, parsed)
        bare_times: list[float] = []
        scan_times: list[float] = []
        bare(root)
        scan_project(root)
        for _ in range(args.repeats):
            start = time.perf_counter()
            bare(root)
            bare_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            scan_project(root)
            scan_times.append(time.perf_counter() - start)
        bare_median, scan_median = statistics.median(bare_times), statistics.median(scan_times)
        print(f"tree: {args.files:,} files ({parsed:,} Python files and notebooks) in {root}")
        print(f"inferred: {result.answers_dict()}")
        print(f"bare (walk, read, ast.parse): median {bare_median:.3f} s of {args.repeats} runs")
        print(f"scan_project:                 median {scan_median:.3f} s of {args.repeats} runs")
        print(f"ratio scan / bare: {scan_median / bare_median:.2f} (goal: at most 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
