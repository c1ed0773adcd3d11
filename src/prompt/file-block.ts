/** A file shown in a prompt in the same fenced format the system prompt asks replies for. */
import type { Lang } from '../languages/registry.js';
import { tagForPath } from '../reply/languages.js';

/** The longest run of a fence character at the start of any line of `content`. */
function longestFenceRun(content: string, char: string): number {
  let longest = 0;
  for (const line of content.split('\n')) {
    const t = line.trimStart();
    let n = 0;
    while (n < t.length && t[n] === char) n++;
    if (n > longest) longest = n;
  }
  return longest;
}

/**
 * A file shown in the same format the system prompt asks for (for repair prompts), fenced with enough
 * backticks that fences inside the content cannot close it.
 */
export function formatFileBlock(path: string, content: string, lang: Lang): string {
  const fence = '`'.repeat(Math.max(3, longestFenceRun(content, '`') + 1));
  const body = content.endsWith('\n') ? content : `${content}\n`;
  const shownPath = /\s/.test(path) ? `"${path}"` : path;
  return `${fence}${tagForPath(path, lang)} path=${shownPath}\n${body}${fence}`;
}
