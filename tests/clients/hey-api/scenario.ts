// Integrator scenario through the SDK @hey-api/openapi-ts generates (its fetch client), the story
// of tests/clients/typescript/scenario.ts: a French 24/7 point of contact asks Germany's for an
// expedited preservation (Budapest Art 29); Germany acknowledges, uploads the preserved records
// and answers; France reads the request and its events and downloads every file. Germany uploads
// three files, a JSON document, a text file and a binary one; for each download France checks
// that its SHA-256 equals the `Repr-Digest` header, the digest in the response event and the
// bytes sent, and that `Rogatory-Media-Type` is the uploaded media type. (A JSON or text
// attachment served with its own type was parsed or decoded by this client: the digest failed.)
//
// .ci/integrators.sh puts this file beside the generated code (./generated), compiles both with
// tsc (tsconfig.json: strict, noUncheckedIndexedAccess, CommonJS) and runs dist/scenario.js with
// node. Environment:
//   ROGATORY_URL                     base URL of a running server (fresh database)
//   ROGATORY_ADMIN_CLIENT_ID/SECRET  exchange_admin credentials from `rogatory admin bootstrap`
// Exit status 0 only when every step passed.

import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";
import { type Client, createClient, createConfig } from "./generated/client";
import {
  acknowledgeRequest,
  createClient as createApiClient,
  createParty,
  createRequest,
  createToken,
  createWebhook,
  downloadAttachment,
  getMe,
  getRequest,
  listRequestEvents,
  respondToRequest,
  submitRequest,
  uploadAttachment,
  verifyParty,
} from "./generated/sdk.gen";
import type { Attachment, ClientCredentials, NewParty, NewRequest, Party, Role } from "./generated/types.gen";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const BASE_URL = env("ROGATORY_URL").replace(/\/$/, "");
const ADMIN_ID = env("ROGATORY_ADMIN_CLIENT_ID");
const ADMIN_SECRET = env("ROGATORY_ADMIN_CLIENT_SECRET");
const RUN = Math.random().toString(16).slice(2, 10); // party names are unique

const passed: string[] = [];
const failed: string[] = [];

class StepFailed extends Error {}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new StepFailed(message);
}

type Result<D> = { data?: D; error?: unknown; response?: Response };

/** The HTTP response of a hey-api result (absent only when fetch itself failed). */
function responseOf<D>(result: Result<D>, what: string): Response {
  expect(result.response, `${what}: no response (${String(result.error)})`);
  return result.response;
}

/** The typed `data` of a hey-api result, after checking the HTTP status. */
function ok<D>(result: Result<D>, status: number, what: string): D {
  const response = responseOf(result, what);
  expect(
    response.status === status,
    `${what}: HTTP ${response.status} (expected ${status}): ${JSON.stringify(result.error ?? null).slice(0, 400)}`,
  );
  expect(result.data !== undefined, `${what}: no parsed body`);
  return result.data;
}

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const value = await fn();
    console.log(`ok   ${name} (${((performance.now() - started) / 1000).toFixed(3)}s)`);
    passed.push(name);
    return value;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.log(`FAIL ${name} (${((performance.now() - started) / 1000).toFixed(3)}s): ${message}`);
    failed.push(`${name}: ${message}`);
    throw new StepFailed(message);
  }
}

const anonymous: Client = createClient(createConfig({ baseUrl: BASE_URL }));
// `auth` is the bearer token; the SDK adds `Authorization: Bearer …` to the operations whose
// security lists the bearer scheme.
const bearer = (token: string): Client => createClient(createConfig({ baseUrl: BASE_URL, auth: token }));

async function tokenWithBasic(clientId: string, clientSecret: string): Promise<string> {
  const result = await createToken({
    client: anonymous,
    body: { grant_type: "client_credentials" },
    headers: { Authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
  });
  const token = ok(result, 200, "token (HTTP Basic)");
  expect(token.token_type.toLowerCase() === "bearer", `token_type ${token.token_type}`);
  expect(responseOf(result, "token").headers.get("cache-control") === "no-store", "Cache-Control: no-store");
  return token.access_token;
}

async function tokenWithForm(clientId: string, clientSecret: string): Promise<string> {
  const result = await createToken({
    client: anonymous,
    body: { grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret },
  });
  return ok(result, 200, "token (form fields)").access_token;
}

async function newParty(admin: Client, name: string, country: string, email: string): Promise<Party> {
  const body: NewParty = {
    kind: "state_authority",
    name: `${name} [${RUN}]`,
    country,
    designations: ["contact_point_24_7"],
    accepted_legal_bases: ["coe_budapest_29"],
    notification_emails: [email],
  };
  const created = ok(
    await createParty({ client: admin, body, headers: { "Idempotency-Key": `party-${country}-${RUN}` } }),
    201,
    `create party ${country}`,
  );
  expect(created.status === "pending_verification", `a new party is pending_verification, got ${created.status}`);
  const verified = ok(
    await verifyParty({ client: admin, path: { id: created.id }, headers: { "Idempotency-Key": `verify-${country}-${RUN}` } }),
    200,
    `verify party ${country}`,
  );
  expect(verified.status === "active", `a verified party is active, got ${verified.status}`);
  return verified;
}

async function newClient(admin: Client, party: Party, label: string): Promise<ClientCredentials> {
  const roles: Role[] = ["operator", "responder", "party_admin"];
  const creds = ok(
    await createApiClient({ client: admin, path: { id: party.id }, body: { name: `${label} case system`, roles } }),
    201,
    `client for ${label}`,
  );
  expect(typeof creds.client_secret === "string" && creds.client_secret.length > 0, "the secret is shown once");
  expect([...creds.client.roles].sort().join() === [...roles].sort().join(), `roles ${creds.client.roles}`);
  return creds;
}

// The body of tests/api/support/world.rs `preservation_request()`.
const preservationRequest: NewRequest = {
  legal_basis: "coe_budapest_29",
  priority: "urgent",
  addressee: { country: "DE" },
  content: {
    issuing_authority: "OCLCTIC 24/7 point of contact, Nanterre",
    offences: ["Trafficking in human beings (Code penal art. 225-4-1)"],
    facts_summary: "Victims recruited through fake modelling offers sent from this mailbox, then exploited in Paris.",
    targets: [{ type: "email", value: "Recruiter.Jobs2026@Example-Mail.de" }],
    data_categories: ["subscriber", "traffic"],
    custodian: "Example Mail GmbH, Berlin",
    preservation_necessity: "The provider keeps connection logs for 90 days.",
    mla_intent: true,
  },
};

/** One evidence file: its name, media type and bytes. */
type Evidence = { name: string; media: string; bytes: Uint8Array<ArrayBuffer> };

function evidenceFiles(): Evidence[] {
  const json = JSON.stringify(
    { run: RUN, subscriber: { email: "recruiter.jobs2026@example-mail.de" }, logins: [{ at: "2026-11-20T21:14:05Z", ip: "203.0.113.7" }] },
    null,
    2,
  );
  const binary = new Uint8Array(4 + 256 * 4);
  binary.set([0x00, 0xff, 0x89, 0x50]);
  for (let i = 4; i < binary.length; i++) binary[i] = (i - 4) % 256;
  return [
    { name: "subscriber.json", media: "application/json", bytes: new TextEncoder().encode(`${json}\n`) },
    { name: "logins.txt", media: "text/plain; charset=utf-8", bytes: new TextEncoder().encode(`run ${RUN}\r\nlogin 2026-11-20T21:14:05Z 203.0.113.7:51234\n`) },
    { name: "mailbox.bin", media: "application/octet-stream", bytes: binary },
  ];
}

function sha256(bytes: Uint8Array): { hex: string; base64: string } {
  const digest = createHash("sha256").update(bytes).digest();
  return { hex: digest.toString("hex"), base64: digest.toString("base64") };
}

/** A webhook receiver on 127.0.0.1 that records each delivery's raw body and headers. */
class Receiver {
  deliveries: { body: string; headers: Record<string, string> }[] = [];
  url = "";
  private server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      this.deliveries.push({ body: Buffer.concat(chunks).toString("utf8"), headers });
      res.writeHead(204).end();
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((done) => this.server.listen(0, "127.0.0.1", done));
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    this.url = `http://127.0.0.1:${address.port}/hook`;
  }

  stop(): void {
    this.server.close();
  }

  async waitFor(type: string, timeoutMs = 20_000): Promise<{ body: string; headers: Record<string, string> }> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.deliveries.find((d) => (JSON.parse(d.body) as { type: string }).type === type);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no ${type} delivery within ${timeoutMs} ms (got ${this.deliveries.length})`);
  }
}

async function verifyDelivery(receiver: Receiver, secret: string, type: string, requestId: string): Promise<void> {
  const { body, headers } = await receiver.waitFor(type);
  const payload = new Webhook(secret).verify(body, headers) as { type: string; data: { request_id: string } };
  expect(payload.type === type, `payload type ${payload.type}`);
  expect(payload.data.request_id === requestId, "the delivery names the request");
  let rejected = false;
  try {
    new Webhook(secret).verify(body.replace('"type"', '"typf"'), headers);
  } catch {
    rejected = true;
  }
  expect(rejected, "a changed byte must fail verification");
}

async function main(): Promise<number> {
  console.log(`hey-api scenario against ${BASE_URL} (run ${RUN})`);
  const receiver = new Receiver();
  try {
    const admin = bearer(await step("exchange admin token (bootstrap credentials, HTTP Basic)", () => tokenWithBasic(ADMIN_ID, ADMIN_SECRET)));
    await step("admin /v1/me says exchange_admin", async () => {
      const me = ok(await getMe({ client: admin }), 200, "me");
      expect(me.roles.includes("exchange_admin"), `roles ${me.roles}`);
    });
    const fr = await step("create and verify the French 24/7 point of contact", () => newParty(admin, "OCLCTIC 24/7 point of contact", "FR", "24-7@oclctic.example.fr"));
    const de = await step("create and verify the German 24/7 point of contact", () => newParty(admin, "BKA 24/7 point of contact", "DE", "24-7@bka.example.de"));
    const frCreds = await step("client for France", () => newClient(admin, fr, "OCLCTIC"));
    const deCreds = await step("client for Germany", () => newClient(admin, de, "BKA"));
    const france = bearer(await step("France's token (HTTP Basic)", () => tokenWithBasic(frCreds.client_id, frCreds.client_secret ?? "")));
    const germany = bearer(await step("Germany's token (form fields)", () => tokenWithForm(deCreds.client_id, deCreds.client_secret ?? "")));
    await receiver.start();
    const secret = await step("France subscribes a webhook (acknowledged, responded)", async () => {
      const created = ok(
        await createWebhook({
          client: france,
          body: { url: receiver.url, event_types: ["request.acknowledged", "request.responded"], description: "integrator scenario" },
        }),
        201,
        "create webhook",
      );
      expect(created.secret.startsWith("whsec_"), "the signing secret is shown once");
      return created.secret;
    });

    const request = await step("France drafts a Budapest Art 29 preservation to DE", async () => {
      const created = ok(
        await createRequest({ client: france, body: preservationRequest, headers: { "Idempotency-Key": `req-${RUN}` } }),
        201,
        "create request",
      );
      expect(created.status === "draft", `a new request is a draft, got ${created.status}`);
      expect(created.issuer.id === fr.id, "issuer is France");
      expect(created.addressee.id === de.id, `DE resolves to Germany's 24/7 point of contact, got ${created.addressee.name}`);
      return created;
    });
    const path = { id: request.id };

    await step("France submits it", async () => {
      const submitted = ok(await submitRequest({ client: france, path, headers: { "Idempotency-Key": `submit-${RUN}` } }), 200, "submit");
      expect(submitted.status === "submitted", `status after submit: ${submitted.status}`);
    });
    await step("Germany acknowledges", async () => {
      const acked = ok(await acknowledgeRequest({ client: germany, path, headers: { "Idempotency-Key": `ack-${RUN}` } }), 200, "acknowledge");
      expect(acked.status === "acknowledged", `status after acknowledge: ${acked.status}`);
    });

    const files = evidenceFiles();
    const uploaded: Attachment[] = [];
    for (const file of files) {
      // Each file goes with its own Content-Type, as the operation's description says; the
      // SDK's default is the declared application/octet-stream.
      const attachment = await step(`Germany uploads ${file.name} (${file.media})`, async () => {
        const result = await uploadAttachment({
          client: germany,
          path,
          query: { file_name: file.name },
          headers: { "Idempotency-Key": `upload-${file.name}-${RUN}`, "Content-Type": file.media },
          body: new Blob([file.bytes], { type: file.media }),
        });
        const recorded = ok(result, 201, `upload ${file.name}`);
        expect(recorded.sha256 === sha256(file.bytes).hex, "the recorded SHA-256 is that of the bytes sent");
        expect(recorded.size_bytes === file.bytes.length, `size_bytes ${recorded.size_bytes}`);
        expect(recorded.media_type === file.media, `recorded media type ${recorded.media_type}, sent ${file.media}`);
        expect(responseOf(result, "upload").headers.get("repr-digest") === recorded.repr_digest, "Repr-Digest of the upload");
        return recorded;
      });
      uploaded.push(attachment);
    }

    await step("Germany answers: preserved, citing the three attachments", async () => {
      const answered = ok(
        await respondToRequest({
          client: germany,
          path,
          headers: { "Idempotency-Key": `respond-${RUN}` },
          body: { outcome: "preserved", text: "Subscriber and traffic data preserved for 90 days.", attachments: uploaded.map((a) => a.id) },
        }),
        200,
        "respond",
      );
      expect(answered.status === "preserved", `status after a preserved answer: ${answered.status}`);
    });

    await step("France reads the request", async () => {
      const seen = ok(await getRequest({ client: france, path }), 200, "get request");
      expect(seen.status === "preserved", `France sees status ${seen.status}`);
      expect(seen.outcome, "France sees the outcome");
    });

    const cited = await step("France reads the events (hash chain linked, response cites the files)", async () => {
      const events = ok(await listRequestEvents({ client: france, path }), 200, "events");
      let previous = "0".repeat(64);
      for (const event of events.items) {
        expect(event.prev_hash === previous, `event ${event.seq} links to the one before`);
        previous = event.hash;
      }
      const responded = events.items.filter((e) => e.type === "request.responded").pop();
      expect(responded, `event types ${events.items.map((e) => e.type)}`);
      // `data` is what the event type records (see the request.responded webhook payload).
      const list = (responded.data as { attachments?: { id: string; sha256: string }[] }).attachments ?? [];
      const byId = new Map(list.map((c) => [c.id, c.sha256]));
      expect(uploaded.every((a) => byId.has(a.id)), `the response event cites the attachments: ${JSON.stringify(list)}`);
      return byId;
    });

    for (const [i, file] of files.entries()) {
      const attachment = uploaded[i];
      expect(attachment, `no attachment for ${file.name}`);
      await step(`France downloads ${file.name}: SHA-256 = Repr-Digest = event, Rogatory-Media-Type ${file.media}`, async () => {
        const result = await downloadAttachment({ client: france, path: { id: attachment.id } });
        const response = responseOf(result, "download");
        expect(response.status === 200, `download: HTTP ${response.status}`);
        const blob: Blob | File | undefined = result.data;
        expect(blob instanceof Blob, `the SDK hands the body over as a Blob, got ${typeof blob}`);
        const content = new Uint8Array(await blob.arrayBuffer());
        const digest = sha256(content);
        const header = response.headers.get("repr-digest");
        expect(header === `sha-256=:${digest.base64}:`, `SHA-256 of the bytes received sha-256=:${digest.base64}: != Repr-Digest ${header}`);
        expect(digest.hex === cited.get(attachment.id), "SHA-256 equals the one the response event cites");
        expect(Buffer.compare(Buffer.from(content), Buffer.from(file.bytes)) === 0, `the bytes downloaded (${content.length}) are the bytes uploaded (${file.bytes.length})`);
        const recorded = response.headers.get("rogatory-media-type");
        expect(recorded === file.media, `Rogatory-Media-Type ${recorded}, uploaded as ${file.media}`);
      });
    }
    await step("webhook request.acknowledged verified with standardwebhooks", () => verifyDelivery(receiver, secret, "request.acknowledged", request.id));
    await step("webhook request.responded verified with standardwebhooks", () => verifyDelivery(receiver, secret, "request.responded", request.id));
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error; // already reported; later steps depend on it
  } finally {
    receiver.stop();
  }
  console.log(`hey-api scenario: ${passed.length} passed, ${failed.length} failed`);
  for (const failure of failed) console.log(`  - ${failure}`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.log(`hey-api scenario crashed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
