/**
 * The user's files among a reply's: the acceptance tests (never written by a reply, in the first round or any
 * repair round), the --context files (read-only unless --force), and what every language says would shadow the
 * user's tests (a conftest.py, a module named like a test, a node_modules package). Hidden tests are not named
 * here: refusing a path because a hidden test has it would tell the model the hidden test's name. The hidden run
 * puts the user's files in place of any the reply wrote (runner.ts), so a reply cannot replace them either.
 */
import { allLanguages } from '../languages/registry.js';

export interface UserPathRules {
  acceptance: readonly string[];
  context: readonly string[];
  /** Whether any user test (acceptance or hidden) takes part: the shadowing rules apply only then. */
  userTests: boolean;
  force: boolean;
}

/** Why a reply may not write `path` (already normalised), or null. */
export type UserPathGuard = (path: string, content: string) => string | null;

export function userPathGuard(rules: UserPathRules): UserPathGuard | undefined {
  if (!rules.userTests && rules.context.length === 0) return undefined;
  // Compared case-insensitively: on macOS and Windows `Test_X.py` is the file `test_x.py`.
  const acceptance = new Set(rules.acceptance.map((p) => p.toLowerCase()));
  const context = new Set(rules.context.map((p) => p.toLowerCase()));
  const families = [...new Map(allLanguages().map((l) => [l.family, l])).values()];
  return (path, content) => {
    const lower = path.toLowerCase();
    if (acceptance.has(lower)) return "one of the user's acceptance tests: it must pass as it is, and no reply writes it";
    if (context.has(lower) && !rules.force) return "a file of the user's project given with --context: read-only (--force allows overwriting it)";
    if (!rules.userTests) return null;
    for (const language of families) {
      const reason = language.shadowsUserTests(path, content, rules.acceptance);
      if (reason) return `${reason}; not written while the user's tests take part`;
    }
    return null;
  };
}
