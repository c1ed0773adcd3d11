/** One line of `ptc doctor`. */
export interface Check {
  name: string;
  /** 'warn' is shown but does not fail the doctor (an optional provider without a key, say). */
  status: 'ok' | 'fail' | 'warn' | 'skip';
  detail: string;
  hint?: string;
}
