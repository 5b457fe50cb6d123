import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');

/** Which `caplab` serves: the repository's (default) or another copy's command, run from `cwd`. */
export interface ServeCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts `caplab serve` as a newcomer would and returns its URL (with the token) once it prints it. */
export async function startServe(how: ServeCommand = { command: process.execPath, args: [resolve(root, 'bin', 'caplab.cjs')], cwd: root }): Promise<{ url: string; origin: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(how.command, [...how.args, 'serve'], { cwd: how.cwd, env: how.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((done, fail) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`caplab serve printed no address in 60 s: ${output}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /caplab: serving (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        done(match[1] as string);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => fail(new Error(`caplab serve exited with ${code}: ${output}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    stop: () =>
      new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
