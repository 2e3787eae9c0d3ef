import type { Logger } from '@nestjs/common';
import { safeError } from './log-safety';

/**
 * A background job of this instance: run every `everyMs`, never overlapping itself (a run still
 * going when the next is due is skipped), and stopped by waiting for the run in flight, so it
 * finishes before the DataSource closes. Failures are logged by class and code only (a database
 * error's text may quote the rows it touched).
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly name: string,
    private readonly everyMs: number,
    private readonly run: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  start(opts: { runNow?: boolean } = {}): void {
    this.timer = setInterval(() => this.runOnce(), this.everyMs);
    this.timer.unref();
    if (opts.runNow) this.runOnce();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private runOnce(): void {
    if (this.running) return;
    this.running = this.run()
      .catch((err: unknown) =>
        this.logger.error({ error: safeError(err), job: this.name }, `${this.name} failed`),
      )
      .finally(() => (this.running = undefined));
  }
}
