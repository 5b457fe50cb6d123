import type { Command } from 'commander';
import { LabService } from '../main/service/labService';
import { startWebServer } from '../main/service/webServer';
import { integerOption } from './options';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the lab to a browser on 127.0.0.1 (browser mode), behind a per-launch token')
    .option('--port <n>', 'port (default: a free one)')
    .option('--open', 'open the page in the default browser')
    .action(async (options: { port?: string; open?: boolean }) => {
      const service = new LabService();
      const server = await startWebServer(service, options.port === undefined ? {} : { port: integerOption('--port', options.port, 1) });
      process.stdout.write(`caplab: serving ${server.url}\n`);
      if (options.open === true) {
        const { spawn } = await import('node:child_process');
        const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
        spawn(opener, [server.url], { detached: true, stdio: 'ignore' }).on('error', () => process.stderr.write('caplab: could not open a browser; open the address above\n')).unref();
      }
      const stop = () => {
        void server.close().then(() => service.close()).then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await new Promise(() => {});
    });
}
