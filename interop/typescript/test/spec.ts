// The operations of openapi.yaml, read from the spec itself so that a new
// operation fails the check until a test calls it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

/** One operation of the spec: its ID, method and path template. */
export interface Operation {
  id: string;
  method: string;
  template: string;
  match: RegExp;
  literals: number;
}

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

interface PathItem {
  [method: string]: { operationId?: string } | undefined;
}

/** The spec's file; the compiled test runs from dist/test. */
export const specPath = join(__dirname, '..', '..', '..', '..', 'openapi.yaml');

/** Every operation under `paths` (webhooks are not calls a client makes). */
export function operations(file: string = specPath): Operation[] {
  const doc = load(readFileSync(file, 'utf8')) as { paths?: Record<string, PathItem> };
  const out: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    for (const method of methods) {
      const op = item[method];
      if (!op) continue;
      if (!op.operationId) throw new Error(`${method.toUpperCase()} ${template} has no operationId`);
      const segments = template.split('/');
      const pattern = segments
        .map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      out.push({
        id: op.operationId,
        method: method.toUpperCase(),
        template,
        match: new RegExp(`^${pattern}$`),
        literals: segments.filter((s) => !s.startsWith('{')).length,
      });
    }
  }
  return out;
}

/**
 * The operation a request went to: the matching template with the most
 * literal segments wins (/rooms/{id}/messages/read over .../{message_id}).
 */
export function operationOf(ops: Operation[], method: string, path: string): Operation | undefined {
  let best: Operation | undefined;
  for (const op of ops) {
    if (op.method !== method || !op.match.test(path)) continue;
    if (!best || op.literals > best.literals) best = op;
  }
  return best;
}

/** The budgets of the spec's x-chatwork-rate-limits, by name. */
interface Budget {
  limit: number;
  window_seconds: number;
  error?: string;
}

/** The message of the 429 that going over a budget gets, as the spec states it. */
export function rateLimitError(budget: 'account' | 'room', file: string = specPath): string {
  const doc = load(readFileSync(file, 'utf8')) as { 'x-chatwork-rate-limits'?: Record<string, Budget> };
  const message = doc['x-chatwork-rate-limits']?.[budget]?.error;
  if (!message) throw new Error(`openapi.yaml's x-chatwork-rate-limits.${budget} has no error`);
  return message;
}
