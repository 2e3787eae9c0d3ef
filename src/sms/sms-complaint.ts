/** Whether a free-text SMS reads as a complaint (ru, en): it then opens a follow-up. */

// \b does not know Cyrillic; these look-arounds do, with the u flag.
const START = '(?<![\\p{L}\\p{N}])';

/** Russian by stem so every form matches; English by word. */
const COMPLAINT_PATTERNS: RegExp[] = [
  `${START}жалоб\\p{L}*`,
  `${START}пожалу(?:юсь|емся|ется)`,
  `${START}недовол\\p{L}*`,
  `${START}ужасн\\p{L}*`,
  `${START}отвратительн\\p{L}*`,
  `${START}безобрази\\p{L}*`,
  `${START}обман\\p{L}*`,
  `${START}верните\\s+деньги`,
  `${START}возврат\\p{L}*\\s+(?:денег|средств)`,
  `${START}брак\\p{L}*`,
  `${START}сломал\\p{L}*`,
  `${START}не\\s+работает`,
  `${START}хамств\\p{L}*`,
  `${START}complain\\p{L}*`,
  `${START}terrible`,
  `${START}awful`,
  `${START}disappointed`,
  `${START}unacceptable`,
  `${START}refund`,
  `${START}broken`,
  `${START}(?:doesn'?t|does\\s+not|don'?t|not)\\s+work`,
  `${START}scam`,
  `${START}rude`,
  `${START}stop\\s+(?:calling|texting|messaging|spamming)`,
].map((p) => new RegExp(p, 'iu'));

export function readsAsComplaint(text: string): boolean {
  const t = text.slice(0, 2000);
  return COMPLAINT_PATTERNS.some((re) => re.test(t));
}
