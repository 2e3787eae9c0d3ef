import { Clock } from '../../src/common/clock';

/** A clock the test moves by hand: set `current`, or call `set` / `advance`. */
export class ManualClock extends Clock {
  constructor(public current: Date) {
    super();
  }
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(at: string | Date): void {
    this.current = new Date(at);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
