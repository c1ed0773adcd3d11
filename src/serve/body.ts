import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

const SEND_JSON = 'send the body with Content-Type: application/json (charset utf-8, if any)';

/**
 * Only `application/json`, optionally with `charset=utf-8`. Why so strict: a web page can POST `text/plain`,
 * form types or a body with no type at all without a CORS preflight, so accepting those would let any page
 * reach this server; `application/json` always needs a preflight, which is refused unless --allow-origin says so.
 */
export function checkContentType(header: string | undefined): void {
  if (header === undefined) throw new HttpError(415, 'unsupported_media_type', `no Content-Type: ${SEND_JSON}`);
  const [type = '', ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  const charsetOk = params.every((p) => /^charset=(?:utf-8|"utf-8")$/.test(p));
  if (type !== 'application/json' || !charsetOk) {
    throw new HttpError(415, 'unsupported_media_type', `Content-Type ${JSON.stringify(header.slice(0, 100))} is not accepted: ${SEND_JSON}`);
  }
}

export interface BodyLimits {
  /** Bytes; past it 413 (checked on Content-Length and while reading). */
  limit: number;
  /** Milliseconds the client gets to deliver the whole body; past it 408 and the connection is closed. */
  timeoutMs: number;
}

/** Reads and parses a JSON body within the size and time limits: 400 if it is empty or not JSON. */
export async function readJsonBody(req: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  const text = await readBody(req, limits);
  if (!text.trim()) throw new HttpError(400, 'bad_request', 'empty body: send a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'bad_json', `body is not valid JSON: ${(err as Error).message}`);
  }
}

function readBody(req: IncomingMessage, { limit, timeoutMs }: BodyLimits): Promise<string> {
  const tooLarge = () => new HttpError(413, 'body_too_large', `request body is larger than ${limit} bytes`, { connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolveText, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // A client that sends its body slowly (or never finishes it) must not keep a connection for long.
    const timer = setTimeout(
      () => finish(new HttpError(408, 'request_timeout', `the request body did not arrive within ${timeoutMs / 1000}s`, { connection: 'close' })),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const onClose = () => finish(new HttpError(400, 'incomplete_body', 'the client closed the connection before the body was complete'));
    function finish(err: HttpError | null) {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onClose).off('close', onClose);
      if (err) {
        req.pause();
        reject(err);
      } else resolveText(Buffer.concat(chunks).toString('utf8'));
    }
    req.on('data', onData).on('end', onEnd).on('error', onClose).on('close', onClose);
  });
}
