/** What JavaScript or TypeScript source shows about itself: node:test/vitest-style tests, exports, relative imports. */
import type { ContentSignals } from '../types.js';
import { atLineStart, hasCall, lines } from '../line-scan.js';

function looksLikeTests(content: string): boolean {
  return (
    content.includes('node:test') ||
    content.includes("from 'vitest'") ||
    content.includes('from "vitest"') ||
    hasCall(content, 'describe') ||
    hasCall(content, 'test') ||
    hasCall(content, 'it')
  );
}

export const nodeSignals: ContentSignals = {
  looksLikeTests,

  onlyTests(content) {
    if (!looksLikeTests(content)) return false;
    for (const line of lines(content)) if (line.startsWith('export ')) return false;
    return true;
  },

  definesSomething(content) {
    for (const start of ['export ', 'function ', 'async function ', 'class ', 'module.exports', 'exports.']) {
      if (atLineStart(content, start)) return true;
    }
    if (!content.includes('=>')) return false;
    for (const line of lines(content)) {
      const t = line.trimStart();
      if ((t.startsWith('const ') || t.startsWith('let ')) && t.includes('=>')) return true;
    }
    return false;
  },

  definedNames(content) {
    const names = new Set<string>();
    for (const line of lines(content)) {
      const t = line.trimStart().slice(0, 300);
      const m = /^(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\*?|class|const|let|var|type|interface)\s+([A-Za-z_$][A-Za-z0-9_$]*)/.exec(t);
      if (m?.[1]) names.add(m[1]);
    }
    return names;
  },

  /** `import { slug } from './slug.js'`, `require('./slug')`; parent-folder imports are not the reply's modules. */
  localImports(content) {
    const found: { module: string; symbols: string[] }[] = [];
    for (const raw of lines(content)) {
      const line = raw.trim().slice(0, 500);
      const m = /(?:from\s+|require\(\s*|import\s+)(['"])(\.\.?\/[^'"]+)\1/.exec(line);
      if (!m) continue;
      let spec = m[2]!.replace(/^\.\//, '');
      spec = spec.replace(/\.(?:[cm]?[jt]sx?)$/, '');
      if (spec.startsWith('../')) continue;
      const braces = /\{([^}]*)\}/.exec(line);
      const symbols = braces
        ? braces[1]!.split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+/)[0]!).filter(Boolean)
        : [];
      const def = /^import\s+([A-Za-z_$][A-Za-z0-9_$]*)/.exec(line);
      if (def?.[1]) symbols.push(def[1]);
      found.push({ module: spec, symbols });
    }
    return found;
  },

  looksLikeCode(content) {
    let signals = 0;
    for (const line of lines(content)) {
      if (/^(function|const|let|var|import|export|return|class|if|for|while|test|describe|assert)\b/.test(line.trimStart().slice(0, 20))) {
        signals++;
      }
      if (signals >= 2) return true;
    }
    return false;
  },
};
