import {
  audienceOf,
  campaignBody,
  emptyForm,
  parseConditionValue,
  placeErrors,
  readCampaignForm,
} from './campaign-form';
import { parseCookies, safeEqual } from './session.service';
import { safeBack } from './page';

describe('console campaign form', () => {
  it('types condition values by field and operator', () => {
    expect(parseConditionValue('purchaseCount', 'gte', '3')).toBe(3);
    expect(parseConditionValue('lastPurchaseAt', 'withinDays', '30')).toBe(30);
    expect(parseConditionValue('hasEmail', 'eq', 'true')).toBe(true);
    expect(parseConditionValue('externalId', 'eq', '123')).toBe('123');
    expect(parseConditionValue('kind', 'in', 'consumer, business')).toEqual([
      'consumer',
      'business',
    ]);
    expect(parseConditionValue('phone', 'exists', '')).toBe(true);
    expect(parseConditionValue('phone', 'exists', 'false')).toBe(false);
  });

  it('builds the audience from the rows (all/any), skipping empty rows', () => {
    const form = readCampaignForm({
      match: 'any',
      'row.field': ['kind', '', 'purchaseCount'],
      'row.op': ['eq', 'eq', 'gt'],
      'row.value': ['consumer', '', '2'],
    });
    expect(audienceOf(form)).toEqual({
      any: [
        { field: 'kind', op: 'eq', value: 'consumer' },
        { field: 'purchaseCount', op: 'gt', value: 2 },
      ],
    });
    expect(audienceOf(emptyForm())).toEqual({});
  });

  it('turns a local time in the chosen zone into an instant with its offset', () => {
    const body = campaignBody({
      ...emptyForm(),
      scheduleType: 'once',
      scheduleAt: '2026-12-01T10:00',
      scheduleTimezone: 'Europe/Moscow',
      priority: 'lots',
    });
    expect(body.schedule).toEqual({ type: 'once', at: '2026-12-01T10:00:00+03:00' });
    expect(body.priority).toBe('lots'); // left for the DTO's message
  });

  it('places service messages on their fields and audience rows', () => {
    const form = readCampaignForm({
      'row.field': ['kind', 'nope'],
      'row.op': ['eq', 'eq'],
      'row.value': ['consumer', 'x'],
    });
    const { byField, general } = placeErrors(form, [
      'name must have 1 to 200 characters',
      'topic tips does not exist',
      'schedule.at must be in the future',
      'audience.all[1].field: unknown field "nope"',
      'something else',
    ]);
    expect(byField.name).toHaveLength(1);
    expect(byField.topic).toEqual(['topic tips does not exist']);
    expect(byField.schedule).toHaveLength(1);
    expect(form.rows[1].errors).toEqual(['audience.all[1].field: unknown field "nope"']);
    expect(general).toEqual(['something else']);
  });

  it('parses cookies, compares tokens safely and follows only console paths back', () => {
    expect(parseCookies('a=1; tactful_console=x%2By; a=2')).toEqual({
      a: '1',
      tactful_console: 'x+y',
    });
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', undefined)).toBe(false);
    expect(safeBack('/console/campaigns?x=1')).toBe('/console/campaigns?x=1');
    expect(safeBack('https://evil.example/console')).toBe('/console');
    expect(safeBack('/consolex')).toBe('/console');
  });
});
