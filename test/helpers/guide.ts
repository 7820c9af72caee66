/**
 * Support for the routing guide's examples (guide-examples.e2e.test.ts): one protocol-faithful
 * fake per deployment, the fixture's YAML with only each deployment's endpoint pointed at its
 * fake, and a reader for the routing plan `switchyard check` prints.
 */
import { parseDocument, isMap, isSeq, type YAMLMap } from 'yaml';
import {
  startAnthropicFake,
  startBedrockFake,
  startVertexFake,
  type AnthropicFake,
  type BedrockFake,
  type TrustedServiceAccount,
  type VertexFake,
} from '@switchyard/mock-llm';

/** How an outage is injected: a server error (500) or a rate limit (429). */
export type Outage = 'server' | 'rate_limit';

/** The fake standing in for one deployment's upstream. */
export interface DeploymentFake {
  readonly provider: 'anthropic' | 'bedrock' | 'vertex_ai';
  /** The endpoint written into the config. */
  readonly url: string;
  /** Model calls that reached the fake (after routing, before auth). */
  calls(): number;
  /** What the last call named: the Anthropic body's model, the Bedrock model id, the Vertex path. */
  lastTarget(): string | undefined;
  /** The last parsed request body. */
  lastBody(): unknown;
  /** Makes every call fail until {@link heal}. */
  fail(outage: Outage): void;
  heal(): void;
  close(): Promise<void>;
}

/** What a fake needs to accept Switchyard's credentials. */
export interface FakeCredentials {
  anthropicKey: string;
  serviceAccount: TrustedServiceAccount;
}

function anthropicFake(f: AnthropicFake): DeploymentFake {
  return {
    provider: 'anthropic',
    url: f.url,
    calls: () => f.stats().requests,
    lastTarget: () => (f.stats().lastBodies.at(-1) as { model?: string } | undefined)?.model,
    lastBody: () => f.stats().lastBodies.at(-1),
    fail: (o) => f.setBehaviour({ failStatus: o === 'server' ? 500 : 429 }),
    heal: () => f.setBehaviour({ failStatus: null }),
    close: () => f.close(),
  };
}

function bedrockFake(f: BedrockFake): DeploymentFake {
  return {
    provider: 'bedrock',
    url: f.url,
    calls: () => f.stats().converse + f.stats().converseStream,
    lastTarget: () => f.stats().lastModelId,
    lastBody: () => f.stats().lastBody,
    fail: (o) => f.setBehaviour({ fail: o === 'server' ? 'InternalServerException' : 'ThrottlingException' }),
    heal: () => f.setBehaviour({ fail: undefined }),
    close: () => f.close(),
  };
}

function vertexFake(f: VertexFake): DeploymentFake {
  return {
    provider: 'vertex_ai',
    url: f.url,
    calls: () => f.stats().requests,
    lastTarget: () => f.stats().lastPath,
    lastBody: () => f.stats().lastBody,
    fail: (o) => f.setBehaviour({ failure: o === 'server' ? 'internal' : 'rate_limited' }),
    heal: () => f.setBehaviour({ failure: undefined }),
    close: () => f.close(),
  };
}

/** The provider prefix of `litellm_params.model`. */
export const providerOf = (model: string): string => model.slice(0, Math.max(0, model.indexOf('/')));

/**
 * Starts one fake per `model_list` entry, by provider (the Bedrock fake checks the SigV4
 * credential scope names the entry's `aws_region_name`), and returns the YAML with only the
 * endpoint of each entry added: `api_base` (Anthropic, Vertex AI) or
 * `aws_bedrock_runtime_endpoint` (Bedrock). Comments, keys and values stay as written.
 */
export async function pointAtFakes(yamlText: string, creds: FakeCredentials): Promise<{ yaml: string; fakes: DeploymentFake[] }> {
  const doc = parseDocument(yamlText);
  const list = doc.get('model_list');
  if (!isSeq(list)) throw new Error('model_list is not a list');
  const fakes: DeploymentFake[] = [];
  try {
    for (const entry of list.items) {
      if (!isMap(entry)) throw new Error('a model_list entry is not a mapping');
      const params = entry.get('litellm_params') as YAMLMap | undefined;
      if (!isMap(params)) throw new Error('a model_list entry has no litellm_params');
      const model = String(params.get('model'));
      const provider = providerOf(model);
      if (provider === 'anthropic') {
        const fake = anthropicFake(await startAnthropicFake({ behaviour: { apiKey: creds.anthropicKey } }));
        fakes.push(fake);
        params.set('api_base', fake.url);
      } else if (provider === 'bedrock') {
        const region = params.get('aws_region_name');
        const fake = bedrockFake(await startBedrockFake(typeof region === 'string' ? { region } : {}));
        fakes.push(fake);
        params.set('aws_bedrock_runtime_endpoint', fake.url);
      } else if (provider === 'vertex_ai') {
        const fake = vertexFake(await startVertexFake({ serviceAccounts: [creds.serviceAccount] }));
        fakes.push(fake);
        params.set('api_base', fake.url);
      } else {
        throw new Error(`no fake for provider "${provider}" (${model})`);
      }
    }
  } catch (err) {
    await Promise.all(fakes.map((f) => f.close()));
    throw err;
  }
  return { yaml: String(doc), fakes };
}

/** One model group of a `switchyard check` plan. */
export interface PlannedGroup {
  /** Deployment ids per tier, tier 1 first. */
  tiers: string[][];
  /** Ids the plan marks `[no adapter yet]`. */
  noAdapter: string[];
}

/** The strategy line, the groups and the Advice lines of `switchyard check` output. */
export interface Plan {
  strategy: string;
  groups: Map<string, PlannedGroup>;
  advice: string[];
}

/** Reads the output of `switchyard check` (services/cli/src/check.ts, describePlan). */
export function readPlan(text: string): Plan {
  const lines = text.split('\n');
  const groups = new Map<string, PlannedGroup>();
  let current: PlannedGroup | undefined;
  let inAdvice = false;
  const advice: string[] = [];
  for (const line of lines) {
    const group = /^model group "(.+)"$/.exec(line);
    const tier = /^ {2}tier (\d+)/.exec(line);
    const dep = /^ {4}- ([^:]+): (.*)$/.exec(line);
    if (line === 'Advice:') inAdvice = true;
    else if (inAdvice && line !== '') advice.push(line);
    else if (group?.[1]) groups.set(group[1], (current = { tiers: [], noAdapter: [] }));
    else if (tier && current) current.tiers.push([]);
    else if (dep?.[1] && current) {
      current.tiers.at(-1)?.push(dep[1]);
      if (dep[2]?.includes('[no adapter yet]')) current.noAdapter.push(dep[1]);
    } else if (line === '') current = undefined;
  }
  return { strategy: lines[1]?.trim() ?? '', groups, advice };
}
