// Issue 12, the CLI as a real package: packed, installed from the tarball into a temporary prefix
// with production dependencies only, and used from a folder outside the repository. No `.ts`,
// no src/, no tsx: every worker (replicas, sweep seeds, checker jobs, replay/export) runs from the
// built output. The same install is driven in Chromium by test/e2e/installed.e2e.ts.
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstalledCopy, filesUnder, installedCopy, plainEnv } from './installedCopy';

let copy: InstalledCopy;
let work: string;

beforeAll(() => {
  copy = installedCopy();
  work = mkdtempSync(join(tmpdir(), 'caplab-user-'));
}, 300_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** Runs the installed `caplab` from the user's folder, outside the repository. */
function caplab(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(copy.bin, args, { cwd: work, env: plainEnv(), encoding: 'utf8', timeout: 120_000 });
}

const output = (result: SpawnSyncReturns<string>) => `exit ${result.status}\n${result.stdout}\n${result.stderr}`;

describe('the packed tarball', () => {
  it('holds the built CLI, the lab service and its workers, the renderer and the presets, and no sources', () => {
    const files = copy.packedFiles;
    for (const needed of ['bin/caplab.cjs', 'out/main/cli.js', 'out/renderer/index.html', 'presets/raft-leader-crash.yaml', 'package.json', 'README.md']) expect(files).toContain(needed);
    for (const worker of ['replica', 'sweep', 'checker', 'replay']) expect(files.some((file) => new RegExp(`^out/main/chunks/${worker}\\.worker-[0-9a-f]+\\.js$`).test(file)), worker).toBe(true);
    const sources = files.filter((file) => /^(src|test|bench|cli|workers|main|renderer|preload)\//.test(file) || /\.(ts|mts|vue)$/.test(file));
    expect(sources).toEqual([]);
  });

  it('installs with production dependencies only: no tsx, esbuild, Electron, Vue or vitest', () => {
    const manifest = JSON.parse(readFileSync(join(copy.packageDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    const installed = [...readdirSync(join(copy.prefix, 'lib', 'node_modules')), ...(existsSync(join(copy.packageDir, 'node_modules')) ? readdirSync(join(copy.packageDir, 'node_modules')) : [])];
    for (const absent of ['tsx', 'esbuild', 'electron', 'vue', 'vitest', 'typescript']) expect(installed).not.toContain(absent);
    expect(filesUnder(copy.packageDir, ['node_modules']).filter((file) => file.endsWith('.ts'))).toEqual([]);
  });
});

describe('the installed caplab, from a folder outside the repository', () => {
  it('runs a preset live on worker threads and writes its run folder: charts as PNG, the bundle', () => {
    // 12 s of lab time at 4× take 3 s.
    const result = caplab('run', 'raft-leader-crash', '--runtime', 'threads', '--time-scale', '4', '--out', 'live', '--json');
    const summary = JSON.parse(result.stdout) as { runtime: unknown; invariantsBroken: unknown[]; traceSha256: string };
    expect(JSON.stringify(summary.runtime), output(result)).toContain('threads');
    expect(summary.invariantsBroken).toEqual([]);
    const png = readFileSync(join(work, 'live', 'charts', 'throughput.png'));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a'); // resvg, the native module, ran
    for (const file of ['summary.json', 'trace.jsonl', 'history.edn', 'report.html', 'bundle.zip']) expect(existsSync(join(work, 'live', file)), file).toBe(true);
  });

  it('sweeps 3 seeds on worker threads', () => {
    const result = caplab('sweep', 'raft-nemesis-cp', '--seeds', '3', '--jobs', '2');
    expect(result.status, output(result)).toBe(0);
    expect(result.stdout).toMatch(/3 passed, 0 failed/);
  });

  it('checks a history with the checker worker, and replays an exported bundle', () => {
    const run = caplab('run', 'raft-partition-cp', '--out', 'sim');
    expect(run.status, output(run)).toBe(0);
    const check = caplab('check', join('sim', 'history.json'));
    expect(check.status, output(check)).toBe(0);
    expect(check.stdout).toMatch(/linearizable/);
    const digest = (JSON.parse(readFileSync(join(work, 'sim', 'summary.json'), 'utf8')) as { traceSha256: string }).traceSha256;
    const imported = caplab('import', join('sim', 'bundle.zip'));
    expect(imported.status, output(imported)).toBe(0);
    expect(imported.stdout).toContain(digest);
  });

  it('runs Multi-Paxos on worker threads and checks its history against a session guarantee', () => {
    // Live timing on a busy machine may miss the preset's availability line; safety may not move.
    const run = caplab('run', 'paxos-leader-crash', '--runtime', 'threads', '--time-scale', '4', '--out', 'paxos', '--json');
    const summary = JSON.parse(run.stdout) as { protocol: string; invariantsBroken: unknown[]; violations: { linearizability: number } };
    expect(summary.protocol, output(run)).toBe('paxos');
    expect(summary.invariantsBroken).toEqual([]);
    expect(summary.violations.linearizability).toBe(0);
    // A session guarantee: linearizable implies it, and its check is linear in the history (the
    // sequential search, NP-hard, may use its whole budget on a live run's unknown outcomes).
    const check = caplab('check', '--consistency', 'read-your-writes', join('paxos', 'history.json'));
    expect(check.status, output(check)).toBe(0);
    expect(check.stdout).toMatch(/read-your-writes: holds — /);
  });

  it('swarms a seed, and merges sharded sweeps into the report an unsharded sweep prints', () => {
    const swarm = caplab('swarm', '--protocol', 'paxos', '--seeds', '1', '--json');
    expect(swarm.status, output(swarm)).toBe(0);
    expect(JSON.parse(swarm.stdout.trim().split('\n').at(-1)!)).toMatchObject({ swarm: 'paxos', passed: 1, failed: 0 });
    for (const shard of ['1/2', '2/2']) {
      const part = caplab('sweep', 'raft-healthy', '--seeds', '4', '--shard', shard, '--out', 'shards');
      expect(part.status, output(part)).toBe(0);
    }
    const merged = caplab('merge', 'shards', '--json');
    const whole = caplab('sweep', 'raft-healthy', '--seeds', '4', '--json');
    expect(merged.status, output(merged)).toBe(0);
    expect(merged.stdout).toBe(whole.stdout);
  }, 120_000);

  it('tabulates the database profiles against their documented guarantees', () => {
    // Two profiles, one read path each side of the line: the whole table at N = 3 is test/guarantees/'s.
    const table = caplab('guarantees', '--seeds', '1', '--jobs', '2', '--profiles', 'etcd-linearizable,mongodb-w1-local', '--json');
    expect(table.status, output(table)).toBe(0);
    const report = JSON.parse(table.stdout.trim().split('\n').at(-1)!) as { rows: Array<{ profile: string }>; seeds: number };
    expect(report.seeds).toBe(1);
    expect(report.rows.map((row) => row.profile)).toEqual(['etcd-linearizable', 'mongodb-w1-local']);
  }, 120_000);

  it('serves the lab behind its token on any free port, and names a bad port', async () => {
    const bad = caplab('serve', '--port', '99999');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('caplab: --port must be a whole number from 0 to 65535 (0: any free port), got "99999"\n');
    const child = spawn(copy.bin, ['serve', '--port', '0'], { cwd: work, env: plainEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((done, fail) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /serving (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(text);
          if (match !== null) done(match[1]!);
        });
        child.on('exit', (code) => fail(new Error(`serve exited with ${code}: ${text}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="app">');
      expect((await fetch(new URL(url).origin)).status).toBe(403);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
