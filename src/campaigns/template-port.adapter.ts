import { Injectable, NotFoundException } from '@nestjs/common';
import type { Channel } from '../policy/engine';
import { TemplatesService } from '../templates/templates.service';
import { TemplatePort, type ContentCheckResult, type SampleCampaign } from './ports';

/** TemplatePort over TemplatesService: an unknown template is null, not a 404. */
@Injectable()
export class TemplatePortAdapter extends TemplatePort {
  constructor(private readonly templates: TemplatesService) {
    super();
  }

  async latestVersion(name: string): Promise<number | null> {
    try {
      return await this.templates.latestVersion(name);
    } catch (err) {
      if (err instanceof NotFoundException) return null;
      throw err;
    }
  }

  sampleContentCheck(
    name: string,
    version: number,
    channels: readonly Channel[],
    campaign: SampleCampaign,
  ): Promise<ContentCheckResult> {
    return this.templates.sampleContentCheck(name, version, channels, campaign);
  }
}
