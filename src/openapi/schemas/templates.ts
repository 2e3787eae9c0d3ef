import { TEMPLATE_PARTS } from '../../templates/template-engine';
import {
  arrayOf,
  bool,
  dateTime,
  enumOf,
  int,
  nullable,
  nullableRef,
  object,
  page,
  ref,
  str,
  strings,
  uuid,
  type Schema,
} from './common';

const SOURCE = enumOf(['builtin', 'stored']);
/** The Handlebars sources of one locale: the channels it has are those whose parts are here. */
const localeParts = object(Object.fromEntries(TEMPLATE_PARTS.map((p) => [p, str])), {
  optional: [...TEMPLATE_PARTS],
});

/** Templates: versions, the list and the preview with its SMS segments. */
export const TEMPLATE_SCHEMAS: Record<string, Schema> = {
  CreatedTemplate: object({
    name: str,
    version: int,
    locales: strings,
    createdAt: dateTime,
    createdBy: str,
    warnings: { ...strings, description: 'What renders oddly with the sample customer' },
  }),
  TemplateList: page(
    object({
      name: str,
      latestVersion: int,
      source: SOURCE,
      locales: strings,
      updatedAt: nullable({ ...dateTime, description: 'Null for a built-in template' }),
    }),
  ),
  Template: object({
    name: str,
    version: int,
    source: SOURCE,
    locales: {
      type: 'object',
      description: 'Sources by locale',
      additionalProperties: localeParts,
    },
    createdAt: nullable(dateTime),
    createdBy: nullable(str),
  }),
  TemplateVersions: page(
    object({
      version: int,
      source: SOURCE,
      locales: strings,
      createdAt: nullable(dateTime),
      createdBy: nullable(str),
    }),
  ),
  SmsPreview: object({
    body: str,
    segments: int,
    encoding: enumOf(['GSM-7', 'UCS-2']),
    length: {
      ...int,
      description: 'In characters of its encoding (GSM-7 extension chars count 2)',
    },
    maxSegments: int,
    ucs2Culprits: arrayOf(object({ char: str, position: int, replacement: nullable(str) })),
    gsmSegments: nullable({ ...int, description: 'Segments once every culprit is replaced' }),
    warning: nullable(str),
  }),
  LocalePreview: object({
    ok: bool,
    problems: arrayOf(
      object(
        {
          part: enumOf([...TEMPLATE_PARTS, 'footer']),
          line: int,
          column: int,
          variable: str,
          message: str,
          partial: str,
          description: str,
        },
        { optional: ['partial'] },
      ),
    ),
    email: nullable(object({ subject: str, html: str, text: str })),
    sms: nullableRef('SmsPreview'),
    voice: nullable(object({ brief: str })),
    contentCheck: nullableRef('ContentCheck'),
  }),
  TemplatePreview: object({
    name: str,
    version: int,
    customer: object({ id: nullable(uuid), sample: bool }),
    locales: { type: 'object', additionalProperties: ref('LocalePreview') },
  }),
};
