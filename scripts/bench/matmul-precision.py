#!/usr/bin/env python3
"""How fast one CPU core multiplies the encoder's matrices in fp32 and in bf16: libtorch's own
`linear` (MKL for fp32, oneDNN for bf16) on the shapes of one batch of 16 sentences of 21 tokens
(336 rows) through MiniLM's layers, and a bigger one. The figure behind `--precision auto`'s rule
(src/model/mod.rs, cpu_multiplies_bf16_faster): where bf16 is the slower here, auto must not pick it.

Usage: .bench-venv/bin/python scripts/bench/matmul-precision.py [--threads N] [--repeats N]
(.bench-venv as scripts/bench/vs-pytorch.sh makes it: the PyPI torch 2.4.0 wheel)
"""
import argparse
import time

import torch

SHAPES = [(336, 384, 1536), (336, 1536, 384), (336, 384, 384), (2048, 384, 1536)]


def ms_per_call(f, repeats):
    f(), f()  # oneDNN builds its kernel for a shape on first use
    start = time.perf_counter()
    for _ in range(repeats):
        f()
    return (time.perf_counter() - start) / repeats * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    ap.add_argument("--repeats", type=int, default=30, help="timed calls per shape and precision")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(13)
    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.repeats} calls each; rows x in x out")
    for rows, k, n in SHAPES:
        x, w, b = torch.randn(rows, k), torch.randn(n, k), torch.randn(n)
        xb, wb, bb = x.bfloat16(), w.bfloat16(), b.bfloat16()
        gflop = 2 * rows * k * n / 1e9
        t32 = ms_per_call(lambda: torch.nn.functional.linear(x, w, b), args.repeats)
        t16 = ms_per_call(lambda: torch.nn.functional.linear(xb, wb, bb), args.repeats)
        print(f"{rows}x{k}x{n}: fp32 {t32:.2f} ms ({gflop / t32 * 1e3:.0f} GFLOP/s), "
              f"bf16 {t16:.2f} ms ({gflop / t16 * 1e3:.0f} GFLOP/s), bf16/fp32 speed {t32 / t16:.2f}x")


if __name__ == "__main__":
    main()
