import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { makeDirs } from '../util/make-dirs.js';

/** The directory a server writes into: created when missing (agent configs name it before it exists). */
export async function ensureRoot(root: string, given: string | undefined): Promise<void> {
  const info = await stat(root).catch(() => null);
  if (info?.isDirectory()) return;
  if (info) throw new UsageError(`--root ${given ?? root} is not a directory`, { hint: 'give the directory outputs may go to' });
  await makeDirs(root).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot create --root ${given ?? root}: ${err.code === 'EACCES' || err.code === 'EPERM' ? `permission denied (${err.code})` : (err.code ?? err.message)}`, { hint: 'give a directory you can write to' });
  });
}
