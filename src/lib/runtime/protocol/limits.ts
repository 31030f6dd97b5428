/**
 * How much a run may send to the page. The run worker applies these at the source (it truncates
 * and counts); the frame and the host enforce them again, because the worker shares its realm
 * with learner code and cannot be relied on. Whatever a run prints, the page stays responsive.
 */
import type { OutputKind, SandboxMessage } from '../protocol';

const MiB = 1024 * 1024;

export const LIMITS = {
  /** Characters in one log line; longer lines are cut with a note saying how much was cut. */
  logText: 10_000,
  /** Characters in an error or check message. */
  text: 10_000,
  /** Characters in an id, title, label, file name or message key. */
  label: 500,
  /** Output messages per run, by kind; beyond these they are dropped and counted. */
  perRun: { log: 1_000, point: 10_000, plot: 100, check: 200, error: 100 } satisfies Record<OutputKind, number>,
  /** Timing samples in one sweep point. */
  samples: 1_000,
  /** Series in one plot, and points in one plot (all series together). */
  seriesPerPlot: 16,
  pointsPerPlot: 10_000,
  /** Located diagnostics attached to one error. */
  diagnostics: 100,
  /** Parameters of one check message. */
  params: 32,
  /** Parts of one joined check message. */
  parts: 4,
  /** A run request's files: how many, and characters in each. */
  files: 64,
  fileChars: 1_000_000,
  /** Sequence lengths in one sweep. */
  sweepLengths: 64,
  /** onnx.run: model size, tensors per call, rank and elements per tensor (float32). */
  modelBytes: 64 * MiB,
  /** Bytes of one compiled AssemblyScript module in a run request (a kernel is a few KB). */
  simdModuleBytes: 4 * MiB,
  tensorsPerCall: 256,
  tensorRank: 8,
  tensorElements: 2 ** 26,
  /** onnx.run calls of one run waiting for onnxruntime at once. */
  ortCallsInFlight: 8,
  /** Refused messages after which the frame ends the run. */
  refusedPerRun: 1_000,
  /** The host hands output to the page at most once per this many ms, this many messages at a time. */
  flushMs: 50,
  perFlush: 250
} as const;

/** Cut `text` to at most `max` characters, saying how many were cut. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = (n: number) => `… (${n.toLocaleString('en-US')} more characters)`;
  const keep = Math.max(0, max - note(text.length).length);
  return text.slice(0, keep) + note(text.length - keep);
}

/** Counts a run's output by kind and says whether each message is still within its cap. */
export class OutputBudget {
  private readonly counts: Record<OutputKind, number> = { log: 0, point: 0, plot: 0, check: 0, error: 0 };
  readonly dropped: Record<OutputKind, number> = { log: 0, point: 0, plot: 0, check: 0, error: 0 };

  /** True when one more message of this kind may pass (and counts it); false when it is dropped. */
  admit(kind: OutputKind): boolean {
    if (this.counts[kind] >= LIMITS.perRun[kind]) {
      this.dropped[kind]++;
      return false;
    }
    this.counts[kind]++;
    return true;
  }

  /** Whether this kind has reached its cap (so formatting another message is wasted work). */
  full(kind: OutputKind): boolean {
    return this.counts[kind] >= LIMITS.perRun[kind];
  }

  /** The drops so far plus `more` (from an earlier stage), with zero counts left out. */
  total(more: Partial<Record<OutputKind, number>> = {}): Partial<Record<OutputKind, number>> {
    const out: Partial<Record<OutputKind, number>> = {};
    for (const kind of Object.keys(this.dropped) as OutputKind[]) {
      const n = this.dropped[kind] + (more[kind] ?? 0);
      if (n > 0) out[kind] = n;
    }
    return out;
  }
}

const NOUNS: Record<OutputKind, string> = {
  log: 'log lines',
  point: 'sweep points',
  plot: 'plots',
  check: 'check results',
  error: 'errors'
};

/** One line per kind of dropped output, for the console. */
export function droppedNotes(dropped: Partial<Record<OutputKind, number>>): string[] {
  return (Object.keys(NOUNS) as OutputKind[])
    .filter((kind) => (dropped[kind] ?? 0) > 0)
    .map(
      (kind) =>
        `… ${dropped[kind]!.toLocaleString('en-US')} more ${NOUNS[kind]} were dropped (at most ${LIMITS.perRun[kind].toLocaleString('en-US')} per run)`
    );
}

/** A unique onnx.run call id for the n-th call (from 0) of a run: ids never repeat across runs. */
export function ortCallId(runId: number, n: number): number {
  return runId * 1_000_000 + (n % 1_000_000) + 1;
}

const cut = (s: string, max: number = LIMITS.label) => truncateText(String(s), max);

/**
 * The message with every string and list cut to its limit: what the run worker sends, so that the
 * frame's and host's schemas (which refuse what is too large) accept the harness's own output.
 */
export function clampMessage(m: SandboxMessage): SandboxMessage {
  switch (m.type) {
    case 'log':
      return { ...m, text: truncateText(m.text, LIMITS.logText) };
    case 'error': {
      const e = m.error;
      return {
        ...m,
        error: {
          ...e,
          message: cut(e.message, LIMITS.text),
          ...(e.file !== undefined && { file: cut(e.file) }),
          ...(e.more && {
            more: e.more
              .slice(0, LIMITS.diagnostics)
              .map((d) => ({ ...d, file: cut(d.file), message: cut(d.message, LIMITS.text) }))
          })
        }
      };
    }
    case 'check': {
      const r = m.result;
      const bound = (p: Record<string, string | number>) =>
        Object.fromEntries(
          Object.entries(p)
            .slice(0, LIMITS.params)
            .map(([k, v]) => [cut(k), typeof v === 'string' ? cut(v, LIMITS.text) : v])
        );
      const params = r.params ? bound(r.params) : undefined;
      const parts = r.parts
        ?.slice(0, LIMITS.parts)
        .map((x) => ({ key: cut(x.key), ...(x.params && { params: bound(x.params) }) }));
      return {
        ...m,
        result: {
          ...r,
          id: cut(r.id),
          title: cut(r.title),
          message: cut(r.message, LIMITS.text),
          ...(r.key !== undefined && { key: cut(r.key) }),
          ...(params && { params }),
          ...(parts && { parts })
        }
      };
    }
    case 'point': {
      const p = m.point;
      return {
        ...m,
        point: {
          ...p,
          series: cut(p.series),
          ...(p.samplesMs && { samplesMs: p.samplesMs.slice(0, LIMITS.samples) }),
          ...(p.reason !== undefined && { reason: cut(p.reason, LIMITS.text) })
        }
      };
    }
    case 'plot': {
      const p = m.plot;
      let room = LIMITS.pointsPerPlot;
      const series = p.series.slice(0, LIMITS.seriesPerPlot).map((s) => {
        const points = s.points.slice(0, room);
        room -= points.length;
        return { ...s, label: cut(s.label), points };
      });
      return {
        ...m,
        plot: {
          ...p,
          id: cut(p.id),
          title: cut(p.title),
          x: { ...p.x, label: cut(p.x.label) },
          y: { ...p.y, label: cut(p.y.label) },
          series
        }
      };
    }
    default:
      return m;
  }
}
