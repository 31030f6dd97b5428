/**
 * A tracking allocator: the lab records every buffer and tensor it allocates here, so the
 * "measured" memory series is the peak of live bytes, not a guess. It also lets the tests check
 * that every GPU buffer was released at the end of a run.
 */
export interface Allocation {
  readonly id: number;
  readonly label: string;
  readonly bytes: number;
}

export class MemoryTracker {
  private nextId = 1;
  private readonly live = new Map<number, Allocation>();
  private liveBytes = 0;
  private peakBytes = 0;

  alloc(label: string, bytes: number): number {
    const id = this.nextId++;
    this.live.set(id, { id, label, bytes });
    this.liveBytes += bytes;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
    return id;
  }

  free(id: number): void {
    const a = this.live.get(id);
    if (!a) return;
    this.live.delete(id);
    this.liveBytes -= a.bytes;
  }

  /** Start a new measurement window: the peak becomes what is live now. */
  resetPeak(): void {
    this.peakBytes = this.liveBytes;
  }

  get current(): number {
    return this.liveBytes;
  }

  get peak(): number {
    return this.peakBytes;
  }

  get count(): number {
    return this.live.size;
  }

  allocations(): Allocation[] {
    return [...this.live.values()];
  }
}
