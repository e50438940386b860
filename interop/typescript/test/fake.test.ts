// A TypeScript team tests its Chatwork integration against `chatwork fake`
// as a Go test does with package apitest, over HTTP only: the fake starts
// from test/seed.yaml (interop/run passes --seed), the code under test is
// the @hey-api/openapi-ts client generated from openapi.yaml, and the test
// drives the fake through its control API with a second client, generated
// from the fake's own api/apitest/control.yaml: it reads what the client
// sent, injects a 429, moves the clock past a rate-limit window, receives
// signed webhooks in a receiver written here, resets the fake and runs the
// whole scenario again.
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { test } from 'node:test';

import { client } from '../generated/client.gen';
import { client as controlClient } from '../generated/control/client.gen';
import * as fake from '../generated/control/sdk.gen';
import * as cw from '../generated/sdk.gen';
import { ok, Result } from './answers';
import { rateLimitError } from './spec';

const baseUrl = process.env.CHATWORK_BASE_URL;
const token = process.env.CHATWORK_API_TOKEN;
const fakeUrl = process.env.CHATWORK_FAKE_URL;
const adminToken = process.env.CHATWORK_FAKE_ADMIN_TOKEN;
if (!baseUrl || !token || !fakeUrl || !adminToken) {
  throw new Error('run through interop/with-fake with CHATWORK_FAKE_FLAGS="--seed ..." (make interop)');
}
client.setConfig({ baseUrl, auth: (scheme) => (scheme.type === 'apiKey' ? token : undefined) });
controlClient.setConfig({ baseUrl: fakeUrl, auth: () => adminToken });

// What test/seed.yaml holds.
const seed = {
  me: 1001,
  mio: 1002,
  sora: 1003,
  room: 5100,
  message: '2000000000000000001',
  task: 7001,
  file: 9001,
};

/** Chatwork's webhook signature: base64(HMAC-SHA256(key = base64-decoded token, raw body)). */
function signature(webhookToken: string, body: Buffer): string {
  return createHmac('sha256', Buffer.from(webhookToken, 'base64')).update(body).digest('base64');
}

function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

interface Delivery {
  event: { webhook_event_type: string; webhook_event: Record<string, unknown> };
  verified: boolean;
}

/**
 * A webhook receiver as a team would write it: it verifies the signature
 * of each request (header and query parameter) before reading the event.
 */
async function startReceiver(webhookToken: string) {
  const deliveries: Delivery[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = String(req.headers['x-chatworkwebhooksignature'] ?? '');
      const query = new URL(req.url ?? '/', 'http://receiver').searchParams.get('chatwork_webhook_signature') ?? '';
      const want = signature(webhookToken, body);
      const verified = sameSignature(header, want) && sameSignature(query, want);
      deliveries.push({ event: JSON.parse(body.toString('utf8')), verified });
      res.writeHead(verified ? 200 : 401).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, deliveries, close: () => new Promise((done) => server.close(done)) };
}

/** Waits until cond holds; the deadline only bounds a hang. */
async function until(what: string, cond: () => boolean) {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One run of the scenario; it returns the ID of the message it posted. */
async function scenario(t: { test: (name: string, fn: () => Promise<void>) => Promise<unknown> }, round: number) {
  let posted = '';

  await t.test(`round ${round}: the seeded state, through the Chatwork API`, async () => {
    assert.deepEqual(await ok(fake.requests()), [], 'the fake starts with no recorded request');
    assert.equal((await ok(cw.getMe())).account_id, seed.me);
    // The seeded message, then those the seeded task and file posted.
    const messages = await ok(cw.listMessages({ path: { room_id: seed.room }, query: { force: 1 } }));
    assert.equal(messages.length, 3);
    assert.equal(messages[0].message_id, seed.message);
    assert.equal(messages[0].account.account_id, seed.mio);
    assert.match(messages[1].body, /^\[task aid=1001 st=open lt=\d+\]Write the release notes\[\/task\]$/);
    assert.match(messages[2].body, /\[download:9001\]checklist\.txt/);
    const tasks = await ok(cw.listRoomTasks({ path: { room_id: seed.room } }));
    assert.deepEqual(tasks.map((x) => [x.task_id, x.account.account_id, x.body]), [[seed.task, seed.me, 'Write the release notes']]);
    const files = await ok(cw.listFiles({ path: { room_id: seed.room } }));
    assert.deepEqual(files.map((f) => [f.file_id, f.filename, f.filesize]), [[seed.file, 'checklist.txt', 25]]);
    const requests = await ok(cw.listIncomingRequests());
    assert.deepEqual(requests.map((r) => r.account_id), [seed.sora]);
    assert.deepEqual(
      (await ok(fake.requests())).map((r) => [r.operation_id, r.status]),
      [['getMe', 200], ['listMessages', 200], ['listRoomTasks', 200], ['listFiles', 200], ['listIncomingRequests', 200]],
    );
    await ok(fake.clearRequests(), 204);
  });

  const webhookToken = randomBytes(32).toString('base64');
  const receiver = await startReceiver(webhookToken);
  try {
    await t.test(`round ${round}: a message posted through the client, as the fake recorded it, and its signed webhook`, async () => {
      const hook = await ok(
        fake.addWebhook({ body: { url: receiver.url, token: webhookToken, events: ['message_created'], room_id: seed.room } }),
        201,
      );
      posted = (await ok(cw.postMessage({ path: { room_id: seed.room }, body: { body: 'Deploy finished', self_unread: 1 } })))
        .message_id;

      const recorded = await ok(fake.requests({ query: { operation_id: 'postMessage' } }));
      assert.equal(recorded.length, 1);
      assert.equal(recorded[0].status, 200);
      assert.equal(recorded[0].account_id, seed.me);
      assert.deepEqual(recorded[0].path_params, { room_id: String(seed.room) });
      assert.deepEqual(recorded[0].form, { body: ['Deploy finished'], self_unread: ['1'] });
      assert.equal(recorded[0].ignored, undefined, 'no field of the client is ignored');

      await until('the webhook of the message', () => receiver.deliveries.length === 1);
      const [d] = receiver.deliveries;
      assert.ok(d.verified, 'the signature does not verify');
      assert.equal(d.event.webhook_event_type, 'message_created');
      assert.equal(d.event.webhook_event.message_id, posted);
      assert.equal(d.event.webhook_event.body, 'Deploy finished');

      // A synthetic event, delivered on demand: the fake answers once the
      // receiver has.
      const synthetic = await ok(
        fake.deliverWebhook({ body: { webhook_id: hook.webhook_id!, event_type: 'message_created', event: { room_id: seed.room, body: 'synthetic' } } }),
      );
      assert.equal(synthetic.status_code, 200);
      assert.equal(synthetic.signature, signature(webhookToken, Buffer.from(synthetic.body)));
      assert.equal(receiver.deliveries.length, 2);
      assert.ok(receiver.deliveries[1].verified);
    });
  } finally {
    await receiver.close();
  }

  await t.test(`round ${round}: an upload, its file part as the fake read it`, async () => {
    const file = new File(['1. tests\n'], '報告書 2026.txt', { type: 'text/plain' });
    const uploaded = await ok(cw.uploadFile({ path: { room_id: seed.room }, body: { file, message: 'the report' } }));
    const [recorded] = await ok(fake.requests({ query: { operation_id: 'uploadFile' } }));
    assert.deepEqual(recorded.form, { message: ['the report'] });
    assert.deepEqual(recorded.files, [{ name: 'file', file_name: '報告書 2026.txt', content_type: 'text/plain', size: 9 }]);
    const stored = await ok(fake.files({ query: { room_id: seed.room } }));
    const mine = stored.find((f) => f.file_id === uploaded.file_id);
    assert.ok(mine);
    assert.equal(Buffer.from(mine.content ?? '', 'base64').toString(), '1. tests\n');
  });

  await t.test(`round ${round}: an injected 429, as the client sees it`, async () => {
    await ok(fake.injectFault({ body: { operation_id: 'getMe', times: 1, rate_limit: 'account' } }), 204);
    const limited = await cw.getMe();
    assert.equal(limited.response?.status, 429);
    assert.deepEqual(limited.error, { errors: [rateLimitError('account')] });
    assert.equal(limited.data, undefined);
    assert.equal(limited.response?.headers.get('x-ratelimit-remaining'), '0');
    assert.ok(Number(limited.response?.headers.get('x-ratelimit-reset')) > 0);
    // The fault was for one request: the client's next call goes through.
    assert.equal((await ok(cw.getMe())).account_id, seed.me);
    assert.deepEqual(await ok(fake.faults()), []);
  });

  await t.test(`round ${round}: the room's posting limit, then the clock past its window`, async () => {
    let refused: Result<unknown> | undefined;
    let accepted = 0;
    for (let i = 0; i < 20 && !refused; i++) {
      const r = await cw.postMessage({ path: { room_id: seed.room }, body: { body: `post ${i}` } });
      if (r.response.status === 429) refused = r;
      else assert.equal(r.response.status, 200, JSON.stringify(r.error));
      if (r.response.status === 200) accepted++;
    }
    assert.ok(refused, 'no 429 after 20 posts to one room');
    assert.deepEqual(refused.error, { errors: [rateLimitError('room')] });
    // The message posted above shares the window (uploads do not count).
    assert.ok(accepted >= 1 && accepted <= 9, `the room accepted ${accepted} posts in this loop`);
    const before = (await ok(fake.now())).now;
    const after = (await ok(fake.advanceClock({ body: { seconds: 11 } }))).now;
    assert.ok(Date.parse(after) - Date.parse(before) >= 11_000, `${before} -> ${after}`);
    await ok(cw.postMessage({ path: { room_id: seed.room }, body: { body: 'after the window' } }));
  });

  await t.test(`round ${round}: reset`, async () => {
    await ok(fake.reset(), 204);
    const messages = await ok(fake.messages({ query: { room_id: seed.room } }));
    assert.equal(messages.length, 3);
    assert.equal(messages[0].message_id, seed.message);
    assert.deepEqual(await ok(fake.requests()), []);
    assert.deepEqual(await ok(fake.webhooks()), []);
    assert.deepEqual(await ok(fake.webhookDeliveries()), []);
  });
  return posted;
}

test('chatwork fake from another language: seed, record, faults, clock, webhooks, reset', async (t) => {
  // The control API is closed without the admin token.
  const refused = await fake.reset({ auth: () => 'not the admin token' });
  assert.equal(refused.response.status, 403);

  const first = await scenario(t, 1);
  const second = await scenario(t, 2);
  // The reset put back the same state: the same IDs come out again.
  assert.ok(first);
  assert.equal(second, first);
});
