// Time is injected so that tests can freeze it and the policy engine stays pure.
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
