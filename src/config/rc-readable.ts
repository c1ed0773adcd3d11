import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { unreadableReason } from '../util/regular-file.js';

/**
 * Every place cosmiconfig would read must be a readable regular file or absent. cosmiconfig itself skips an
 * unreadable or directory rc file without a word (so a setting the user wrote silently does not apply) and
 * waits for ever on a FIFO; checked here first, each is a one-line error naming the file.
 */
export function assertRcFilesReadable(opts: {
  cwd: string;
  explicit: string | null;
  userDir: string | null;
  userPlaces: readonly string[];
  projectPlaces: readonly string[];
}): void {
  if (opts.explicit) return check(opts.explicit);
  // cosmiconfig's meta config is read from the process's own directory, before any search.
  for (const place of ['package.json', 'package.yaml', '.config/config.json', '.config/config.yaml', '.config/config.yml']) {
    check(join(process.cwd(), place));
  }
  if (opts.userDir) for (const place of opts.userPlaces) check(join(opts.userDir, place));
  // The project search walks up from cwd and stops in the first folder with a package.json or package.yaml.
  let dir = resolve(opts.cwd);
  for (;;) {
    for (const place of opts.projectPlaces) check(join(dir, place));
    if (existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'package.yaml'))) return;
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** A ConfigError about one rc file, naming it, so `ptc config path` can list the file and what is wrong with it. */
export class RcFileError extends ConfigError {
  constructor(
    readonly path: string,
    message: string,
    opts: ConstructorParameters<typeof ConfigError>[1],
  ) {
    super(message, opts);
  }
}

function check(path: string): void {
  const reason = unreadableReason(path);
  if (reason === null) return;
  throw new RcFileError(path, `cannot read rc file ${path}: ${reason}`, {
    code: 'config_unreadable',
    hint: 'make it a readable file, or move it aside',
  });
}
