/**
 * Messages placed next to the field their first word names (`name must …`); the rest are
 * shown at the top of the form.
 */
export function messagesByFirstWord(
  messages: readonly string[],
  fields: readonly string[],
): { errors: Record<string, string[]>; general: string[] } {
  const errors: Record<string, string[]> = {};
  const general: string[] = [];
  for (const m of messages) {
    const f = /^(?:property\s+)?([A-Za-z]+)/.exec(m)?.[1] ?? '';
    if (fields.includes(f)) (errors[f] ??= []).push(m);
    else general.push(m);
  }
  return { errors, general };
}
