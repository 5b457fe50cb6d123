// Browser mode's HTTP gate, tried as an attacker would (issue 13, items 1–3): targets that do not
// parse, a foreign Host (DNS rebinding) or Origin (a page of another site, or of another port of
// 127.0.0.1), the token cookie sent from another port's page. Each answer is a 400/403 naming the
// problem, and each test ends by checking the server still serves.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { labServerForFile, rawRequest, stillServing, upgradeStatus } from './serverHarness';

/** Every adversarial request or frame this file sent (the closing note counts them). */
let casesTried = 0;
const lab = labServerForFile(() => console.info(`server.test.ts: ${casesTried} adversarial requests`));
let port: number;
let token: string;

beforeAll(() => {
  ({ port, token } = lab.server);
});

const tried = <T>(value: T): T => {
  casesTried++;
  return value;
};

describe('a request target that does not parse is a 400, before any token check', () => {
  it.each([
    ['an authority where the path should be (new URL threw)', '//a:b:c/'],
    ['a scheme-relative target', '//evil.example/'],
    ['an absolute target', 'http://127.0.0.1/'],
    ['an asterisk', '*'],
  ])('%s: %s', async (_what, target) => {
    const response = await rawRequest(port, tried({ target }));
    expect(response.status).toBe(400);
    expect(response.body).toContain('the request target is not a path of this server');
    await stillServing(port, token);
  });

  it('a path that is not valid percent-encoded UTF-8 is a 400 (decodeURIComponent threw), with or without the token', async () => {
    for (const target of ['/%E0%A4%A', '/%', '/assets/%C0%AF', '/%00']) {
      const withToken = await rawRequest(port, tried({ target: `${target}?token=${token}` }));
      expect(withToken.status, target).toBe(400);
      expect(withToken.body).toContain('percent-encoded');
      expect((await rawRequest(port, tried({ target }))).status, target).toBe(403);
    }
    await stillServing(port, token);
  });

  it('the same targets as a WebSocket upgrade are refused the same way', async () => {
    expect((await upgradeStatus(port, tried('//a:b:c/'))).status).toBe(400);
    expect((await upgradeStatus(port, tried(`/%E0%A4%A?token=${token}`))).status).toBe(404);
    expect((await upgradeStatus(port, tried(`/elsewhere?token=${token}`))).status).toBe(404);
    await stillServing(port, token);
  });
});

describe('Host and Origin must name this server (DNS rebinding, cross-site WebSocket hijacking)', () => {
  it('refuses a Host other than 127.0.0.1:<port>, even with the token', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `localhost:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `[::1]:${port}`]) {
      const response = await rawRequest(port, tried({ target: `/?token=${token}`, host }));
      expect(response.status, host).toBe(403);
      expect(response.body).toContain(`answers only to Host 127.0.0.1:${port}`);
      expect((await upgradeStatus(port, tried(`/lab?token=${token}`), {}, host)).status, host).toBe(403);
    }
    await stillServing(port, token);
  });

  it('refuses an Origin other than http://127.0.0.1:<port>, even with the token', async () => {
    for (const origin of [`http://127.0.0.1:${port + 1}`, 'http://evil.example', `http://localhost:${port}`, 'null', `https://127.0.0.1:${port}`]) {
      const page = await rawRequest(port, tried({ target: `/?token=${token}`, headers: { Origin: origin } }));
      expect(page.status, origin).toBe(403);
      expect(page.body).toContain('only pages of http://127.0.0.1:');
      expect((await upgradeStatus(port, tried(`/lab?token=${token}`), { Origin: origin })).status, origin).toBe(403);
    }
    expect((await upgradeStatus(port, `/lab?token=${token}`, { Origin: `http://127.0.0.1:${port}` })).status).toBe(101);
    await stillServing(port, token);
  });
});

describe('the token: in the URL, or in a cookie bound to this port, sent from this origin only', () => {
  const cookie = () => `caplab_token_${port}=${token}`;

  it('the page sets a cookie named after this port', async () => {
    const page = await rawRequest(port, { target: `/?token=${token}` });
    expect(page.headers).toContain(`set-cookie: caplab_token_${port}=${token}; HttpOnly; SameSite=Strict; Path=/`);
  });

  it("a page of another port of 127.0.0.1 cannot use this port's cookie to open the lab's WebSocket", async () => {
    expect((await upgradeStatus(port, tried('/lab'), { Cookie: cookie(), Origin: `http://127.0.0.1:${port + 1}` })).status).toBe(403);
    expect((await upgradeStatus(port, tried('/lab'), { Cookie: cookie(), Origin: `http://127.0.0.1:${port}`, 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    expect((await upgradeStatus(port, '/lab', { Cookie: cookie(), Origin: `http://127.0.0.1:${port}` })).status).toBe(101);
    await stillServing(port, token);
  });

  it('the cookie of the old shared name, or of another port, is no token', async () => {
    for (const sent of [`caplab_token=${token}`, `caplab_token_${port + 1}=${token}`, `caplab_token_${port}x=${token}`]) {
      expect((await rawRequest(port, tried({ target: '/', headers: { Cookie: sent } }))).status, sent).toBe(403);
      expect((await upgradeStatus(port, tried('/lab'), { Cookie: sent })).status, sent).toBe(403);
    }
    expect((await rawRequest(port, { target: '/', headers: { Cookie: `other=1; ${cookie()}` } })).status).not.toBe(403);
  });

  it("refuses the cookie on a request another site's or another port's page made (Sec-Fetch-Site)", async () => {
    for (const site of ['cross-site', 'same-site']) {
      expect((await rawRequest(port, tried({ target: '/', headers: { Cookie: cookie(), 'Sec-Fetch-Site': site } }))).status, site).toBe(403);
    }
    expect((await rawRequest(port, { target: '/', headers: { Cookie: cookie(), 'Sec-Fetch-Site': 'same-origin' } })).status).not.toBe(403);
  });

  it('answers only GET and HEAD (405), after the gate', async () => {
    expect((await rawRequest(port, tried({ method: 'POST', target: `/?token=${token}`, body: '{}' }))).status).toBe(405);
    expect((await rawRequest(port, tried({ method: 'DELETE', target: '/' }))).status).toBe(403);
    const head = await rawRequest(port, { method: 'HEAD', target: `/?token=${token}` });
    expect([200, 404]).toContain(head.status);
    expect(head.body).toBe('');
  });
});

describe('generated requests never get past the gate without the token, and never stop the server', () => {
  const pathPiece = fc.oneof(
    fc.constantFrom('/', '//', '..', '%', '%E0%A4%A', '%00', '%2e%2e', ':', '@', '?', '#', '\\', 'lab', 'index.html', 'a:b:c', '%C0%AF', '~', ';'),
    fc.string({ unit: fc.constantFrom(...'abc/%:.@?&=#\\'.split('')), maxLength: 8 }),
  );
  const target = fc.array(pathPiece, { minLength: 1, maxLength: 6 }).map((pieces) => pieces.join(''));

  it('without the token: 400 or 403, whatever the target, Host and Origin', async () => {
    await fc.assert(
      fc.asyncProperty(target, fc.option(fc.constantFrom('evil.example', 'localhost', '127.0.0.1:1'), { nil: undefined }), fc.option(fc.constantFrom('http://evil.example', 'null'), { nil: undefined }), async (generated, host, origin) => {
        const headers: Record<string, string> = origin === undefined ? {} : { Origin: origin };
        const response = await rawRequest(port, tried({ target: generated, ...(host === undefined ? {} : { host }), headers }));
        // 400 from the gate, or from Node's own parser for a target with characters HTTP forbids.
        expect([400, 403]).toContain(response.status);
      }),
      { numRuns: 150 },
    );
    await stillServing(port, token);
  });

  it('with the token: never a 5xx and never the token page missing from a path outside the interface', async () => {
    await fc.assert(
      fc.asyncProperty(target, async (generated) => {
        const separator = generated.includes('?') ? '&' : '?';
        const response = await rawRequest(port, tried({ target: `${generated}${separator}token=${token}` }));
        expect([200, 400, 403, 404]).toContain(response.status);
        if (response.status === 200) expect(response.headers).toMatch(/content-type: (text|image|application|font)\//);
      }),
      { numRuns: 150 },
    );
    await stillServing(port, token);
  });
});
