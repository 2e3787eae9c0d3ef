import type { HandOverWindow } from './hand-over-window';

/** One message to hand over. */
export interface HandOverJob<T> {
  /** The delivery id. */
  key: string;
  /** Jobs of one lane (channel) are marked together, at most `groupLimit` at a time. */
  lane: string;
  /** The transport's concurrency. */
  groupLimit: number;
  /** Waits for the channel's rate. */
  pace(): Promise<void>;
  /** The hand-over itself, once marked; `attempts` as counted by the mark. */
  run(attempts: number): Promise<T>;
}

export interface HandOverPorts<T, J extends HandOverJob<T>> {
  /** Marks the keys `sending` and commits; returns the attempts of those it could mark. */
  mark(keys: string[]): Promise<Map<string, number>>;
  /** Records the outcomes and commits; returns the keys it recorded. */
  record(done: { job: J; result: T }[]): Promise<Set<string>>;
}

interface Pending<T, J> {
  job: J;
  resolve(result: T | undefined): void;
  reject(err: unknown): void;
}

/**
 * The instance's hand-over pipeline: jobs from every batch queue here; a marker marks the head of
 * the queue in small groups while the window has room, each message is handed over as soon as it
 * is marked, and a recorder records whatever has finished in one statement and gives the room
 * back. Marking, handing over and recording overlap, so the transport is kept busy while no more
 * than the window is ever marked and unrecorded (what a crash turns into `unknown`).
 */
export class HandOverPipeline<T, J extends HandOverJob<T> = HandOverJob<T>> {
  private readonly queue: Pending<T, J>[] = [];
  private readonly done: { pending: Pending<T, J>; result: T }[] = [];
  private marking = false;
  private recording = false;

  constructor(
    private readonly window: HandOverWindow,
    private readonly ports: HandOverPorts<T, J>,
  ) {}

  /** Hands the jobs over; each resolves with its recorded result, or undefined if not marked. */
  submit(jobs: J[]): Promise<(T | undefined)[]> {
    const all = jobs.map(
      (job) =>
        new Promise<T | undefined>((resolve, reject) => this.queue.push({ job, resolve, reject })),
    );
    void this.pump();
    return Promise.all(all);
  }

  private async pump(): Promise<void> {
    if (this.marking) return;
    this.marking = true;
    try {
      while (this.queue.length && this.window.inUse < this.window.size) {
        const head = this.queue[0].job;
        const room = Math.min(this.window.size - this.window.inUse, head.groupLimit);
        let n = 1;
        while (n < room && n < this.queue.length && this.queue[n].job.lane === head.lane) n++;
        const group = this.queue.splice(0, n);
        for (const p of group) await p.job.pace();
        await this.window.acquire(group.length);
        let marked: Map<string, number>;
        try {
          marked = await this.ports.mark(group.map((p) => p.job.key));
        } catch (err) {
          this.window.release(group.length);
          group.forEach((p) => p.reject(err));
          continue;
        }
        for (const p of group) {
          const attempts = marked.get(p.job.key);
          if (attempts === undefined) {
            this.window.release(1);
            p.resolve(undefined);
            continue;
          }
          p.job.run(attempts).then(
            (result) => {
              this.done.push({ pending: p, result });
              void this.flush();
            },
            (err: unknown) => {
              // run() classifies failures itself; an exception here is a bug: keep it marked.
              this.window.release(1);
              p.reject(err);
            },
          );
        }
      }
    } finally {
      this.marking = false;
    }
  }

  private async flush(): Promise<void> {
    if (this.recording) return;
    this.recording = true;
    try {
      while (this.done.length) {
        const batch = this.done.splice(0);
        try {
          const recorded = await this.ports.record(
            batch.map((d) => ({ job: d.pending.job, result: d.result })),
          );
          for (const d of batch) {
            d.pending.resolve(recorded.has(d.pending.job.key) ? d.result : undefined);
          }
        } catch (err) {
          batch.forEach((d) => d.pending.reject(err));
        } finally {
          this.window.release(batch.length);
        }
        void this.pump();
      }
    } finally {
      this.recording = false;
    }
  }
}
