import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags, getSchemaPath, ApiExtraModels } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-errors.decorator';
import { Roles } from '../auth/roles.decorator';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { CustomerEventDto } from './event.dto';
import { EventsService } from './events.service';

@ApiTags('events')
@ApiBearerAuth()
@ApiStandardErrors()
@ApiExtraModels(CustomerEventDto)
@Roles('integration', 'marketer')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @Idempotent()
  @ApiBody({
    description: 'One event or an array of up to 1,000; all are recorded or none',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(CustomerEventDto) },
        { type: 'array', items: { $ref: getSchemaPath(CustomerEventDto) } },
      ],
    },
  })
  // The body is one event or an array, so it is validated in the service, not by the pipe.
  record(@Body() body: unknown) {
    return this.events.record(body);
  }
}
