import { createPinia, setActivePinia } from 'pinia';
import { createSSRApp } from 'vue';
import { renderToString } from '@vue/server-renderer';
import GuaranteesView from '../../renderer/views/GuaranteesView.vue';
import { parse as parseYaml } from 'yaml';
import { beforeEach, describe, expect, it } from 'vitest';
import type { GuaranteeObservationPayload, LabEvent } from '../../src/contract/lab';
import { databaseProfiles, guaranteeScenarios, guaranteesCsv } from '../../src/experiment/guarantees';
import { setLabHost } from '../../renderer/lab/labHost';
import { guaranteesRequestProblem, useGuaranteesStore } from '../../renderer/stores/guarantees';
import { useRunStore } from '../../renderer/stores/run';
import { type FakeAnswers, fakeLabHost } from './fakeLabHost';

/** A fake lab for the guarantees screen: records calls, answers like the service, lets the test push progress. */
function fakeLab() {
  const going = new Set<string>();
  const opened: Array<{ text: string; source: string }> = [];
  const answers: FakeAnswers = {
    startGuarantees: (request) => {
      going.add(String(request.guaranteesId));
      const profiles = (request.profiles as string[] | undefined)?.length ?? databaseProfiles.length;
      return { guaranteesId: request.guaranteesId, runs: profiles * guaranteeScenarios.length * Number(request.seeds) };
    },
    cancelGuarantees: (request) => ({ cancelled: going.delete(String(request.guaranteesId)) }),
    validateExperiment: (request) => {
      opened.push({ text: String(request.text), source: String(request.source) });
      return { ok: true, experiment: parseYaml(String(request.text)) as Record<string, unknown> };
    },
  };
  const { host, calls, emit, saved } = fakeLabHost(answers);
  return { host, calls, saved, opened, progress: (payload: LabEvent<'guaranteesProgress'>) => emit('guaranteesProgress', payload) };
}

const run = (profile: string, scenario: (typeof guaranteeScenarios)[number], seed: number, seen: GuaranteeObservationPayload['seen'] = []): GuaranteeObservationPayload => ({ profile, scenario, seed, seen, undecided: [] });

let fake: ReturnType<typeof fakeLab>;
let pinia: ReturnType<typeof createPinia>;
beforeEach(() => {
  pinia = createPinia();
  setActivePinia(pinia);
  fake = fakeLab();
  setLabHost(fake.host);
});

describe('useGuaranteesStore', () => {
  it('is empty before a run: no rows, nothing to download', () => {
    const store = useGuaranteesStore();
    expect(store.status).toBe('idle');
    expect(store.ran).toBeNull();
    expect(store.rows).toEqual([]);
    expect(store.downloadCsv()).toBe(false);
    expect(fake.saved).toEqual([]);
  });

  it('runs the chosen profiles; the table fills as runs arrive, each once; a contradicting cell is counted', async () => {
    const store = useGuaranteesStore();
    store.chooseAllProfiles(false);
    store.toggleProfile('etcd-linearizable');
    store.toggleProfile('consul-stale');
    store.toggleProfile('no-such-profile');
    // The table's order, not the order clicked.
    expect(store.profiles).toEqual(['etcd-linearizable', 'consul-stale']);
    store.seeds = 2;
    expect(await store.start()).toBe(true);
    expect(fake.calls.at(-1)).toEqual({ call: 'startGuarantees', request: { guaranteesId: store.guaranteesId, seeds: 2, profiles: ['etcd-linearizable', 'consul-stale'] } });
    expect([store.status, store.total]).toEqual(['running', 20]);
    // Before any run arrives, every cell says it has not run: nothing is claimed.
    expect(store.rows.map((row) => row.profile)).toEqual(['etcd-linearizable', 'consul-stale']);
    expect(store.rows.every((row) => row.cells.every((cell) => cell.runs === 0 && cell.worst === null))).toBe(true);

    const id = store.guaranteesId as string;
    fake.progress({ guaranteesId: 'guarantees-other', done: 1, total: 5, outcomes: [run('etcd-linearizable', 'healthy', 1, [{ anomaly: 'staleRead', count: 9 }])], finished: false, cancelled: false });
    expect(store.outcomes).toEqual([]);
    const staleOnce = run('etcd-linearizable', 'partition', 2, [{ anomaly: 'staleRead', count: 3 }, { anomaly: 'notLinearizable', count: 1 }]);
    fake.progress({ guaranteesId: id, done: 2, total: 20, outcomes: [run('etcd-linearizable', 'healthy', 1), staleOnce], finished: false, cancelled: false });
    fake.progress({ guaranteesId: id, done: 3, total: 20, outcomes: [staleOnce, run('etcd-linearizable', 'leader-crash', 1, [{ anomaly: 'staleRead', count: 5 }])], finished: false, cancelled: false });
    expect(store.outcomes).toHaveLength(3);
    const stale = store.rows[0]?.cells.find((cell) => cell.anomaly === 'staleRead');
    expect(stale).toMatchObject({ runs: 3, seen: 2, contradicts: true, worst: { scenario: 'leader-crash', seed: 1, count: 5 } });
    expect(store.contradictions).toEqual([{ profile: 'etcd-linearizable', anomaly: 'staleRead' }, { profile: 'etcd-linearizable', anomaly: 'notLinearizable' }]);
    fake.progress({ guaranteesId: id, done: 20, total: 20, outcomes: [], finished: true, cancelled: false });
    expect(store.status).toBe('finished');

    expect(store.downloadCsv()).toBe(true);
    expect(fake.saved[0]?.name).toBe('guarantees.csv');
    expect(new TextDecoder().decode(fake.saved[0]?.bytes)).toBe(guaranteesCsv(store.rows));
  });

  it('refuses bad choices before asking the lab, and says why', async () => {
    const store = useGuaranteesStore();
    store.seeds = 0;
    expect(await store.start()).toBe(false);
    expect(store.error).toBe('Run at least 1 seed per profile and scenario (a whole number)');
    store.seeds = 21;
    expect(await store.start()).toBe(false);
    expect(store.error).toContain('at most 20 seeds');
    store.seeds = 1;
    store.chooseAllProfiles(false);
    expect(await store.start()).toBe(false);
    expect(store.error).toBe('Choose at least one database profile');
    expect(fake.calls).toEqual([]);
    expect(guaranteesRequestProblem(3, ['etcd-linearizable'])).toBeNull();
  });

  it('cancel asks the lab; the last event says cancelled', async () => {
    const store = useGuaranteesStore();
    await store.start();
    const id = store.guaranteesId as string;
    await store.cancel();
    expect(fake.calls.at(-1)).toEqual({ call: 'cancelGuarantees', request: { guaranteesId: id } });
    expect(store.status).toBe('cancelling');
    fake.progress({ guaranteesId: id, done: 1, total: 130, outcomes: [run('consul-stale', 'healthy', 1)], finished: true, cancelled: true });
    expect(store.status).toBe('cancelled');
    expect(store.rows.find((row) => row.profile === 'consul-stale')?.cells[0]?.runs).toBe(1);
  });

  it('opens a cell\'s worst run in the lab: the profile\'s scenario at that seed, in the simulator', async () => {
    const store = useGuaranteesStore();
    store.chooseAllProfiles(false);
    store.toggleProfile('mongodb-w1-local');
    store.seeds = 3;
    await store.start();
    const id = store.guaranteesId as string;
    fake.progress({ guaranteesId: id, done: 2, total: 15, outcomes: [run('mongodb-w1-local', 'leader-crash', 2, [{ anomaly: 'lostWrite', count: 2 }]), run('mongodb-w1-local', 'leader-crash', 3, [{ anomaly: 'lostWrite', count: 4 }])], finished: false, cancelled: false });
    // A cell that saw nothing has no run to open.
    expect(await store.openWorstInLab('mongodb-w1-local', 'staleRead')).toBe(false);
    expect(await store.openWorstInLab('mongodb-w1-local', 'lostWrite')).toBe(true);
    const opened = fake.opened.at(-1);
    expect(opened?.source).toBe('guarantees-mongodb-w1-local-leader-crash-seed-3.yaml');
    const experiment = parseYaml(opened?.text ?? '') as Record<string, unknown>;
    expect(experiment).toMatchObject({ name: 'guarantees-mongodb-w1-local-leader-crash', seed: 3, consistency: { write: 'leader', read: 'leader' } });
    const lab = useRunStore();
    expect([lab.seed, lab.runtime, lab.experiment?.source]).toEqual([3, 'sim', 'guarantees-mongodb-w1-local-leader-crash-seed-3.yaml']);
  });

  it('the screen: an empty state before a run; then a contradicting cell in red with words, its claim beside it, and its worst run to open', async () => {
    const render = () => renderToString(createSSRApp(GuaranteesView).use(pinia));
    const empty = await render();
    expect(empty).toContain('data-testid="guarantees-empty"');
    expect(empty).toContain('Nothing has run on this screen');
    expect(empty).not.toContain('<table');

    const store = useGuaranteesStore();
    store.chooseAllProfiles(false);
    store.toggleProfile('etcd-linearizable');
    store.seeds = 1;
    await store.start();
    fake.progress({ guaranteesId: store.guaranteesId as string, done: 2, total: 5, outcomes: [run('etcd-linearizable', 'healthy', 1), run('etcd-linearizable', 'partition', 1, [{ anomaly: 'staleRead', count: 2 }])], finished: false, cancelled: false });
    const html = await render();
    const cell = /<td data-anomaly="staleRead" class="([^"]*)"[^>]*>(.*?)<\/td>/s.exec(html);
    expect(cell?.[1]).toBe('seen contradicts');
    expect(cell?.[2]).toContain('1 of 2 runs');
    expect(cell?.[2]).toContain('documented: never');
    expect(cell?.[2]).toContain('⚠ contradicts the documentation');
    expect(cell?.[2]).toContain('aria-label="Open the worst run of etcd-linearizable, stale read in the lab (partition, seed 1)"');
    const quiet = /<td data-anomaly="lostWrite" class="([^"]*)"[^>]*>(.*?)<\/td>/s.exec(html);
    expect(quiet?.[1]).toBe('');
    expect(quiet?.[2]).toContain('never in 2 runs');
    expect(quiet?.[2]).not.toContain('contradicts');
    expect(html).toContain('1 cell contradicts the documentation');
  });
});
