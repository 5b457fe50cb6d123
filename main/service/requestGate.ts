import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The gate of browser mode's server (ARCHITECTURE §3, §11; issue 13): every request, plain or a
 * WebSocket upgrade, passes here before anything else looks at it. Nothing in this file throws on
 * what a client sends: a target that does not parse is a 400, a foreign `Host` or `Origin` (DNS
 * rebinding, a page of another site or of another port of 127.0.0.1) or a missing token a 403.
 */

/** The address the server serves, what requests must name. */
export interface ServedAddress {
  /** `127.0.0.1:<port>`: the only `Host` accepted. */
  readonly host: string;
  /** `http://127.0.0.1:<port>`: the only `Origin` accepted. */
  readonly origin: string;
  /** The per-launch token. */
  readonly token: string;
  /** The cookie that carries the token: named after the port, as a browser sends 127.0.0.1's cookies to every port of it. */
  readonly cookieName: string;
}

export function servedAddress(port: number, token: string): ServedAddress {
  return { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, token, cookieName: `caplab_token_${port}` };
}

/** A refused request: the status and a one-line reason (sent as plain text). */
export interface Refusal {
  readonly status: 400 | 403 | 404 | 405;
  readonly message: string;
}

/** A request target split into its path (still percent-encoded) and its query. */
export interface RequestTarget {
  readonly rawPathname: string;
  readonly query: URLSearchParams;
}

/** The target of a request in origin form (`/path?query`), or null: anything else (`//a:b:c/`, `http://…`, `*`) is not one of ours. */
export function parseTarget(raw: string | undefined): RequestTarget | null {
  if (raw === undefined || !raw.startsWith('/') || raw.startsWith('//')) return null;
  try {
    // A fixed base and a target that starts with one slash: the URL parser sees a path, never an authority.
    const url = new URL(`http://127.0.0.1${raw}`);
    return { rawPathname: url.pathname, query: url.searchParams };
  } catch {
    return null;
  }
}

/** The percent-decoded path, or null when it does not decode (`/%E0%A4%A`) or holds a NUL. */
export function decodePath(rawPathname: string): string | null {
  try {
    const decoded = decodeURIComponent(rawPathname);
    return decoded.includes('\0') ? null : decoded;
  } catch {
    return null;
  }
}

function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string' || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The token in this port's cookie, if the request carries it. */
function cookieToken(headers: IncomingHttpHeaders, cookieName: string): string | null {
  for (const part of (header(headers, 'cookie') ?? '').split(';')) {
    const equals = part.indexOf('=');
    if (equals > 0 && part.slice(0, equals).trim() === cookieName) return part.slice(equals + 1).trim();
  }
  return null;
}

/**
 * The cookie counts only for a request of this origin's own pages, or one the user made by
 * opening the address (`Sec-Fetch-Site: none`): another port of 127.0.0.1 is same-site, and
 * SameSite=Strict alone would let its pages send our cookie.
 */
function cookieAllowed(headers: IncomingHttpHeaders, address: ServedAddress): boolean {
  const site = header(headers, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = header(headers, 'origin');
  return origin === undefined || origin === address.origin;
}

/**
 * Checks a request in this order: its target parses, its `Host` is this server's, its `Origin`
 * (when it has one) is this server's, it carries the token (in the query, or in this port's
 * cookie from this origin's own pages). Returns the parsed target, or the refusal to send.
 */
export function admitRequest(target: string | undefined, headers: IncomingHttpHeaders, address: ServedAddress): RequestTarget | Refusal {
  const parsed = parseTarget(target);
  if (parsed === null) return { status: 400, message: 'the request target is not a path of this server' };
  const host = header(headers, 'host')?.toLowerCase();
  if (host !== address.host) return { status: 403, message: `this caplab server answers only to Host ${address.host} (open ${address.origin}/ with its token)` };
  const origin = header(headers, 'origin');
  if (origin !== undefined && origin !== address.origin) return { status: 403, message: `requests from ${origin.slice(0, 200)} are refused: only pages of ${address.origin} may use this lab` };
  const fromQuery = parsed.query.get('token');
  const given = fromQuery ?? (cookieAllowed(headers, address) ? cookieToken(headers, address.cookieName) : null);
  if (!tokenMatches(given, address.token)) return { status: 403, message: 'this caplab server needs the token it printed when it started' };
  return parsed;
}

export function isRefusal(value: RequestTarget | Refusal): value is Refusal {
  return 'status' in value;
}
