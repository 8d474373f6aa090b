import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';

/** Running is a child process started by startProcess. */
export interface Running {
  name: string;
  child: ChildProcess;
  /** output is everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** exited resolves with the exit code (or the signal) once the process is gone. */
  exited: Promise<number | NodeJS.Signals>;
  /** stop sends SIGTERM (SIGKILL after killAfterMs) and resolves with the exit code or signal. */
  stop(killAfterMs?: number): Promise<number | NodeJS.Signals>;
}

/** startProcess spawns a command with extra environment and collects its output. */
export function startProcess(name: string, command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Running {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return {
    name,
    child,
    output: () => text,
    exited,
    async stop(killAfterMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
}

/** httpGet fetches a URL on loopback and resolves with the status and body (never rejects: status 0 on error). */
export function httpGet(url: string, timeoutMs = 2_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

/**
 * waitFor polls check every intervalMs until it returns true, and fails
 * with describe()'s text after timeoutMs or as soon as the process exits.
 */
export async function waitFor(
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; process?: Running; describe: () => string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.process && (options.process.child.exitCode !== null || options.process.child.signalCode !== null)) {
      throw new Error(`${options.process.name} exited (${options.process.child.exitCode ?? options.process.child.signalCode}):\n${options.process.output()}`);
    }
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(options.describe());
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}
