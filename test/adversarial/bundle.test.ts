import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleError, TraceComparison, readBundle } from '../../main/bundleImport';
import { LabService } from '../../main/service/labService';
import { limits } from '../../src/base/limits';
import { runExperiment } from '../../src/experiment/run';
import { traceLine } from '../../src/run/digest';
import { nodeRunOptions } from '../../workers/runOptions';
import { caplab, deflatedZeros, edit, entries, listing, rawZip, realBundle, repack, rezip, sha256Hex, strFromU8, strToU8 } from './bundleFixtures';

/**
 * Issue 13 items 6 and 7: a bundle is checked against its manifest and each file against the
 * others; a bomb is refused from its central directory or stopped as it inflates. Every case
 * asserts the answer (BundleError or exit 2 naming the file) and that nothing was written.
 */

let bundle: Uint8Array;
const scratch = mkdtempSync(join(tmpdir(), 'caplab-adv-bundle-'));
beforeAll(async () => {
  bundle = await realBundle();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Reads a bundle, expecting a refusal whose message matches `message`; nothing may appear in the scratch folder. */
function refused(bytes: Uint8Array, message: RegExp): void {
  const before = listing(scratch);
  let error: unknown;
  try {
    readBundle(bytes, 'b.zip');
  } catch (caught) {
    error = caught;
  }
  expect(error, 'the bundle was accepted').toBeInstanceOf(BundleError);
  expect((error as Error).message).toMatch(message);
  expect(listing(scratch)).toEqual(before);
}

describe('a bundle is checked against its manifest (item 6)', () => {
  it('the bundle a run writes reads back, every file listed, the manifest last', () => {
    const read = readBundle(bundle, 'b.zip');
    expect(read.files).toEqual(expect.arrayContaining(['experiment.yaml', 'summary.json', 'trace.jsonl', 'history.json', 'history.edn', 'metrics.csv', 'report.html', 'charts/throughput.png']));
    expect(entries(bundle).at(-1)![0]).toBe('manifest.json');
  });

  it('garbage in trace.jsonl is refused by the manifest, naming the file', () => {
    refused(rezip(edit(bundle, 'trace.jsonl', () => 'garbage\n')), /b\.zip!trace\.jsonl: its SHA-256 is [0-9a-f]{64}, but manifest\.json says/);
  });

  it('garbage in trace.jsonl under a forged manifest is refused by the summary\'s digest', () => {
    refused(repack(edit(bundle, 'trace.jsonl', () => 'garbage\n')), /b\.zip!trace\.jsonl: its SHA-256 is .* but summary\.json records traceSha256/);
  });

  for (const file of ['history.json', 'report.html', 'metrics.csv', 'history.edn', 'charts/latency.svg', 'experiment.yaml']) {
    it(`an edited ${file} is refused by the manifest`, () => {
      refused(rezip(edit(bundle, file, (text) => `${text} `)), new RegExp(`b\\.zip!${file.replace('.', '\\.')}: its SHA-256 is`));
    });
  }

  it('a file listed but missing, a file added, a manifest not last or absent are refused', () => {
    const files = entries(bundle);
    refused(rezip(files.filter(([name]) => name !== 'metrics.csv')), /b\.zip!metrics\.csv: listed in manifest\.json but missing/);
    refused(rezip([...files.slice(0, -1), ['id_rsa', strToU8('secret')], files.at(-1)!]), /b\.zip!id_rsa: not listed in manifest\.json/);
    refused(rezip([files.at(-1)!, ...files.slice(0, -1)]), /manifest\.json is not the last file/);
    refused(rezip(files.slice(0, -1)), /no manifest\.json/);
  });

  it('a future manifest or trace format is refused as newer than this caplab', () => {
    refused(rezip(edit(bundle, 'manifest.json', (text) => text.replace('caplab-manifest/1', 'caplab-manifest/2'))), /manifest\.json: format: caplab-manifest\/2 is newer than this caplab reads/);
    const futureTrace = edit(bundle, 'trace.jsonl', (text) => text.replace('caplab-trace/1', 'caplab-trace/7'));
    const digest = sha256Hex;
    const withDigest = (files: Array<[string, Uint8Array]>) => {
      const trace = files.find(([name]) => name === 'trace.jsonl')![1];
      return files.map(([name, bytes]): [string, Uint8Array] => [name, name === 'summary.json' ? strToU8(strFromU8(bytes).replace(/"traceSha256": "[0-9a-f]+"/, `"traceSha256": "${digest(trace)}"`)) : bytes]);
    };
    refused(repack(withDigest(futureTrace)), /trace\.jsonl: line 1: format caplab-trace\/7 is newer than this caplab reads/);
    const cut = edit(bundle, 'trace.jsonl', (text) => text.split('\n').slice(0, -2).join('\n') + '\n');
    refused(repack(withDigest(cut)), /trace\.jsonl: has no end event on its last line .*cut short/);
  });

  it('a null summary, or one missing its digest, is refused naming summary.json and the field', () => {
    refused(repack(edit(bundle, 'summary.json', () => 'null')), /b\.zip!summary\.json: must be the run's summary object, found null/);
    refused(repack(edit(bundle, 'summary.json', (text) => text.replace(/"traceSha256": "[0-9a-f]+"/, '"traceSha256": 5'))), /summary\.json: traceSha256: /);
  });

  it('relabelling runtime: "threads" skips no check: the trace digest, the history against the trace', () => {
    const relabel = (files: Array<[string, Uint8Array]>) =>
      files.map(([name, bytes]): [string, Uint8Array] => [name, name === 'summary.json' ? strToU8(strFromU8(bytes).replace('"runtime": "sim"', '"runtime": "threads"')) : name === 'experiment.yaml' ? strToU8(strFromU8(bytes).replace('runtime: sim', 'runtime: threads')) : bytes]);
    // Only the summary relabelled: it disagrees with experiment.yaml.
    refused(repack(edit(bundle, 'summary.json', (text) => text.replace('"runtime": "sim"', '"runtime": "threads"'))), /summary\.json: runtime is "threads", but experiment\.yaml says "sim"/);
    // Both relabelled, the trace replaced: the digest still catches it.
    refused(repack(relabel(edit(bundle, 'trace.jsonl', () => 'garbage\n'))), /trace\.jsonl: its SHA-256 is .* but summary\.json records/);
    // Both relabelled, history.json edited: it no longer matches the trace's operations.
    const history = edit(bundle, 'history.json', (text) => text.replace(/"clientId":(\d+)/, (_match, id: string) => `"clientId":${Number(id) + 1}`));
    refused(repack(relabel(history)), /b\.zip!history\.json: operations\[0\] differs from the operation trace\.jsonl records/);
    // Relabelled and otherwise whole: accepted as a live run (nothing to replay), every file checked.
    expect(readBundle(repack(relabel(entries(bundle))), 'b.zip').summary.runtime).toBe('threads');
  });

  it('a trace edited consistently (digest and manifest forged) differs from the replay at the line edited', () => {
    const files = edit(bundle, 'trace.jsonl', (text) => {
      const lines = text.split('\n');
      const at = lines.findIndex((line) => line.includes('"kind":"deliver"'));
      lines[at] = lines[at]!.replace(/"t":(\d+)/, (_match, t: string) => `"t":${Number(t) + 1}`);
      return lines.join('\n');
    });
    const trace = files.find(([name]) => name === 'trace.jsonl')![1];
    const digest = sha256Hex(trace);
    const forged = repack(files.map(([name, bytes]): [string, Uint8Array] => [name, name === 'summary.json' ? strToU8(strFromU8(bytes).replace(/"traceSha256": "[0-9a-f]+"/, `"traceSha256": "${digest}"`)) : bytes]));
    const read = readBundle(forged, 'b.zip');
    const comparison = new TraceComparison(read.traceLines);
    runExperiment(read.experiment, { ...nodeRunOptions(), trace: (event) => comparison.line(traceLine(event)) });
    const difference = comparison.result();
    expect(difference?.line).toBe(read.traceLines.findIndex((line) => line.includes('"kind":"deliver"')) + 1);
    // The CLI says so and exits 1 (a whole bundle that is not this run), naming the line.
    const path = join(scratch, 'forged.zip');
    writeFileSync(path, forged);
    const result = caplab(['import', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/replay DIFFERS from the bundle: trace\.jsonl line \d+/);
    rmSync(path);
  });

  it('the CLI refuses with exit 2 naming the file, and the service with an error naming it', async () => {
    const path = join(scratch, 'garbage.zip');
    writeFileSync(path, repack(edit(bundle, 'trace.jsonl', () => 'garbage\n')));
    const before = listing(scratch);
    const result = caplab(['import', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/garbage\.zip!trace\.jsonl: its SHA-256 is/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(listing(scratch)).toEqual(before);
    rmSync(path);
    const service = new LabService();
    try {
      await expect(service.call('importBundle', { base64: Buffer.from(rezip(edit(bundle, 'history.json', (text) => `${text} `))).toString('base64') })).rejects.toThrow(/imported bundle!history\.json: its SHA-256 is/);
    } finally {
      await service.close();
    }
  });
});

describe('names that climb out of the bundle are refused (item 6)', () => {
  for (const name of ['../evil.txt', '/etc/passwd', 'charts/../../x', 'a/b/c.txt', 'C:\\x', '.', 'charts/.']) {
    it(`refuses ${JSON.stringify(name)}`, () => {
      refused(rezip([[name, strToU8('x')], ...entries(bundle)]), /not a name a bundle may hold/);
    });
  }
});

describe('zip bombs are refused before or while they inflate (item 7)', () => {
  it('1 GiB declared in 1 MB: refused from the central directory, nothing inflated', () => {
    const bomb = rawZip([{ name: 'trace.jsonl', data: deflatedZeros(1024), declaredSize: 1024 * 1024 * 1024 }]);
    expect(bomb.length).toBeLessThan(1_200_000);
    const rss = process.memoryUsage().rss;
    refused(bomb, /b\.zip!trace\.jsonl: unpacks to 1024 MiB; one file of a bundle may unpack to at most 256 MiB/);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
  });

  it('a bundle within the caps but with no manifest inflates nothing: refused at once', () => {
    const started = performance.now();
    refused(rawZip([{ name: 'trace.jsonl', data: deflatedZeros(200), declaredSize: 200 * 1024 * 1024 }, { name: 'history.json', data: deflatedZeros(200), declaredSize: 200 * 1024 * 1024 }]), /b\.zip: no manifest\.json/);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('many files each within the cap, more than the total: refused before inflating', () => {
    const data = deflatedZeros(1);
    const files = Array.from({ length: 3 }, (_, index) => ({ name: `f${index}`, data, declaredSize: limits.bundleEntryBytesMax }));
    refused(rawZip(files), /b\.zip: unpacks to more than 512 MiB .*reached at f2/);
  });

  it('an entry that lies about its size (1 KiB declared, 1 GiB inside) stops as soon as it outgrows it', () => {
    const manifest = strToU8(JSON.stringify({ format: 'caplab-manifest/1', files: { 'trace.jsonl': '0'.repeat(64) } }));
    const liar = rawZip([{ name: 'trace.jsonl', data: deflatedZeros(1024), declaredSize: 1024 }, { name: 'manifest.json', data: manifest, declaredSize: manifest.length, method: 0 }]);
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    refused(liar, /b\.zip!trace\.jsonl: unpacks to more than the 1024 bytes it declares/);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
  });

  it('the CLI checks a bundle\'s size before reading it, and the service\'s message cap is the same bound', async () => {
    const path = join(scratch, 'huge.zip');
    writeFileSync(path, '');
    truncateSync(path, limits.bundleBytesMax + 1);
    const result = caplab(['import', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/huge\.zip: 150 MB; a bundle may be at most 150 MB/);
    rmSync(path);
    const service = new LabService();
    try {
      await expect(service.call('importBundle', { base64: 'A'.repeat(Math.ceil(limits.bundleBytesMax / 3) * 4 + 4) })).rejects.toThrow(/too large/);
    } finally {
      await service.close();
    }
  });
});

describe('generated damage: truncated, flipped, renamed, re-zipped bundles (items 6, 7)', () => {
  it('every damaged bundle is refused with a BundleError, never another error, never accepted changed', () => {
    let cases = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
          fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
          fc.record({ kind: fc.constant('edit' as const), file: fc.nat(), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), forge: fc.boolean() }),
        ),
        (damage) => {
          cases++;
          let bytes: Uint8Array;
          if (damage.kind === 'truncate') bytes = bundle.slice(0, damage.at % bundle.length);
          else if (damage.kind === 'flip') {
            bytes = bundle.slice();
            const at = damage.at % bytes.length;
            bytes[at] = bytes[at]! ^ (1 << damage.bit);
          } else {
            const files = entries(bundle);
            // A forger recomputes the manifest: then only the files checked against each other can show it.
            const checked = files.map(([name], index) => (['trace.jsonl', 'history.json', 'history.edn'].includes(name) ? index : -1)).filter((index) => index >= 0);
            const index = damage.forge ? checked[damage.file % checked.length]! : damage.file % files.length;
            const content = files[index]![1].slice();
            if (content.length === 0) return;
            const at = damage.at % content.length;
            if (content[at] === damage.byte) return;
            content[at] = damage.byte;
            files[index] = [files[index]![0], content];
            bytes = damage.forge ? repack(files) : rezip(files);
          }
          try {
            readBundle(bytes, 'b.zip');
          } catch (error) {
            expect(error).toBeInstanceOf(BundleError);
            expect((error as Error).message).toMatch(/^b\.zip/);
            return;
          }
          // A flipped bit the zip does not read (a timestamp, a version field) may leave the files whole: then they are the same files.
          expect(damage.kind).toBe('flip');
          expect(readBundle(bytes, 'b.zip').traceLines).toEqual(readBundle(bundle, 'b.zip').traceLines);
        },
      ),
      { numRuns: 60, seed: 13 },
    );
    expect(cases).toBe(60);
  });
});
