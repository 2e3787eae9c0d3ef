export { MailModule } from './mail.module';
export { MailService } from './mail.service';
export type { OutgoingMail, SentMail } from './mail.types';
export {
  compiledTemplate,
  langOf,
  renderSystemMail,
  templatesRoot,
  type PageLang,
} from './system-mail';
