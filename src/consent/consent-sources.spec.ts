import { FLOW_SOURCE_LIST, isFlowSource } from './consent-sources';

describe('flow sources', () => {
  it('lists every source the customer flows write', () => {
    expect([...FLOW_SOURCE_LIST].sort()).toEqual([
      'complaint',
      'double-opt-in',
      'mailto-unsubscribe',
      'one-click',
      'preference-page',
      'provider-optout',
      'sms-keyword',
      'unsubscribe-undo',
    ]);
  });

  it.each([
    ...FLOW_SOURCE_LIST,
    'double_opt_in',
    'doubleoptin',
    'Double-Opt-In',
    'one-click-v2',
    'preference_page',
    'sms_keyword',
    'mail-to-unsubscribe',
    'provider_optout',
    'complaints',
  ])('refuses %s', (s) => expect(isFlowSource(s)).toBe(true));

  it.each([
    'web-form',
    'api',
    'import',
    'checkout',
    'crm-double-opt-in',
    'sms',
    'mail',
    'call-centre',
  ])('accepts %s', (s) => expect(isFlowSource(s)).toBe(false));
});
