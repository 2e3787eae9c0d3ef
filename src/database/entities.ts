import { ApiKeyEntity } from '../auth/api-key.entity';
import { CustomerEntity } from '../customers/customer.entity';

export const ENTITIES = [ApiKeyEntity, CustomerEntity];
