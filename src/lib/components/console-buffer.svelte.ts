/**
 * The console's lines: a bounded buffer that learner output cannot grow without limit. Appending
 * is amortised O(1) (no copy of the whole list per line), and the page is told about new lines at
 * most once per animation frame, however many arrive in between.
 */
export type LogLevel = 'log' | 'warn' | 'error';

export interface ConsoleLine {
  /** Unique for the page's lifetime: the key of the rendered line. */
  seq: number;
  level: LogLevel;
  text: string;
  /** Characters cut from the end of this line (0 when whole). */
  cut: number;
}

export const MAX_LINES = 2000;
export const MAX_LINE_CHARS = 1000;
/** One log call is cut to this before it is split into lines (a 30 MB string must stay cheap). */
export const MAX_ENTRY_CHARS = 200_000;

export class ConsoleBuffer {
  /** Lines before `#start` are dropped; compacted when they outnumber the kept ones. */
  #lines: ConsoleLine[] = [];
  #start = 0;
  #seq = 0;
  #dropped = 0;
  #scheduled = false;

  /** What the page renders from, updated by flush(). */
  length = $state(0);
  dropped = $state(0);
  /** Bumps on every flush, so a view can follow the newest line. */
  version = $state(0);

  constructor(private readonly maxLines = MAX_LINES) {}

  push(level: LogLevel, text: string): void {
    let entry = text;
    let entryCut = 0;
    if (entry.length > MAX_ENTRY_CHARS) {
      entryCut = entry.length - MAX_ENTRY_CHARS;
      entry = entry.slice(0, MAX_ENTRY_CHARS);
    }
    const parts = entry.split('\n');
    // Only the newest lines can survive: do not build the ones that would be dropped at once.
    const skip = Math.max(0, parts.length - this.maxLines);
    this.#dropped += skip;
    for (let i = skip; i < parts.length; i++) {
      const whole = parts[i];
      const over = Math.max(0, whole.length - MAX_LINE_CHARS);
      const last = i === parts.length - 1;
      this.#lines.push({
        seq: this.#seq++,
        level,
        text: over ? whole.slice(0, MAX_LINE_CHARS) : whole,
        cut: over + (last ? entryCut : 0)
      });
    }
    const live = this.#lines.length - this.#start;
    if (live > this.maxLines) {
      this.#dropped += live - this.maxLines;
      this.#start = this.#lines.length - this.maxLines;
    }
    if (this.#start > this.maxLines) {
      this.#lines = this.#lines.slice(this.#start);
      this.#start = 0;
    }
    this.#schedule();
  }

  /** Kept lines `from` (inclusive) to `to` (exclusive), 0 being the oldest kept. */
  slice(from: number, to: number): ConsoleLine[] {
    return this.#lines.slice(this.#start + Math.max(0, from), this.#start + Math.max(0, to));
  }

  clear(): void {
    this.#lines = [];
    this.#start = 0;
    this.#dropped = 0;
    this.flush();
  }

  /** Publish what arrived since the last flush (also called when a run ends, so nothing waits a frame). */
  flush(): void {
    this.#scheduled = false;
    this.length = this.#lines.length - this.#start;
    this.dropped = this.#dropped;
    this.version++;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    nextFrame(() => {
      if (this.#scheduled) this.flush();
    });
  }
}

/**
 * After the next paint, or within 100 ms when frames are not coming (a background tab), so a
 * flood of messages costs one render per frame rather than one per message.
 */
export function nextFrame(fn: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    fn();
  };
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(once);
  setTimeout(once, 100);
}
