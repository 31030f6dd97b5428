"""
Lesson 21's fixtures: LLaDA's sampler and loss, ported to numpy, writing fixtures.json.

The logic is a line-by-line port of ML-GSAI/LLaDA at commit b7e6c35:
  - generate.py::get_num_transfer_tokens (the linear schedule),
  - generate.py::generate with temperature = 0, cfg_scale = 0, remasking = 'low_confidence'
    (argmax, confidence = softmax probability of the argmax, top-k of the masked positions of the
    current block, semi-autoregressive blocks),
  - GUIDELINES.md::forward_process and the pre-training loss
    (CE(logits[masked], x[masked]) / p_mask[masked], summed and divided by b·l).
The model is a mock: its logits are a fixed table, a 32-bit integer hash of (call, position,
token), so the TypeScript checks can rebuild exactly the same float32 numbers without storing
them. The random draws of forward_process (t and u) come from the same hash, passed in rather than
drawn, so that the check can hand the learner the same ones.

Run: python3 fixtures.py (numpy only). Cost: milliseconds; fixtures.json is a few KB.
"""
import json
import numpy as np

M32 = 0xFFFFFFFF


def hash32(a, b, c, seed):
    """A 32-bit integer hash of three non-negative integers and a seed (mirrored in fixtures.ts)."""
    h = (seed * 0x9E3779B1 + a * 0x85EBCA77 + b * 0xC2B2AE3D + c * 0x27D4EB2F) & M32
    h ^= h >> 15
    h = (h * 0x2C1B3C6D) & M32
    h ^= h >> 12
    h = (h * 0x297A2D39) & M32
    h ^= h >> 15
    return h


def mock_logit(call, pos, tok, seed):
    """A logit in [-4, 4): 24 bits of the hash, exact in float32."""
    return ((hash32(call, pos, tok, seed) >> 8) - (1 << 23)) / float(1 << 21)


def uniform(a, b, seed):
    """A draw in [0, 1) with 24 bits, exact in float32."""
    return (hash32(a, b, 0, seed) >> 8) / float(1 << 24)


# --- generate.py, ported -------------------------------------------------------------------


def get_num_transfer_tokens(mask_index, steps):
    mask_num = mask_index.sum(axis=1, keepdims=True)
    base = mask_num // steps
    remainder = mask_num % steps
    num_transfer_tokens = np.zeros((mask_num.shape[0], steps), dtype=np.int64) + base
    for i in range(mask_num.shape[0]):
        num_transfer_tokens[i, : remainder[i, 0]] += 1
    return num_transfer_tokens


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def generate(model, prompt, steps, gen_length, block_length, mask_id):
    """generate.py::generate, temperature 0, no CFG, low-confidence remasking; also records, for
    every position, the network call at which it was committed."""
    x = np.full((1, prompt.shape[1] + gen_length), mask_id, dtype=np.int64)
    x[:, : prompt.shape[1]] = prompt
    committed_at = np.full(x.shape[1], -1, dtype=np.int64)
    assert gen_length % block_length == 0
    num_blocks = gen_length // block_length
    assert steps % num_blocks == 0
    steps = steps // num_blocks
    call = 0
    for num_block in range(num_blocks):
        lo = prompt.shape[1] + num_block * block_length
        block_mask_index = x[:, lo : lo + block_length] == mask_id
        num_transfer_tokens = get_num_transfer_tokens(block_mask_index, steps)
        for i in range(steps):
            mask_index = x == mask_id
            logits = model(x, call)  # [1, len, V]
            x0 = np.argmax(logits, axis=-1)
            p = softmax(logits)
            x0_p = np.take_along_axis(p, x0[..., None], axis=-1)[..., 0]
            x0_p[:, prompt.shape[1] + (num_block + 1) * block_length :] = -np.inf
            x0 = np.where(mask_index, x0, x)
            confidence = np.where(mask_index, x0_p, -np.inf)
            transfer_index = np.zeros_like(x0, dtype=bool)
            for j in range(confidence.shape[0]):
                k = int(num_transfer_tokens[j, i])
                # torch.topk(confidence[j], k): the k largest; the hash leaves no ties.
                select_index = np.argsort(-confidence[j], kind="stable")[:k]
                transfer_index[j, select_index] = True
            x[transfer_index] = x0[transfer_index]
            committed_at[transfer_index[0]] = call
            call += 1
    return x, committed_at


def mock_model(seed, vocab):
    def model(x, call):
        length = x.shape[1]
        table = np.array(
            [[mock_logit(call, pos, tok, seed) for tok in range(vocab)] for pos in range(length)], dtype=np.float32
        )
        return table[None].astype(np.float64)

    return model


# --- GUIDELINES.md, ported -----------------------------------------------------------------


def forward_process(input_ids, t, u, mask_id, eps=1e-3):
    """forward_process with its two torch.rand draws passed in: t [b] and u [b, l]."""
    b, l = input_ids.shape
    p_mask = (1 - eps) * t + eps
    p_mask = np.repeat(p_mask[:, None], l, axis=1)
    masked_indices = u < p_mask
    noisy_batch = np.where(masked_indices, mask_id, input_ids)
    return noisy_batch, masked_indices, p_mask


def cross_entropy(logits, targets):
    logp = logits - logits.max(axis=-1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(axis=-1, keepdims=True))
    return -logp[np.arange(len(targets)), targets]


def pretraining_loss(input_ids, logits, masked_indices, p_mask):
    token_loss = cross_entropy(logits[masked_indices], input_ids[masked_indices]) / p_mask[masked_indices]
    return token_loss.sum() / (input_ids.shape[0] * input_ids.shape[1])


# --- the fixtures --------------------------------------------------------------------------


def main():
    out = {
        "source": "ML-GSAI/LLaDA b7e6c35: generate.py and GUIDELINES.md, ported to numpy in fixtures.py",
        "schedule": [],
        "generate": [],
        "loss": [],
    }
    for mask_count, steps in [(8, 3), (10, 4), (5, 5), (7, 2), (3, 5), (128, 48), (32, 32), (1, 1)]:
        counts = get_num_transfer_tokens(np.ones((1, mask_count), dtype=bool), steps)[0]
        out["schedule"].append({"maskCount": mask_count, "steps": steps, "counts": counts.tolist()})

    vocab = 8
    mask_id = vocab
    for case in [
        {"seed": 11, "prompt": 3, "genLength": 8, "blockLength": 8, "steps": 3},
        {"seed": 12, "prompt": 2, "genLength": 15, "blockLength": 5, "steps": 6},
        {"seed": 13, "prompt": 1, "genLength": 12, "blockLength": 4, "steps": 12},
        {"seed": 14, "prompt": 4, "genLength": 4, "blockLength": 1, "steps": 4},
        {"seed": 15, "prompt": 0, "genLength": 10, "blockLength": 10, "steps": 4},
    ]:
        prompt = np.array([[hash32(i, 0, 1, case["seed"]) % vocab for i in range(case["prompt"])]], dtype=np.int64)
        x, committed_at = generate(
            mock_model(case["seed"], vocab),
            prompt,
            case["steps"],
            case["genLength"],
            case["blockLength"],
            mask_id,
        )
        out["generate"].append(
            {
                **case,
                "vocab": vocab,
                "maskId": mask_id,
                "promptTokens": prompt[0].tolist(),
                "tokens": x[0].tolist(),
                "committedAt": committed_at.tolist(),
            }
        )

    for case in [
        {"seed": 21, "b": 2, "l": 8, "t": [0.3, 0.8]},
        {"seed": 22, "b": 3, "l": 5, "t": [0.05, 0.5, 0.95]},
    ]:
        b, l, seed = case["b"], case["l"], case["seed"]
        x = np.array([[hash32(r, i, 2, seed) % vocab for i in range(l)] for r in range(b)], dtype=np.int64)
        t = np.array(case["t"], dtype=np.float64)
        u = np.array([[uniform(r, i, seed) for i in range(l)] for r in range(b)], dtype=np.float64)
        noisy, masked, p_mask = forward_process(x, t, u, mask_id)
        logits = np.array(
            [[[mock_logit(r, i, tok, seed) for tok in range(vocab)] for i in range(l)] for r in range(b)],
            dtype=np.float32,
        ).astype(np.float64)
        out["loss"].append(
            {
                **case,
                "vocab": vocab,
                "maskId": mask_id,
                "eps": 1e-3,
                "x": x.tolist(),
                "noisy": noisy.tolist(),
                "masked": masked.tolist(),
                "pMask": p_mask[:, 0].tolist(),
                "loss": float(pretraining_loss(x, logits, masked, p_mask)),
                "lossWithoutWeight": float(pretraining_loss(x, logits, masked, np.ones_like(p_mask))),
            }
        )

    with open(__file__.replace("fixtures.py", "fixtures.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
