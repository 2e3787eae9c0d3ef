import { BadRequestException, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { CountAudienceDto } from './audiences.dto';
import { AudiencesService } from './audiences.service';

@ApiTags('audiences')
@ApiBearerAuth()
@Controller('v1/audiences')
export class AudiencesController {
  constructor(private readonly audiences: AudiencesService) {}

  /** Reads only: the size of an audience, for marketers sizing a campaign and for auditors. */
  @Post('count')
  @HttpCode(200)
  @Roles('marketer', 'auditor')
  async count(@Body() dto: CountAudienceDto) {
    const errors = await this.audiences.validate(dto.audience);
    if (errors.length > 0) throw new BadRequestException(errors);
    return { count: await this.audiences.count(dto.audience) };
  }
}
