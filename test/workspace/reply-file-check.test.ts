import { expect, it } from 'vitest';
import { checkReplyFile } from '../../src/workspace/reply-file-check.js';

const SECRET = 'sk-live-0123456789abcdef';

it('a package.json is refused only when it holds ptc\'s key or cosmiconfig\'s meta-config key', () => {
  expect(checkReplyFile('package.json', '{"name":"x","scripts":{"test":"vitest"}}')).toEqual({ ok: true, path: 'package.json' });
  expect(checkReplyFile('package.json', 'not json')).toMatchObject({ ok: true });
  expect(checkReplyFile('package.json', '{"name":"x","ptc":{"provider":"openai"}}')).toMatchObject({ ok: false, reason: expect.stringContaining('"ptc" key') });
  // An escaped key is the same key to a JSON parser.
  expect(checkReplyFile('web/Package.json', '{"p\\u0074c":{}}')).toMatchObject({ ok: false });
  expect(checkReplyFile('package.json', '{"cosmiconfig":{"searchPlaces":["x.js"]}}')).toMatchObject({ ok: false, reason: expect.stringContaining('"cosmiconfig" key') });
  expect(checkReplyFile('package.yaml', 'name: x\ncosmiconfig:\n  searchPlaces: [x.js]\n')).toMatchObject({ ok: false });
  expect(checkReplyFile('package.yaml', 'name: x\ndependencies: [base]\n')).toMatchObject({ ok: true });
});

it('a file holding a configured secret is refused; the reason never holds the value', () => {
  const check = checkReplyFile('leak.py', `KEY = "${SECRET}"\n`, ['short', SECRET]);
  expect(check).toMatchObject({ ok: false, reason: expect.stringContaining('configured secret') });
  expect(JSON.stringify(check)).not.toContain(SECRET);
  // A too-short "secret" is not looked for: it would refuse ordinary code.
  expect(checkReplyFile('m.py', 'short = 1\n', ['short'])).toEqual({ ok: true, path: 'm.py' });
  expect(checkReplyFile('m.py', 'x = 1\n', [SECRET])).toEqual({ ok: true, path: 'm.py' });
});
