"""
Fixtures for lesson 09: MoonshotAI/MoBA's moba_attn_varlen_naive (moba/moba_naive.py at 61e456b)
re-expressed in numpy for one sequence and one head, float64 throughout. It follows the same
steps as that function: mean-pooled block keys; gate = q · pooled; for each block i, queries
before the end of block i get -inf and queries inside block i get +inf (the forced current
block); top-k over the blocks (min(topk, blocks)); selected blocks expanded to a token mask;
the causal mask; softmax of scale · (qk + gate); times v. Run `python3 fixtures.py > fixtures.json`.
Inputs are rounded to 3 decimals so that float32 copies of them are within 1e-7 of what was used.
"""
import json
import math

import numpy as np


def moba_naive_one_head(q, k, v, chunk, topk):
    s, d = q.shape
    blocks = math.ceil(s / chunk)
    pooled = np.stack([k[b * chunk : min(s, (b + 1) * chunk)].mean(axis=0) for b in range(blocks)])
    gate = q @ pooled.T  # [S, blocks]
    for b in range(blocks):
        gate[: (b + 1) * chunk, b] = -np.inf
        gate[b * chunk : (b + 1) * chunk, b] = np.inf
    kk = min(topk, blocks)
    # torch.topk(largest=True): the kk largest per row; the ordering among equal values is not
    # specified there, so fixtures avoid ties (random inputs); stable sort on -gate keeps lower blocks.
    idx = np.argsort(-gate, axis=1, kind="stable")[:, :kk]
    kth = np.take_along_axis(gate, idx, axis=1).min(axis=1)
    chosen = np.zeros_like(gate, dtype=bool)
    np.put_along_axis(chosen, idx, True, axis=1)
    need = (gate >= kth[:, None]) & chosen
    bias = np.where(need, 0.0, -np.inf)
    bias = np.repeat(bias, chunk, axis=1)[:, :s]
    bias[np.triu(np.ones((s, s), dtype=bool), 1)] = -np.inf
    qk = (q @ k.T + bias) * d ** -0.5
    qk -= qk.max(axis=1, keepdims=True)
    p = np.exp(qk)
    p /= p.sum(axis=1, keepdims=True)
    return p @ v


def main():
    rng = np.random.default_rng(2025)
    cases = []
    for n, d, chunk, topk in [(10, 4, 3, 2), (16, 8, 4, 3), (7, 4, 2, 4), (20, 4, 5, 1), (33, 8, 4, 3)]:
        q, k, v = (np.round(rng.standard_normal((n, d)), 3) for _ in range(3))
        o = moba_naive_one_head(q, k, v, chunk, topk)
        cases.append(
            {
                "n": n,
                "d": d,
                "blockSize": chunk,
                "topk": topk,
                "q": q.ravel().tolist(),
                "k": k.ravel().tolist(),
                "v": v.ravel().tolist(),
                "o": [float(f"{x:.9g}") for x in o.ravel()],
            }
        )
    print(json.dumps(cases))


if __name__ == "__main__":
    main()
