/**
 * Paths a reply may never write because ptc, git or the user's shell would later load them as configuration
 * or environment: a model's reply that wrote one could point ptc at another server (and send it the user's
 * key), run code on the host at ptc's next start, or run code on `git status`.
 *
 * Names are compared case-insensitively: on macOS and Windows `.PTCRC.json` and `.GIT` are the same files
 * as `.ptcrc.json` and `.git`.
 */

/** Why a path (its normalised segments) is a configuration path, or null when it is not. */
export function configPathReason(segments: readonly string[]): string | null {
  const lower = segments.map((s) => s.toLowerCase());
  for (let i = 0; i < lower.length; i++) {
    const seg = lower[i]!;
    // `git~1` is the short (8.3) name Windows may give `.git`.
    if (seg === '.git' || seg === 'git~1') return 'inside .git (git would run what it configures)';
    // cosmiconfig's search places for "ptc" in any folder (it searches upward from where ptc runs), in
    // `.config/` (its other places, and the XDG user rc folder), and the meta config that can add places.
    if (seg === '.config' && i + 1 < lower.length) {
      const next = lower[i + 1]!;
      if (next.startsWith('ptc') || /^config\.(json|ya?ml)$/.test(next)) return "ptc's configuration (.config/)";
    }
  }
  const base = lower.at(-1) ?? '';
  if (base.startsWith('.ptcrc') || /^ptc\.config(\.|$)/.test(base)) return "ptc's rc file (ptc would load it as configuration)";
  if (base.startsWith('.env')) return 'an environment file (.env*), read as configuration';
  return null;
}

/**
 * Why a file is configuration by its content: a package.json (or package.yaml) is ordinary project content,
 * so only one holding ptc's key or cosmiconfig's meta-config key is refused, not every one.
 */
export function configContentReason(segments: readonly string[], content: string): string | null {
  const base = (segments.at(-1) ?? '').toLowerCase();
  if (base === 'package.json') {
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch {
      return null; // not JSON: cosmiconfig reports it and loads nothing from it
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const key of ['ptc', 'cosmiconfig']) {
        if (Object.hasOwn(value, key)) return `a package.json with a "${key}" key (ptc would load it as configuration)`;
      }
    }
    return null;
  }
  // cosmiconfig reads its meta config from package.yaml too; its YAML needs no parser to be recognised here.
  if (base === 'package.yaml' && /^\s*["']?(ptc|cosmiconfig)["']?\s*:/m.test(content)) {
    return 'a package.yaml with a "ptc" or "cosmiconfig" key (ptc would load it as configuration)';
  }
  return null;
}
