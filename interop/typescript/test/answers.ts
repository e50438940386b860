// What the tests do with the answers of the hey-api clients.
import assert from 'node:assert/strict';

/** What a call of a generated client resolves to. */
export interface Result<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

/**
 * The answer's data, after checking the status (200 unless told). Lists
 * may also answer 204 (void in the generated types): a caller that wants
 * 204 says so, and does not read the data.
 */
export async function ok<T>(call: Promise<Result<T>>, status = 200): Promise<Exclude<T, void | undefined>> {
  const r = await call;
  assert.ok(r.response, `no HTTP response: ${String(r.error)}`);
  assert.equal(r.response.status, status, `HTTP ${r.response.status} (want ${status}): ${JSON.stringify(r.error)}`);
  return r.data as Exclude<T, void | undefined>;
}
