/**
 * The course map: every lesson of the syllabus, in order, by part. A lesson whose folder exists
 * under lessons/ links to its page; the others show as coming.
 */
export interface PartInfo {
  id: string;
  title: string;
  survey: string;
}

export interface PlannedLesson {
  slug: string;
  number: number;
  title: string;
  part: string;
}

export const parts: PartInfo[] = [
  { id: 'A', title: 'Foundations', survey: 'the baseline' },
  { id: 'B', title: 'Efficient full attention', survey: '§4' },
  { id: 'C', title: 'Sparse sequence modelling', survey: '§3' },
  { id: 'D', title: 'Linear sequence modelling', survey: '§2' },
  { id: 'E', title: 'Sparse Mixture-of-Experts', survey: '§5' },
  { id: 'F', title: 'Hybrid architectures', survey: '§6' },
  { id: 'G', title: 'Diffusion LLMs', survey: '§7' },
  { id: 'H', title: 'Other modalities', survey: '§8' }
];

const plan: [string, string, string][] = [
  ['01-attention', 'Attention and the quadratic wall', 'A'],
  ['02-kv-cache', 'Decoding and the KV cache', 'A'],
  ['03-gqa', 'MQA and GQA', 'B'],
  ['04-mla', 'Multi-head latent attention', 'B'],
  ['05-flash-attention', 'Online softmax to FlashAttention', 'B'],
  ['06-quantized-attention', 'Quantized attention (the SageAttention idea)', 'B'],
  ['07-static-sparse', 'Sliding windows, dilation and global tokens', 'C'],
  ['08-kv-eviction', 'KV eviction: attention sinks and heavy hitters', 'C'],
  ['09-moba', 'MoBA: gated block attention', 'C'],
  ['10-nsa', 'NSA: compress, select, slide', 'C'],
  ['11-linear-attention', 'Linear attention, the RNN view', 'D'],
  ['12-chunkwise', 'Chunkwise-parallel training', 'D'],
  ['13-decay-gates', 'Decay and gates: RetNet, GLA, scalar gates', 'D'],
  ['14-mamba', 'Selective SSM (Mamba) and parallel scans', 'D'],
  ['15-ssd', 'SSD: the Mamba-2 duality', 'D'],
  ['16-delta-rule', 'The delta rule: DeltaNet, Gated DeltaNet, RWKV-7', 'D'],
  ['17-ttt', 'Test-time training as memory: TTT and Titans', 'D'],
  ['18-moe-routing', 'Routing and capacity in sparse MoE', 'E'],
  ['19-load-balancing', 'Load balancing: auxiliary loss vs bias', 'E'],
  ['20-hybrids', 'Hybrid budgeting: Jamba, Zamba, Samba, MiniMax-01', 'F'],
  ['21-diffusion', 'Masked diffusion LLMs and block diffusion', 'G'],
  ['22-vision-ssm', 'Vision SSMs: bidirectional and cross scans', 'H']
];

export const syllabus: PlannedLesson[] = plan.map(([slug, title, part], i) => ({ slug, number: i + 1, title, part }));
