import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { invalid, isDomainError } from '../common/domain-error';
import type { Channel } from '../policy/engine';
import { TemplatesService } from '../templates/templates.service';
import { TemplatePort, type ContentCheckResult, type SampleCampaign } from './ports';

/**
 * TemplatePort over TemplatesService: an unknown template is null, not a 404, and a template that
 * cannot render is a DomainError (invalid) whichever way the templates module says it.
 */
@Injectable()
export class TemplatePortAdapter extends TemplatePort {
  constructor(private readonly templates: TemplatesService) {
    super();
  }

  async latestVersion(name: string): Promise<number | null> {
    try {
      return await this.templates.latestVersion(name);
    } catch (err) {
      // NotFoundException: until templates throws DomainError (issue #16); then only the latter.
      if (err instanceof NotFoundException || isDomainError(err, 'not_found')) return null;
      throw err;
    }
  }

  async sampleContentCheck(
    name: string,
    version: number,
    channels: readonly Channel[],
    campaign: SampleCampaign,
  ): Promise<ContentCheckResult> {
    try {
      return await this.templates.sampleContentCheck(name, version, channels, campaign);
    } catch (err) {
      // Until templates throws DomainError (issue #16): its BadRequestException, as the port's
      // refusal. Remove this branch once templates.service no longer throws Nest exceptions.
      if (err instanceof BadRequestException) throw invalid(messagesOf(err));
      throw err;
    }
  }
}

function messagesOf(err: BadRequestException): string[] {
  const body = err.getResponse() as { message?: unknown };
  return Array.isArray(body.message) ? body.message.map(String) : [err.message];
}
