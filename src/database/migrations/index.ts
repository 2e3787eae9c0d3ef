import { Foundation1763892000000 } from './1763892000000-foundation';

// Listed explicitly (not globbed) so the same list works from ts sources, dist and tests.
export const MIGRATIONS = [Foundation1763892000000];
