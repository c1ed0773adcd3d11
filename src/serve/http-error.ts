/** An answer at the HTTP level (bad body, no token, too busy): the request never reached ptc's pipeline. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The body of an HTTP-level error. Results of ptc runs are the contract's JSON instead, always with 200/504. */
export function httpErrorBody(err: HttpError): { error: { code: string; message: string } } {
  return { error: { code: err.code, message: err.message } };
}
