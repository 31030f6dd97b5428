"""
Fixtures for lesson 19: HF transformers' Switch Transformers router losses,
`load_balancing_loss_func(router_probs, expert_indices)` and `router_z_loss_func(router_logits)`
(src/transformers/models/switch_transformers/modeling_switch_transformers.py), ported to numpy
line by line, float64 throughout (torch is not needed). The port keeps their shapes and steps:
- load balancing: expert_indices [G, T] gets a last axis of 1, is one-hot encoded over E, maxed
  over that axis (a token routed to an expert counts once), averaged over the T tokens of each
  group (f); the probabilities are averaged the same way (P); the loss is mean(f·P)·E², the mean
  over the G groups and the E experts;
- z-loss: logsumexp over the experts, squared, summed and divided by G·T.
Inputs are rounded (logits to 3 decimals, probabilities to 7) so that their float32 copies are
within about 1e-7 of what was used. Run `python3 fixtures.py > fixtures.json`.
"""
import json

import numpy as np


def load_balancing_loss_func(router_probs, expert_indices):
    num_experts = router_probs.shape[-1]
    expert_indices = expert_indices.astype(np.int64)
    if len(expert_indices.shape) == 2:
        expert_indices = expert_indices[..., None]
    expert_mask = np.eye(num_experts)[expert_indices]  # one_hot: [G, T, 1, E]
    expert_mask = expert_mask.max(axis=-2)  # torch.max(expert_mask, axis=-2).values
    tokens_per_group_and_expert = expert_mask.mean(axis=-2)
    router_prob_per_group_and_expert = router_probs.mean(axis=-2)
    return np.mean(tokens_per_group_and_expert * router_prob_per_group_and_expert) * (num_experts**2)


def logsumexp(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def router_z_loss_func(router_logits):
    num_groups, tokens_per_group, _ = router_logits.shape
    log_z = logsumexp(router_logits, axis=-1)
    z_loss = log_z**2
    return np.sum(z_loss) / (num_groups * tokens_per_group)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def main():
    rng = np.random.default_rng(2019)
    cases = []
    # (groups, tokens, experts, logit scale, indices): argmax routing, or random indices (a
    # dispatch that is not the argmax, as after a bias or capacity), or large logits for the z-loss.
    for g, t, e, scale, how in [
        (1, 16, 4, 1.0, "argmax"),
        (2, 12, 8, 2.0, "argmax"),
        (3, 10, 4, 1.0, "random"),
        (1, 33, 6, 0.5, "random"),
        (2, 8, 8, 40.0, "argmax"),
    ]:
        logits = np.round(scale * rng.standard_normal((g, t, e)), 3)
        probs = np.round(softmax(logits), 7)
        if how == "argmax":
            idx = logits.argmax(axis=-1)
        else:
            idx = rng.integers(0, e, size=(g, t))
        cases.append(
            {
                "groups": g,
                "tokens": t,
                "experts": e,
                "dispatch": how,
                "logits": logits.ravel().tolist(),
                "probs": probs.ravel().tolist(),
                "indices": idx.ravel().tolist(),
                "aux": float(load_balancing_loss_func(probs, idx)),
                "z": float(router_z_loss_func(logits)),
            }
        )
    print(json.dumps(cases))


if __name__ == "__main__":
    main()
