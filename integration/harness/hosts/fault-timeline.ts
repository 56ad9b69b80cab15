/** One thing that happened during a fault, at a wall-clock time. */
export interface TimelineEvent {
  readonly atMs: number;
  readonly what: string;
}

/**
 * What happened when during a fault, for the test's output (the note needs "cut at t,
 * detected at t, failures seen"). Times print relative to the fault itself (`t=+1.234 s`).
 */
export class FaultTimeline {
  readonly events: TimelineEvent[] = [];

  constructor(readonly name: string) {}

  /** Records `what` at `atMs` (default now); returns the time, to measure from. */
  mark(what: string, atMs = Date.now()): number {
    this.events.push({ atMs, what });
    return atMs;
  }

  /** Seconds from the first event named `from` to `atMs`, or undefined if there is no such event. */
  since(from: string, atMs: number): number | undefined {
    const start = this.events.find((e) => e.what === from);
    return start === undefined ? undefined : (atMs - start.atMs) / 1000;
  }

  /** Lines, in time order, each relative to the first event whose name is `zero`. */
  lines(zero: string): string[] {
    const zeroMs = this.events.find((e) => e.what === zero)?.atMs ?? this.events[0]?.atMs ?? 0;
    return [...this.events]
      .sort((a, b) => a.atMs - b.atMs)
      .map((e) => {
        const s = (e.atMs - zeroMs) / 1000;
        return `${this.name}: t=${s >= 0 ? '+' : ''}${s.toFixed(3)} s  ${e.what}`;
      });
  }
}
