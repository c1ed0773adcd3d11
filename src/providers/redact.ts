/** Keys never leave ptc: every provider text that reaches a message passes through here first. */
export function redactKey(text: string, apiKey: string | null): string {
  if (!apiKey || apiKey.length < 4) return text;
  return text.split(apiKey).join('***');
}

/** One line, bounded: server messages can be long HTML pages or multi-line dumps. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
