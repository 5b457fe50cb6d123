import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperiment, parseExperiment } from '../../main/experimentFile';
import { LabService } from '../../main/service/labService';
import { limits } from '../../src/base/limits';
import { ExperimentError, validateExperiment } from '../../src/experiment/schema';
import { caplab, listing } from './bundleFixtures';

/**
 * Issue 13 items 11 and 12: experiment files refused at load, every message naming the file and
 * the dotted field; the same size cap in the app and the CLI, checked before reading; nothing
 * written. Generated malformed files are refused by ExperimentError only.
 */

const scratch = mkdtempSync(join(tmpdir(), 'caplab-adv-inputs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function problems(text: string, source = 'e.yaml'): string[] {
  try {
    parseExperiment(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentError);
    expect((error as Error).message.startsWith(`${source}: invalid experiment`)).toBe(true);
    return [...(error as ExperimentError).problems];
  }
  throw new Error('accepted');
}

describe('each field is named, with what is wrong (item 12)', () => {
  it.each([
    ['electionTimeoutMs: [0, 0]', 'protocol: raft\nprotocolSettings:\n  electionTimeoutMs: [0, 0]\n', 'protocolSettings.electionTimeoutMs[0]: must be > 0 ms'],
    ['heartbeatMs: 1e12', 'protocol: raft\nprotocolSettings:\n  heartbeatMs: 1e12\n', 'protocolSettings.heartbeatMs: must be ≤ 3600000 ms (the longest run)'],
    ['a heartbeat longer than the election timeout', 'protocol: raft\nprotocolSettings:\n  heartbeatMs: 1000\n', 'protocolSettings.heartbeatMs: heartbeatMs 1000 must be shorter than the election timeout\'s minimum 150 ms'],
    ['a VR setting on Raft', 'protocol: vr\nprotocolSettings:\n  viewChangeTimeoutMs: [0, 10]\n', 'protocolSettings.viewChangeTimeoutMs[0]: must be > 0 ms'],
    ['a Paxos timing too long', 'protocol: paxos\nprotocolSettings:\n  heartbeatMs: 1e12\n', 'protocolSettings.heartbeatMs: must be ≤ 3600000 ms (the longest run)'],
  ])('%s', (_name, text, problem) => {
    expect(problems(text)).toContain(problem);
  });

  it('an expect line naming a metric a run does not have names the line and lists the metrics (item 11)', () => {
    const [problem] = problems('protocol: raft\nexpect:\n  - violations.linearizability == 0\n  - violations.linearisability == 0\n');
    expect(problem).toMatch(/^expect\[1\]: names the metric "violations\.linearisability", which a run does not have; the metrics are .*availability.*violations\.linearizability/);
  });

  it('the YAML alias bomb is refused without expanding', () => {
    let text = 'protocol: raft\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let level = 1; level < 10; level++) text += `a${level}: &a${level} [${Array.from({ length: 10 }, () => `*a${level - 1}`).join(', ')}]\n`;
    const rss = process.memoryUsage().rss;
    expect(problems(text)).toEqual([`(file): refused, its aliases expand too far (at most ${limits.experimentYamlAliasesMax} alias expansions; an alias bomb?)`]);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('files refused before they are read, in the CLI and the app alike (items 11, 12)', () => {
  it('a 50 MB file is refused from its size (a sparse file: reading it would take seconds)', () => {
    const path = join(scratch, 'big.yaml');
    writeFileSync(path, '');
    truncateSync(path, 50_000_000);
    const started = performance.now();
    expect(() => loadExperiment(path)).toThrow(/big\.yaml: invalid experiment\n {2}- \(file\): 50000000 bytes; an experiment file may be at most 5000000 bytes/);
    expect(performance.now() - started).toBeLessThan(200);
    const result = caplab(['run', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/50000000 bytes; an experiment file may be at most 5000000 bytes/);
    rmSync(path);
  });

  it('the app refuses the same size, counted in UTF-8 bytes as the CLI counts them', async () => {
    const service = new LabService();
    try {
      // 2 bytes a character: under the cap in characters, over it in bytes.
      const text = `protocol: raft\ndescription: "${'é'.repeat(limits.experimentFileBytesMax / 2)}"\n`;
      const answer = (await service.call('validateExperiment', { text, source: 'wide.yaml' })) as { ok: boolean; problems?: string[] };
      expect(answer.ok).toBe(false);
      expect(answer.problems?.[0]).toMatch(/bytes; an experiment file may be at most 5000000 bytes/);
      await expect(service.call('validateExperiment', { text: 'x'.repeat(limits.experimentFileBytesMax + 1), source: 'big.yaml' })).rejects.toThrow(/too large/);
    } finally {
      await service.close();
    }
  });

  it('a folder given as the file (EISDIR) is named in words, with exit 2 and no stack', () => {
    const folder = join(scratch, 'folder.yaml');
    mkdirSync(folder);
    expect(() => loadExperiment(folder)).toThrow(/folder\.yaml: invalid experiment\n {2}- is a folder; give an experiment file/);
    const before = listing(scratch);
    for (const args of [['run', folder], ['check', folder], ['import', folder]]) {
      const result = caplab(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/folder\.yaml[\s\S]*(is a folder|EISDIR)/);
      expect(result.stderr).not.toMatch(/illegal operation on a directory|\n\s+at /);
    }
    expect(listing(scratch)).toEqual(before);
  });
});

/** A valid experiment with one field replaced by generated junk, at a generated path. */
const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.integer(), fc.string({ maxLength: 8 }), fc.array(fc.integer(), { maxLength: 3 }), fc.constant({}), fc.constant(1e12), fc.constant(-1), fc.constant([0, 0]));
const paths = ['protocol', 'nodes', 'seed', 'durationMs', 'tickMs', 'speed', 'protocolSettings', 'protocolSettings.electionTimeoutMs', 'protocolSettings.heartbeatMs', 'protocolSettings.leaseMs', 'consistency', 'workload.clients', 'workload.mix', 'workload.mix.read', 'network.latencyMs', 'network.drop', 'faults', 'faults.0', 'faults.0.atMs', 'faults.0.crash', 'nemesis', 'expect', 'expect.0', 'unsafe', 'typo'];

describe('generated malformed experiments (items 11, 12)', () => {
  it('are refused by ExperimentError alone, each problem naming a dotted field; or accepted whole', () => {
    let cases = 0;
    let refusedCount = 0;
    fc.assert(
      fc.property(fc.constantFrom(...paths), junk, fc.constantFrom('raft', 'vr', 'paxos'), (path, value, protocol) => {
        cases++;
        const document: Record<string, unknown> = { protocol, durationMs: 5000, protocolSettings: {}, workload: { clients: 2, mix: { read: 0.5, write: 0.5, cas: 0 } }, network: { latencyMs: { distribution: 'fixed', value: 1 }, drop: 0 }, faults: [{ atMs: 100, crash: 'n1' }], expect: ['availability > 0'] };
        const parts = path.split('.');
        let holder: Record<string, unknown> = document;
        for (const part of parts.slice(0, -1)) holder = holder[part] as Record<string, unknown>;
        holder[parts.at(-1)!] = value;
        try {
          validateExperiment(structuredClone(document), 'gen.yaml');
        } catch (error) {
          expect(error).toBeInstanceOf(ExperimentError);
          refusedCount++;
          for (const problem of (error as ExperimentError).problems) expect(problem).toMatch(/^(\(top level\)|[A-Za-z]+(\.[A-Za-z]+|\[\d+\])*): \S/);
          // No problem is the union's bare "Invalid input": each says what is wrong with its field.
          expect((error as ExperimentError).problems.join('\n')).not.toMatch(/^[\w.[\]]+: Invalid input$/m);
        }
      }),
      { numRuns: 400, seed: 13 },
    );
    expect(cases).toBe(400);
    expect(refusedCount).toBeGreaterThan(200);
  });
});
