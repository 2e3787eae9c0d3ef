import { audienceOnlyBusiness, channelProblems, goalTopicProblem } from './campaign-rules';

describe('campaign rules', () => {
  it('matches service goals with service topics only', () => {
    expect(goalTopicProblem('care', 'care', 'service')).toBeNull();
    expect(goalTopicProblem('retention', 'tips', 'content')).toBeNull();
    expect(goalTopicProblem('winback', 'offers', 'promotional')).toBeNull();
    expect(goalTopicProblem('announcement', 'tips', 'content')).toMatch(/need a service topic/);
    expect(goalTopicProblem('engagement', 'care', 'service')).toMatch(/is a service topic/);
  });

  it.each([
    [{ field: 'kind', op: 'eq', value: 'business' }, true],
    [{ field: 'kind', op: 'in', value: ['business'] }, true],
    [
      {
        all: [
          { field: 'locale', op: 'eq', value: 'ru' },
          { field: 'kind', op: 'eq', value: 'business' },
        ],
      },
      true,
    ],
    [
      {
        any: [
          { field: 'kind', op: 'eq', value: 'business' },
          { field: 'locale', op: 'eq', value: 'ru' },
        ],
      },
      false,
    ],
    [{ field: 'kind', op: 'in', value: ['business', 'consumer'] }, false],
    [{ not: { field: 'kind', op: 'eq', value: 'consumer' } }, false],
    [{ field: 'kind', op: 'ne', value: 'consumer' }, false],
    [{}, false],
  ])('audienceOnlyBusiness(%j) is %s', (filter, expected) => {
    expect(audienceOnlyBusiness(filter)).toBe(expected);
  });

  it('allows voice only for business audiences on non-promotional topics', () => {
    const business = { field: 'kind', op: 'eq', value: 'business' };
    expect(channelProblems(['email', 'sms'], 'promotional', {})).toEqual([]);
    expect(channelProblems(['voice'], 'service', business)).toEqual([]);
    expect(channelProblems(['voice'], 'content', {})).toEqual([
      expect.stringMatching(/^channels: voice needs an audience limited to business/),
    ]);
    expect(channelProblems(['email', 'voice'], 'promotional', business)).toEqual([
      expect.stringMatching(/^channels: voice is not allowed for promotional topics/),
    ]);
  });
});
