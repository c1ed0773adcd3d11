import { format } from 'node:util';

/**
 * On stdio, stdout is the protocol: one stray console.log from any library would corrupt it. While the server
 * runs, console output that would go to stdout goes to stderr. Returns the function that puts it back.
 */
export function routeConsoleToStderr(): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug, dir: console.dir };
  const toStderr = (...args: unknown[]) => {
    process.stderr.write(format(...args) + '\n');
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.dir = (obj: unknown) => toStderr(obj);
  return () => Object.assign(console, saved);
}
