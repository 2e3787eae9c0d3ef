import type { ConsentAction } from '../consent/consent-state';
import { planRestore, type SmsLedgerRow } from './sms-restore';

let id = 0;
const ev = (
  topic: string,
  action: ConsentAction,
  source = 'web-form',
  confirmed = false,
): SmsLedgerRow => {
  id += 1;
  return {
    id: String(id),
    topic,
    action,
    source,
    confirmed,
    occurred_at: new Date(Date.UTC(2026, 0, 1, 0, 0, id)),
  };
};
const stop = (topic = '*') => ev(topic, 'withdraw', 'sms-keyword');

describe('planRestore', () => {
  it('is null without a keyword withdrawal', () => {
    expect(planRestore([])).toBeNull();
    expect(planRestore([ev('tips', 'grant'), ev('*', 'withdraw', 'api')])).toBeNull();
  });

  it('restores the live scopes before the STOP, confirmed as they were', () => {
    const first = stop();
    const plan = planRestore([
      ev('tips', 'grant', 'web-form', true),
      ev('offers', 'grant'),
      ev('news', 'grant'),
      ev('news', 'withdraw', 'preference-page'),
      first,
      stop('offers'),
      stop('tips'),
    ]);
    expect(plan).toEqual({
      stopEventId: first.id,
      scopes: [
        { topic: 'offers', confirmed: false },
        { topic: 'tips', confirmed: true },
      ],
    });
  });

  it("puts '*' first when it was live", () => {
    const plan = planRestore([
      ev('tips', 'grant'),
      ev('*', 'grant', 'api', true),
      stop(),
      stop('tips'),
    ]);
    expect(plan?.scopes).toEqual([
      { topic: '*', confirmed: true },
      { topic: 'tips', confirmed: false },
    ]);
  });

  it('keeps the state before the first STOP of a run', () => {
    const first = stop();
    const plan = planRestore([
      ev('tips', 'grant'),
      first,
      stop('tips'),
      stop(),
      ev('x', 'withdraw', 'sms-keyword'),
    ]);
    expect(plan).toEqual({ stopEventId: first.id, scopes: [{ topic: 'tips', confirmed: false }] });
  });

  it('a START closes the run', () => {
    expect(
      planRestore([ev('tips', 'grant'), stop(), stop('tips'), ev('tips', 'grant', 'sms-keyword')]),
    ).toBeNull();
  });

  it('leaves scopes changed by anything else after the STOP alone', () => {
    const plan = planRestore([
      ev('tips', 'grant'),
      ev('offers', 'grant'),
      stop(),
      stop('offers'),
      stop('tips'),
      ev('tips', 'grant', 'api'),
      ev('tips', 'withdraw', 'preference-page'),
    ]);
    expect(plan?.scopes).toEqual([{ topic: 'offers', confirmed: false }]);
  });
});
