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

/**
 * One statement that records the finished jobs and marks the next group, committed together: the
 * count of marked-and-unrecorded messages moves atomically. Returns the keys it recorded and the
 * attempts of the keys it could mark.
 */
export type HandOverStep<T, J> = (
  done: { job: J; result: T }[],
  mark: string[],
) => Promise<{ recorded: Set<string>; marked: Map<string, number> }>;

interface Pending<T, J> {
  job: J;
  resolve(result: T | undefined): void;
  reject(err: unknown): void;
}

/**
 * The instance's hand-over pipeline: jobs from every batch queue here. Each step, in one statement,
 * records whatever has been handed over since the last step and marks the next group from the
 * head of the queue (one lane, at most its transport's concurrency, only as far as the window
 * allows); each marked message is handed over at once. Steps run one at a time while messages
 * are being handed over, so the transport stays busy and no more than the window is ever marked
 * and unrecorded (what a crash turns into `unknown`).
 */
export class HandOverPipeline<T, J extends HandOverJob<T> = HandOverJob<T>> {
  private readonly queue: Pending<T, J>[] = [];
  private readonly done: { pending: Pending<T, J>; result: T }[] = [];
  private stepping = false;

  constructor(
    private readonly window: HandOverWindow,
    private readonly step: HandOverStep<T, J>,
  ) {}

  /** Hands the jobs over; each resolves with its recorded result, or undefined if not marked. */
  submit(jobs: J[]): Promise<(T | undefined)[]> {
    const all = jobs.map(
      (job) =>
        new Promise<T | undefined>((resolve, reject) => this.queue.push({ job, resolve, reject })),
    );
    void this.run();
    return Promise.all(all);
  }

  private async run(): Promise<void> {
    if (this.stepping) return;
    this.stepping = true;
    try {
      for (;;) {
        const done = this.done.splice(0);
        // Room once this step's records are committed.
        const room = this.window.size - this.window.inUse + done.length;
        let group: Pending<T, J>[] = [];
        if (this.queue.length && room > 0) {
          const head = this.queue[0].job;
          const limit = Math.min(room, head.groupLimit);
          let n = 1;
          while (n < limit && n < this.queue.length && this.queue[n].job.lane === head.lane) n++;
          group = this.queue.splice(0, n);
          for (const p of group) await p.job.pace();
        }
        if (!done.length && !group.length) return;
        // Both moves of the count take effect with the statement's commit.
        this.window.release(done.length);
        if (group.length) await this.window.acquire(group.length);
        let result: { recorded: Set<string>; marked: Map<string, number> };
        try {
          result = await this.step(
            done.map((d) => ({ job: d.pending.job, result: d.result })),
            group.map((p) => p.job.key),
          );
        } catch (err) {
          // Nothing committed: the finished ones stay marked (a lease recovery judges them).
          done.forEach((d) => d.pending.reject(err));
          this.window.release(group.length);
          group.forEach((p) => p.reject(err));
          continue;
        }
        for (const d of done) {
          d.pending.resolve(result.recorded.has(d.pending.job.key) ? d.result : undefined);
        }
        for (const p of group) {
          const attempts = result.marked.get(p.job.key);
          if (attempts === undefined) {
            this.window.release(1);
            p.resolve(undefined);
            continue;
          }
          p.job.run(attempts).then(
            (r) => {
              this.done.push({ pending: p, result: r });
              void this.run();
            },
            (err: unknown) => {
              // run() classifies failures itself; an exception here is a bug. It stays marked.
              this.window.release(1);
              p.reject(err);
            },
          );
        }
      }
    } finally {
      this.stepping = false;
    }
  }
}
