import { request as httpRequest } from 'node:http';
import net from 'node:net';

/**
 * HTTP requests as a hostile client or a browser would send them: any Host, any Origin, no Content-Type at all
 * (fetch cannot set Host and adds a Content-Type to string bodies, so node:http is used instead).
 */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
}

export function rawRequest(
  url: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawAnswer> {
  return new Promise((resolveAnswer, reject) => {
    const req = httpRequest(url + opts.path, { method: opts.method ?? 'POST', headers: opts.headers ?? {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : null }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A POST that promises a body of `declaredBytes` and sends only `partial` of it, then nothing more. */
export interface SlowBody {
  /** Settles when the server closes the connection: with the answer it sent, or status 0 if there was none. */
  answer: Promise<{ status: number; json: any; answeredAt: number; closedAt: number }>;
  abort(): void;
}

/**
 * On a raw socket, so that only the server can close it (node's client closes a connection whose request it
 * could not finish). Sends the headers with `Expect: 100-continue` and waits for `100 Continue`: Node sends it
 * right before it hands the request to ptc's handler, so when this resolves the server is holding the request.
 */
export async function startSlowBody(url: string, path: string, partial: string, declaredBytes = 1000): Promise<SlowBody> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  let received = '';
  let answeredAt = 0;
  let onContinue = () => {};
  socket.on('data', (d: string) => {
    received += d;
    if (received.startsWith('HTTP/1.1 100 ')) {
      received = received.replace(/^HTTP\/1\.1 100 [^\r]*\r\n\r\n/, '');
      onContinue();
    }
    if (!answeredAt && /^HTTP\/1\.1 [2-5]\d\d [\s\S]*\r\n\r\n/.test(received)) answeredAt = Date.now();
  });
  const answer = new Promise<{ status: number; json: any; answeredAt: number; closedAt: number }>((resolveAnswer) => {
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolveAnswer({ status, json: body ? JSON.parse(body) : null, answeredAt, closedAt: Date.now() });
    });
  });
  await new Promise<void>((resolveContinue, reject) => {
    onContinue = resolveContinue;
    socket.once('close', () => reject(new Error(`closed before 100 Continue: ${received}`)));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${declaredBytes}\r\nExpect: 100-continue\r\n\r\n`,
    );
  });
  await new Promise<void>((resolveWritten) => socket.write(partial, () => resolveWritten()));
  return { answer, abort: () => socket.destroy() };
}

/** A connection that sends part of the request headers and then nothing; resolves with what came back and when it closed. */
export function slowHeaders(url: string, partial: string): Promise<{ received: string; closedAt: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolveClosed) => {
    let received = '';
    const socket = net.connect(Number(port), hostname, () => socket.write(partial));
    socket.setEncoding('utf8');
    socket.on('data', (d) => (received += d));
    socket.on('error', () => {});
    socket.on('close', () => resolveClosed({ received, closedAt: Date.now() }));
  });
}
