import { PRIME_REPLY } from '../mcp/mcp-client.js';

export { PRIME_REPLY };

/** The same module with a test that cannot pass: for the exit-1 paths. */
export const FAILING_REPLY = PRIME_REPLY.replace('assert not is_prime(1) and not is_prime(9)', 'assert is_prime(9)');
