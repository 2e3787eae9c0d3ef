import type { Logger } from '@nestjs/common';
import { PeriodicJob } from './periodic-job';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logger() {
  const errors: unknown[][] = [];
  return { errors, log: { error: (...args: unknown[]) => errors.push(args) } as unknown as Logger };
}

describe('PeriodicJob', () => {
  it('never overlaps itself: a run still going when the next is due is skipped', async () => {
    let concurrent = 0;
    let most = 0;
    let runs = 0;
    const { log } = logger();
    const job = new PeriodicJob(
      'slow',
      5,
      async () => {
        runs++;
        most = Math.max(most, ++concurrent);
        await sleep(30);
        concurrent--;
      },
      log,
    );
    job.start();
    await sleep(120);
    await job.stop();
    expect(runs).toBeGreaterThan(1);
    expect(most).toBe(1);
  });

  it('stop waits for the run in flight and no run starts after it', async () => {
    let finished = false;
    let runs = 0;
    const { log } = logger();
    const job = new PeriodicJob(
      'tail',
      5,
      async () => {
        runs++;
        await sleep(40);
        finished = true;
      },
      log,
    );
    job.start({ runNow: true });
    await sleep(10);
    await job.stop();
    expect(finished).toBe(true);
    const after = runs;
    await sleep(30);
    expect(runs).toBe(after);
  });

  it('logs a failure by class and code, never its message (it may quote rows)', async () => {
    const { errors, log } = logger();
    const err = Object.assign(new Error('duplicate key value (email)=(anna@example.ru)'), {
      code: '23505',
    });
    const job = new PeriodicJob('failing', 1000, () => Promise.reject(err), log);
    job.start({ runNow: true });
    await job.stop();
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toContain('failing failed');
    expect(JSON.stringify(errors[0])).not.toContain('anna@example.ru');
  });
});
