/**
 * Issue 9: every YAML example of the routing guide (packages/config/fixtures/guide-*.yaml,
 * copied unchanged from routing-strategies-guide.md), with each deployment's endpoint pointed
 * at a protocol-faithful fake of its provider and nothing else changed, serves requests through
 * one standalone `switchyard start`, and what `switchyard check` says about it is what happens:
 *
 * - every model group is answered 200 (official `openai` SDK, a plain call and a stream) by the
 *   deployment the plan lists in tier 1, and that deployment's fake (and no other) got the call,
 *   with the upstream model / path of the deployment (the Bedrock fake also checks the SigV4
 *   scope names the deployment's region, the Vertex fake the service account's JWT);
 * - groups the plan marks `[no adapter yet]` answer 501 and reach no fake (none of the guides has one now);
 * - where the plan's Advice says priority only differs between model groups ("no router moves
 *   traffic between them"), an outage of the most preferred group's upstream fails that group's
 *   requests and sends nothing to the other groups (the guide's "fallback" examples configure no
 *   `fallbacks`), while the other groups keep serving.
 *
 * Credentials come from the environment, as the examples' `os.environ/…` references (Anthropic
 * key, Vertex project) and the SDKs' default chains (AWS keys, Google ADC file) expect.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainConfig, loadConfigFile, type Deployment, type SwitchyardConfig } from '@switchyard/config';
import { DEFAULT_FAKE_CREDENTIAL, generateServiceAccount } from '@switchyard/mock-llm';
import { FIXTURES_DIR } from '../packages/config/src/test-support/fixtures.js';
import { writeConfig } from './helpers/config.js';
import { pointAtFakes, readPlan, type DeploymentFake, type Outage, type Plan } from './helpers/guide.js';
import { CLI, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const run = promisify(execFile);
const ANTHROPIC_KEY = 'sk-ant-guide-examples';
const VERTEX_PROJECT = 'guide-project';
const PNG_1PX =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** What each example's plan and behaviour must show beyond "every group is served by its tier 1". */
interface Expectation {
  /** The strategy phrase of the plan's second line. */
  strategy: RegExp;
  /** Groups the plan marks `[no adapter yet]`; they answer 501. Default none. */
  unservable?: string[];
  /** Groups whose priority differs only between them, most preferred first (Advice names them). */
  crossGroupPriority?: string[];
  /** The outage injected into the most preferred group, and the upstream calls it must see. */
  outage?: { outage: Outage; calls?: number };
  /** A group whose deployment sets supports_vision: it gets an image. */
  vision?: string;
}

const usageBased = /^usage-based-routing: lowest usage this minute/;
const leastBusy = /^least-busy: fewest in-flight requests/;
const shuffle = /^simple-shuffle: random pick/;

const EXPECT: Record<string, Expectation> = {
  'guide-simple-shuffle.yaml': { strategy: shuffle },
  'guide-least-busy.yaml': { strategy: leastBusy },
  'guide-usage-based-routing.yaml': {
    strategy: usageBased,
    crossGroupPriority: ['claude-3-haiku', 'claude-3-sonnet', 'claude-3-opus'],
    outage: { outage: 'server' },
  },
  // retry_policy InternalServerErrorRetries: 2 → one call and two retries, then the error (no switch to the backup group)
  'guide-provider-fallback.yaml': {
    strategy: usageBased,
    crossGroupPriority: ['claude-3-5-sonnet-primary', 'claude-3-5-sonnet-backup'],
    outage: { outage: 'server', calls: 3 },
  },
  'guide-multi-region.yaml': { strategy: shuffle },
  // "When Flash hits rate limits, routes to Sonnet": it does not, as the Advice says
  'guide-cost-tiered.yaml': {
    strategy: usageBased,
    crossGroupPriority: ['gemini-flash', 'claude-sonnet', 'claude-opus'],
    outage: { outage: 'rate_limit' },
  },
  'guide-capability-based.yaml': {
    strategy: leastBusy,
    vision: 'claude-3-5-sonnet-vision',
  },
  'guide-three-tier-fallback.yaml': {
    strategy: usageBased,
    crossGroupPriority: ['tier1-anthropic', 'tier2-bedrock', 'tier3-vertex'],
    outage: { outage: 'server' },
  },
  'guide-cross-provider.yaml': { strategy: leastBusy },
};

const GUIDE_FIXTURES = readdirSync(FIXTURES_DIR)
  .filter((f) => f.startsWith('guide-') && f.endsWith('.yaml'))
  .sort();

const serviceAccount = generateServiceAccount({ projectId: VERTEX_PROJECT });
const adcDir = mkdtempSync(join(tmpdir(), 'switchyard-guide-adc-'));
const adcFile = join(adcDir, 'service-account.json');
writeFileSync(adcFile, JSON.stringify(serviceAccount.json));
const ENV: Record<string, string> = {
  ANTHROPIC_API_KEY: ANTHROPIC_KEY,
  VERTEX_PROJECT_ID: VERTEX_PROJECT,
  AWS_ACCESS_KEY_ID: DEFAULT_FAKE_CREDENTIAL.accessKeyId,
  AWS_SECRET_ACCESS_KEY: DEFAULT_FAKE_CREDENTIAL.secretAccessKey,
  GOOGLE_APPLICATION_CREDENTIALS: adcFile,
};

/** The upstream target a deployment's fake must see: Anthropic model, Bedrock model id, Vertex path (by method). */
function expectedTarget(d: Deployment, stream: boolean): string {
  if (d.provider === 'vertex_ai') {
    const s = d.providerSettings;
    // Model-as-a-Service `<publisher>/<model>`: Vertex's OpenAI-compatible endpoint, streamed or not
    if (d.model.includes('/')) return `/v1/projects/${String(s.vertex_project)}/locations/${String(s.vertex_location)}/endpoints/openapi/chat/completions`;
    const raw = stream ? 'streamRawPredict' : 'rawPredict';
    const [publisher, method] = d.model.startsWith('claude')
      ? ['anthropic', raw]
      : /^(mistral|codestral)/.test(d.model)
        ? ['mistralai', raw]
        : ['google', stream ? 'streamGenerateContent' : 'generateContent'];
    return `/v1/projects/${String(s.vertex_project)}/locations/${String(s.vertex_location)}/publishers/${publisher}/models/${d.model}:${method}`;
  }
  return d.model;
}

/** One call to a group; the status, the serving deployment (header) and the text. */
async function call(
  client: OpenAI,
  model: string,
  opts: { stream?: boolean; image?: boolean } = {},
): Promise<{ status: number; deployment?: string; text: string; error?: unknown }> {
  const content: OpenAI.ChatCompletionUserMessageParam['content'] = opts.image
    ? [
        { type: 'text', text: 'what is this?' },
        { type: 'image_url', image_url: { url: PNG_1PX } },
      ]
    : 'route me';
  const base = { model, max_tokens: 32, messages: [{ role: 'user' as const, content }] };
  try {
    if (!opts.stream) {
      const { data, response } = await client.chat.completions.create({ ...base, stream: false }).withResponse();
      return { status: response.status, deployment: response.headers.get('x-switchyard-deployment') ?? undefined, text: data.choices[0]?.message.content ?? '' };
    }
    const { data, response } = await client.chat.completions.create({ ...base, stream: true }).withResponse();
    let text = '';
    for await (const c of data) text += c.choices[0]?.delta.content ?? '';
    return { status: response.status, deployment: response.headers.get('x-switchyard-deployment') ?? undefined, text };
  } catch (err) {
    if (err instanceof OpenAI.APIError && err.status !== undefined) return { status: err.status, text: '', error: err };
    throw err;
  }
}

afterAll(() => rmSync(adcDir, { recursive: true, force: true }));

it('has an expectation for each of the nine guide examples', () => {
  expect(GUIDE_FIXTURES).toHaveLength(9);
  expect(GUIDE_FIXTURES).toEqual(Object.keys(EXPECT).sort());
});

describe.each(GUIDE_FIXTURES)('%s', (file) => {
  const spec = EXPECT[file] ?? { strategy: /^$/ };
  let fakes: DeploymentFake[] = [];
  let role: RoleProcess | undefined;
  let config: SwitchyardConfig;
  let plan: Plan;
  let client: OpenAI;
  /** The fake of each deployment id. */
  const fakeOf = new Map<string, DeploymentFake>();
  const counts = (): number[] => fakes.map((f) => f.calls());

  beforeAll(async () => {
    const original = readFileSync(join(FIXTURES_DIR, file), 'utf8');
    const rewritten = await pointAtFakes(original, { anthropicKey: ANTHROPIC_KEY, serviceAccount: serviceAccount.trusted });
    fakes = rewritten.fakes;
    // nothing but the endpoints changed
    const endpointKeys = new Set(['api_base', 'aws_bedrock_runtime_endpoint']);
    const strip = (doc: { model_list: Array<{ litellm_params: Record<string, unknown> }> }): unknown => ({
      ...doc,
      model_list: doc.model_list.map((e) => ({ ...e, litellm_params: Object.fromEntries(Object.entries(e.litellm_params).filter(([k]) => !endpointKeys.has(k))) })),
    });
    expect(strip(parseYaml(rewritten.yaml))).toEqual(parseYaml(original));
    const path = writeConfig(rewritten.yaml);
    config = loadConfigFile(path, { env: ENV });
    config.deployments.forEach((d, i) => fakeOf.set(d.id, fakes[i] as DeploymentFake));
    const { url: redisUrl, redis } = await freshRedis();
    redis.disconnect();
    const [checked, started] = await Promise.all([
      run(process.execPath, [CLI, 'check', '--config', path], { env: { ...process.env, ...ENV }, timeout: 20_000 }),
      startRole({ role: 'start', config: path, redisUrl, env: ENV }),
    ]);
    plan = readPlan(checked.stdout);
    role = started;
    client = new OpenAI({ baseURL: `${role.url}/v1`, apiKey: 'none', maxRetries: 0, timeout: 20_000 });
  }, 40_000);

  afterAll(async () => {
    await role?.stop();
    await Promise.all(fakes.map((f) => f.close()));
  });

  it("check: the plan's strategy, groups and tier-1 deployments are the config's, Advice is explainConfig's", () => {
    expect(plan.strategy).toMatch(spec.strategy);
    expect([...plan.groups.keys()]).toEqual([...config.groups.keys()]);
    for (const [name, g] of config.groups) {
      const planned = plan.groups.get(name);
      expect(planned?.tiers[0], name).toEqual(g.deployments.filter((d) => d.tier === 0).map((d) => d.id));
      expect(planned?.tiers.flat().sort(), name).toEqual(g.deployments.map((d) => d.id).sort());
    }
    expect(plan.advice).toEqual(explainConfig(config).map((i) => `${i.path}: ${i.message}`));
    const unservable = [...plan.groups].filter(([, g]) => g.noAdapter.length === g.tiers.flat().length).map(([name]) => name);
    expect(unservable).toEqual(spec.unservable ?? []);
    for (const name of spec.unservable ?? []) {
      expect(plan.advice.some((a) => a.includes(`requests for group "${name}" will be answered 501`)), name).toBe(true);
    }
    if (spec.crossGroupPriority) {
      const listed = spec.crossGroupPriority.map((n) => `"${n}" priority ${config.groups.get(n)?.deployments[0]?.priority}`).join(', ');
      const line = plan.advice.find((a) => a.includes(`priority differs only between model groups (${listed})`));
      expect(line, plan.advice.join('\n')).toBeDefined();
      expect(line).toContain('no router moves traffic between them');
    } else {
      expect(plan.advice.some((a) => a.includes('differs only between model groups'))).toBe(false);
    }
  });

  it('serves every group from the tier-1 deployment the plan names, through its fake', async () => {
    const unservable = new Set(spec.unservable ?? []);
    for (const [name, g] of config.groups) {
      const before = counts();
      if (unservable.has(name)) {
        const r = await call(client, name);
        expect(r.status, name).toBe(501);
        expect((r.error as { code?: string }).code).toBe('provider_not_supported');
        expect(counts(), `${name}: nothing sent upstream`).toEqual(before);
        continue;
      }
      const tier1 = plan.groups.get(name)?.tiers[0] ?? [];
      for (const stream of [false, true]) {
        const r = await call(client, name, { stream });
        expect(r.status, `${name} stream=${stream}`).toBe(200);
        expect(tier1, `${name}: served by ${r.deployment}`).toContain(r.deployment);
        expect(r.text.length).toBeGreaterThan(0);
        const d = config.deployments.find((x) => x.id === r.deployment);
        if (d) expect(fakeOf.get(d.id)?.lastTarget(), `${name} stream=${stream}`).toBe(expectedTarget(d, stream));
      }
      // the fakes of this group's tier-1 deployments got both calls, no other fake got any
      const after = counts();
      const delta = after.map((n, i) => n - (before[i] ?? 0));
      const mine = new Set(tier1.map((id) => fakes.indexOf(fakeOf.get(id) as DeploymentFake)));
      expect(delta.reduce((a, b) => a + b, 0), name).toBe(2);
      delta.forEach((n, i) => {
        if (!mine.has(i)) expect(n, `${name}: fake ${i} untouched`).toBe(0);
      });
    }
  }, 40_000);

  if (spec.vision) {
    const group = spec.vision;
    it(`sends an image to the vision group "${group}" and its deployment gets it`, async () => {
      const d = config.groups.get(group)?.deployments[0];
      expect(d?.supportsVision).toBe(true);
      const r = await call(client, group, { image: true });
      expect(r.status).toBe(200);
      expect(r.deployment).toBe(d?.id);
      const body = fakeOf.get(d?.id ?? '')?.lastBody() as { messages: Array<{ content: Array<{ type: string }> | string }> };
      const blocks = body.messages.at(-1)?.content;
      expect(Array.isArray(blocks) && blocks.some((b) => b.type === 'image')).toBe(true);
    }, 20_000);
  }

  if (spec.crossGroupPriority && spec.outage) {
    const [head = '', ...rest] = spec.crossGroupPriority;
    const outage = spec.outage;
    it(`an outage of "${head}" fails its requests and moves nothing to ${rest.join(', ')}, as the Advice says`, async () => {
      const primary = config.groups.get(head)?.deployments[0];
      const primaryFake = fakeOf.get(primary?.id ?? '');
      const others = rest.map((n) => fakeOf.get(config.groups.get(n)?.deployments[0]?.id ?? ''));
      expect(primaryFake).toBeDefined();
      const before = primaryFake?.calls() ?? 0;
      const othersBefore = others.map((f) => f?.calls());
      primaryFake?.fail(outage.outage);
      try {
        const r = await call(client, head);
        expect(r.status, JSON.stringify((r.error as { error?: unknown } | undefined)?.error)).toBe(outage.outage === 'server' ? 500 : 429);
        expect(r.deployment).toBeUndefined();
        const calls = (primaryFake?.calls() ?? 0) - before;
        if (outage.calls !== undefined) expect(calls).toBe(outage.calls);
        else expect(calls).toBeGreaterThanOrEqual(1);
        expect(others.map((f) => f?.calls()), 'no traffic moved to the lower-priority groups').toEqual(othersBefore);
        // the other groups still serve, each from its own deployment
        for (const name of rest) {
          const served = await call(client, name);
          expect(served.status, name).toBe(200);
          expect(served.deployment).toBe(config.groups.get(name)?.deployments[0]?.id);
        }
      } finally {
        primaryFake?.heal();
      }
    }, 30_000);
  }
});
