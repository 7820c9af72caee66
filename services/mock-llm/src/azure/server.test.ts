import { afterEach, describe, expect, it } from 'vitest';
import { startAzureFake, type AzureFake } from './server.js';

let f: AzureFake | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const BODY = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] });

describe('Azure fake', () => {
  it('requires api-version, a valid key and a known deployment, with Azure error bodies', async () => {
    f = await startAzureFake({ apiKey: 'k', deployments: ['d'] });
    const post = (path: string, headers: Record<string, string> = { 'api-key': 'k' }) =>
      fetch(`${f?.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: BODY });
    let r = await post('/openai/deployments/d/chat/completions');
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
    r = await post('/openai/deployments/d/chat/completions?api-version=2024-10-21', {});
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: '401', message: expect.stringMatching(/^Access denied due to invalid subscription key/) });
    r = await post('/openai/deployments/x/chat/completions?api-version=2024-10-21');
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('DeploymentNotFound');
    r = await post('/openai/deployments/d/chat/completions?api-version=2024-10-21');
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ object: 'chat.completion', prompt_filter_results: [{ prompt_index: 0 }], choices: [{ content_filter_results: {} }] });
  });
});
