import { UsageError } from '../errors.js';
import { PROVIDER_IDS, type ProviderId } from '../types.js';
import { closest } from './suggest.js';

/** A provider id given on the command line, or a usage error that names the closest one (`kim` → `kimi`). */
export function providerArg(raw: string): ProviderId {
  if ((PROVIDER_IDS as readonly string[]).includes(raw)) return raw as ProviderId;
  const suggestion = closest(raw, PROVIDER_IDS);
  throw new UsageError(`unknown provider "${raw}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, {
    hint: `use one of: ${PROVIDER_IDS.join(', ')}`,
  });
}
