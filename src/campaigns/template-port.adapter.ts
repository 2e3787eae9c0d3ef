import { Injectable } from '@nestjs/common';
import { isDomainError } from '../common/domain-error';
import type { Channel } from '../policy/engine';
import { TemplatesService } from '../templates/templates.service';
import { TemplatePort, type ContentCheckResult, type SampleCampaign } from './ports';

/**
 * TemplatePort over TemplatesService: an unknown template is null, not a 404, and a template that
 * cannot render is the templates module's DomainError (invalid).
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
      if (isDomainError(err, 'not_found')) return null;
      throw err;
    }
  }

  async sampleContentCheck(
    name: string,
    version: number,
    channels: readonly Channel[],
    campaign: SampleCampaign,
  ): Promise<ContentCheckResult> {
    // A template that cannot render is the templates module's DomainError (invalid), as it is.
    return this.templates.sampleContentCheck(name, version, channels, campaign);
  }
}
