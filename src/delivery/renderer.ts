import type { Channel } from '../policy/engine';
import type { RenderedMessage, TemplateContext } from '../templates/template-context';

/**
 * The sender's view of the template renderer. The module binds it to TemplatesService; tests and
 * embedders may bind another implementation. It throws when a template cannot be rendered whole.
 */
export abstract class MessageRenderer {
  abstract render(
    name: string,
    version: number,
    channel: Channel,
    context: TemplateContext,
  ): Promise<RenderedMessage>;
}
