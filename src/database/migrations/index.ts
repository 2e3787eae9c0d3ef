import { Foundation1763892000000 } from './1763892000000-foundation';
import { ContactPolicies1763895600000 } from './1763895600000-contact-policies';
import { Consent1763899200000 } from './1763899200000-consent';

// Listed explicitly (not globbed) so the same list works from ts sources, dist and tests.
export const MIGRATIONS = [
  Foundation1763892000000,
  ContactPolicies1763895600000,
  Consent1763899200000,
];
