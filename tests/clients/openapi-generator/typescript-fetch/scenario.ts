// Short integrator scenario through the client openapi-generator's `typescript-fetch` writes:
// the exchange admin gets a token, reads /v1/me, registers and verifies the French 24/7 point of
// contact and gives it an API client; France gets its own token and reads /v1/me. Enough to prove
// that the generated code compiles (tsc strict, with the code itself) and that its bearer
// authentication, form-encoded token call, JSON bodies, headers and enums work against the
// server. (Every protected call of this generator was a 401 while operations also listed an
// `oauth2` scheme: its branch overwrote `Authorization: Bearer …` with the bare token.)
//
// .ci/integrators.sh puts this file beside the generated code (./generated), compiles both with
// tsc (tsconfig.json, CommonJS) and runs dist/scenario.js with node. Environment:
//   ROGATORY_URL                     base URL of a running server (fresh database)
//   ROGATORY_ADMIN_CLIENT_ID/SECRET  exchange_admin credentials from `rogatory admin bootstrap`
// Exit status 0 only when every step passed.

import {
  AuthApi,
  ClientCredentials,
  Configuration,
  CreateTokenGrantTypeEnum,
  Designation,
  NewPartyKindEnum,
  PartiesApi,
  Party,
  PartyStatus,
  ResponseError,
  Role,
} from "./generated";

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

async function describe(error: unknown): Promise<string> {
  if (error instanceof ResponseError) {
    return `HTTP ${error.response.status}: ${(await error.response.text()).slice(0, 400)}`;
  }
  return error instanceof Error ? error.message : String(error);
}

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const value = await fn();
    console.log(`ok   ${name} (${((performance.now() - started) / 1000).toFixed(3)}s)`);
    passed.push(name);
    return value;
  } catch (error) {
    const message = await describe(error);
    console.log(`FAIL ${name} (${((performance.now() - started) / 1000).toFixed(3)}s): ${message}`);
    failed.push(`${name}: ${message}`);
    throw new StepFailed(message);
  }
}

const anonymous = new Configuration({ basePath: BASE_URL });
const bearer = (token: string): Configuration => new Configuration({ basePath: BASE_URL, accessToken: token });

async function tokenWithBasic(clientId: string, clientSecret: string): Promise<string> {
  // The token operation is public; client authentication by HTTP Basic goes in as a header.
  const raw = await new AuthApi(anonymous).createTokenRaw(
    { grantType: CreateTokenGrantTypeEnum.ClientCredentials },
    { headers: { Authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` } },
  );
  expect(raw.raw.headers.get("cache-control") === "no-store", "a token answer carries Cache-Control: no-store");
  const token = await raw.value();
  expect(token.tokenType.toLowerCase() === "bearer", `token_type ${token.tokenType}`);
  return token.accessToken;
}

async function tokenWithForm(clientId: string, clientSecret: string): Promise<string> {
  const token = await new AuthApi(anonymous).createToken({
    grantType: CreateTokenGrantTypeEnum.ClientCredentials,
    clientId,
    clientSecret,
  });
  expect(token.expiresIn > 0, "expires_in must be positive");
  return token.accessToken;
}

async function main(): Promise<number> {
  console.log(`openapi-generator typescript-fetch scenario against ${BASE_URL} (run ${RUN})`);
  try {
    const admin = bearer(await step("exchange admin token (bootstrap credentials, HTTP Basic)", () => tokenWithBasic(ADMIN_ID, ADMIN_SECRET)));
    await step("admin /v1/me says exchange_admin (bearer authentication)", async () => {
      const me = await new AuthApi(admin).getMe();
      expect(me.roles.includes(Role.ExchangeAdmin), `roles ${me.roles}`);
    });
    const france: Party = await step("create and verify the French 24/7 point of contact", async () => {
      const parties = new PartiesApi(admin);
      const created = await parties.createParty({
        newParty: {
          kind: NewPartyKindEnum.StateAuthority,
          name: `OCLCTIC 24/7 point of contact [${RUN}]`,
          country: "FR",
          designations: [Designation.ContactPoint247],
          acceptedLegalBases: ["coe_budapest_29"],
          notificationEmails: ["24-7@oclctic.example.fr"],
        },
        idempotencyKey: `party-FR-${RUN}`,
      });
      expect(created.status === PartyStatus.PendingVerification, `a new party is pending_verification, got ${created.status}`);
      const verified = await parties.verifyParty({ id: created.id, idempotencyKey: `verify-FR-${RUN}` });
      expect(verified.status === PartyStatus.Active, `a verified party is active, got ${verified.status}`);
      return verified;
    });
    const creds: ClientCredentials = await step("client for France", async () => {
      const roles = [Role.Operator, Role.Responder];
      const created = await new PartiesApi(admin).createClient({ id: france.id, newClient: { name: "OCLCTIC case system", roles } });
      expect(typeof created.clientSecret === "string" && created.clientSecret.length > 0, "the secret is shown once");
      expect([...created.client.roles].sort().join() === [...roles].sort().join(), `roles ${created.client.roles}`);
      return created;
    });
    const token = await step("France's token (form fields)", () => tokenWithForm(creds.clientId, creds.clientSecret ?? ""));
    await step("France's /v1/me names its party and roles", async () => {
      const me = await new AuthApi(bearer(token)).getMe();
      expect(me.partyId === france.id, `party ${me.partyId}`);
      expect(me.clientId === creds.clientId, `client_id ${me.clientId}`);
      expect(me.roles.includes(Role.Operator) && !me.roles.includes(Role.ExchangeAdmin), `roles ${me.roles}`);
    });
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error; // already reported; later steps depend on it
  }
  console.log(`typescript-fetch scenario: ${passed.length} passed, ${failed.length} failed`);
  for (const failure of failed) console.log(`  - ${failure}`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.log(`typescript-fetch scenario crashed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
