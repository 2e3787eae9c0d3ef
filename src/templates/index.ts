export { contentCheck, type ContentCheckResult, type ContentParts } from './content-check';
export { smsSegments, smsOptOutLine, withSmsOptOut, type SmsSegmentInfo } from './sms-segments';
export {
  TemplateRenderError,
  type PartProblem,
  type RenderedMessage,
  type TemplateChannel,
  type TemplateContext,
} from './template-context';
export { TemplatesModule } from './templates.module';
export { TemplatesService } from './templates.service';
