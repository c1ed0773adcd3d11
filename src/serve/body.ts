import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Reads a JSON body of at most `limit` bytes: 413 past it (checked on the header and while reading), 400 if not JSON. */
export async function readJsonBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const tooLarge = () => new HttpError(413, 'body_too_large', `request body is larger than ${limit} bytes`, { connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const type = req.headers['content-type'];
  if (type && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', `send the body as application/json, not ${type.split(';')[0]}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw new HttpError(400, 'bad_request', 'empty body: send a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'bad_json', `body is not valid JSON: ${(err as Error).message}`);
  }
}
