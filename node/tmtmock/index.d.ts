// Types of tmtmock's Node.js helper (docs/helpers.md, Node.js).

export interface StartOptions {
  /** The binary (default: $TMTMOCK_BIN, then `tmtmock` on PATH). */
  binary?: string;
  /** Extra options, e.g. ["--seed", "1", "--no-rate-limit"]. */
  args?: string[];
  secretId?: string;
  secretKey?: string;
  region?: string;
  adminToken?: string;
  timeoutMs?: number;
}

/** GET /_mock/journal's filters (docs/admin-api.md, Querying the journal). */
export interface JournalFilters {
  action?: string;
  /** OK, an error code, or a transport fault's name. */
  code?: string;
  secret_id?: string;
  signature_ok?: boolean | "null";
  since?: number;
  /** Mock-clock Unix seconds: from inclusive, until exclusive. */
  from?: number;
  until?: number;
}

export type JournalEntry = Record<string, unknown> & {
  seq: number; time: number; action: string | null; secret_id: string | null;
  signature: string | null; signature_ok: boolean | null; error_code: string | null;
};

export interface Tmtmock {
  /** "127.0.0.1:PORT": the SDKs' httpProfile.endpoint (protocol "http://"). */
  endpoint: string;
  host: string;
  port: number;
  url: string;
  secretId: string;
  secretKey: string;
  region: string;
  stderr: string[];
  faults: {
    add(rule: Record<string, unknown>): Promise<Record<string, unknown>>;
    list(): Promise<Record<string, unknown>[]>;
    clear(): Promise<unknown>;
  };
  clock: {
    get(): Promise<{ now: number; offset_s: number; frozen: boolean }>;
    now(): Promise<number>;
    freeze(at?: number): Promise<unknown>;
    advance(seconds: number): Promise<unknown>;
    offset(seconds: number): Promise<unknown>;
    reset(): Promise<unknown>;
  };
  journal: ((filters?: JournalFilters) => Promise<JournalEntry[]>) & { count(filters?: JournalFilters): Promise<number> };
  count(filters?: JournalFilters): Promise<number>;
  admin(method: string, path: string, body?: unknown, query?: string): Promise<any>;
  call(action: string, params: Record<string, unknown>,
       opts?: { secretId?: string; secretKey?: string; timestamp?: number }): Promise<Record<string, any>>;
  reset(): Promise<unknown>;
  stop(): Promise<number | string>;
}

export function startTmtmock(options?: StartOptions): Promise<Tmtmock>;
export function journalQuery(filters?: JournalFilters): string;
export const EXAMPLE_SECRET_ID: string;
export const EXAMPLE_SECRET_KEY: string;
