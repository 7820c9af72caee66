import type { RequestHandler } from 'express';

/** Where Azure OpenAI clients (the openai SDK's `AzureOpenAI`) send chat completions. */
export const AZURE_CHAT_PATH = '/openai/deployments/:deployment/chat/completions';
/** Where Azure OpenAI clients send embeddings. */
export const AZURE_EMBEDDINGS_PATH = '/openai/deployments/:deployment/embeddings';

/**
 * For Azure's paths: the deployment named in the path is the model group (or alias) the call
 * is for, whatever the body's `model` says, as Azure OpenAI itself treats it. `api-version` is
 * accepted and ignored; the master key may come as the `api-key` header Azure clients send.
 */
export function modelFromPath(): RequestHandler {
  return (req, _res, next) => {
    const deployment = (req.params as { deployment?: string }).deployment;
    const body: unknown = req.body;
    if (deployment !== undefined && body !== null && typeof body === 'object' && !Array.isArray(body)) {
      req.body = { ...(body as Record<string, unknown>), model: deployment };
    }
    next();
  };
}
