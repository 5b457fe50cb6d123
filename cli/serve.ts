import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { LabService } from '../main/service/labService';
import { startWebServer } from '../main/service/webServer';
import { BadInput } from './options';

/** `--port`: a TCP port, 0 for any free one. */
export function portOption(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(port) || port > 65535) throw new BadInput(`--port must be a whole number from 0 to 65535 (0: any free port), got "${text}"`);
  return port;
}

/**
 * The command that opens `url` in the default browser: $BROWSER when set (as xdg-open and many
 * tools honour it; `none` opens nothing), else the platform's opener. Null: open nothing.
 */
export function browserCommand(url: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): { command: string; args: string[] } | null {
  const chosen = env.BROWSER?.trim();
  if (chosen !== undefined && chosen !== '') return chosen === 'none' ? null : { command: chosen, args: [url] };
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // `start` is a cmd.exe builtin; its first quoted argument is a window title, hence the "".
  if (platform === 'win32') return { command: 'cmd.exe', args: ['/d', '/s', '/c', 'start', '""', url] };
  return { command: 'xdg-open', args: [url] };
}

function openBrowser(url: string): void {
  const opener = browserCommand(url);
  if (opener === null) return;
  const cannot = () => process.stderr.write(`caplab: could not open a browser (${opener.command}); open the address above in one\n`);
  try {
    const child = spawn(opener.command, opener.args, { detached: true, stdio: 'ignore', windowsVerbatimArguments: process.platform === 'win32' });
    child.on('error', cannot);
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) cannot();
    });
    child.unref();
  } catch {
    cannot();
  }
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the lab to a browser on 127.0.0.1 (browser mode), behind a per-launch token')
    .option('--port <n>', 'port, 0 for any free one', '0')
    .option('--open', 'open the page in the default browser ($BROWSER when set)')
    .action(async (options: { port: string; open?: boolean }) => {
      const port = portOption(options.port);
      const service = new LabService();
      let server: Awaited<ReturnType<typeof startWebServer>>;
      try {
        server = await startWebServer(service, { port });
      } catch (error) {
        await service.close();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new BadInput(`--port ${port}: that port is in use on 127.0.0.1; choose another, or --port 0 for any free one`);
        if (code === 'EACCES') throw new BadInput(`--port ${port}: not allowed to listen on it (ports below 1024 need privileges); choose another, or --port 0 for any free one`);
        throw error;
      }
      process.stdout.write(`caplab: serving ${server.url}\n`);
      process.stdout.write('caplab: open that address (it carries this launch\'s token); Ctrl+C stops the lab\n');
      if (options.open === true) openBrowser(server.url);
      const stop = () => {
        void server.close().then(() => service.close()).then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await new Promise(() => {});
    });
}
