import { webhookUrlProblem } from './webhook-url';

describe('webhook endpoint URLs', () => {
  it.each(['https://crm.example/hooks/tactful', 'http://127.0.0.1:8080/in?x=1'])(
    '%s is accepted',
    (u) => expect(webhookUrlProblem(u)).toBeNull(),
  );
  it.each([
    'file:///etc/passwd',
    'gopher://crm.example/',
    'ftp://crm.example/',
    'javascript:alert(1)',
    'https://user:pass@crm.example/',
    'https://crm.example/#frag',
    'crm.example/hooks',
    `https://crm.example/${'a'.repeat(2001)}`,
  ])('%s is refused', (u) => expect(webhookUrlProblem(u)).not.toBeNull());
});
