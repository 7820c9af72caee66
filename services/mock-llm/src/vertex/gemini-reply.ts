/** Gemini `GenerateContentResponse` bodies and SSE events the Vertex fake answers with. */
import { randomBytes } from 'node:crypto';
import { splitWords } from '../sse.js';
import type { VertexFakeBehaviour } from './behaviour.js';
import type { GenerateContentRequest } from './gemini-schema.js';

type Part = GenerateContentRequest['contents'][number]['parts'][number];

/** What the fake will answer: text or a function call. */
export type GeminiAnswer = { kind: 'text'; text: string } | { kind: 'call'; name: string; args: Record<string, unknown> };

function partText(p: Part): string {
  if (p.text !== undefined) return p.text;
  if (p.functionResponse) return JSON.stringify(p.functionResponse.response);
  return '';
}

/** Decides the answer for a request under a behaviour. */
export function geminiAnswer(req: GenerateContentRequest, b: VertexFakeBehaviour): GeminiAnswer {
  const last = req.contents[req.contents.length - 1];
  const lastIsResult = last?.parts.some((p) => p.functionResponse !== undefined) ?? false;
  const fc = b.functionCall;
  if (fc && !lastIsResult && req.tools?.some((t) => t.functionDeclarations?.some((d) => d.name === fc.name))) {
    return { kind: 'call', name: fc.name, args: fc.args };
  }
  if (b.echo) {
    const user = [...req.contents].reverse().find((c) => (c.role ?? 'user') === 'user');
    return { kind: 'text', text: user ? user.parts.map(partText).join('') : '' };
  }
  return { kind: 'text', text: b.content };
}

/** Prompt tokens: ceil(chars of text parts and system instruction / 4) + 1 per content. */
export function promptTokens(req: GenerateContentRequest): number {
  let chars = 0;
  for (const c of req.contents) for (const p of c.parts) chars += partText(p).length;
  for (const p of req.systemInstruction?.parts ?? []) chars += p.text?.length ?? 0;
  return Math.ceil(chars / 4) + req.contents.length;
}

function words(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

function usage(prompt: number, candidates: number, thoughts: number): Record<string, number> {
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    totalTokenCount: prompt + candidates + thoughts,
  };
}

function answerParts(a: GeminiAnswer): Array<Record<string, unknown>> {
  return a.kind === 'text' ? [{ text: a.text }] : [{ functionCall: { name: a.name, args: a.args } }];
}

function answerTokens(a: GeminiAnswer): number {
  return a.kind === 'text' ? words(a.text) : 10;
}

/** The body of a `generateContent` answer. */
export function geminiResponseBody(req: GenerateContentRequest, a: GeminiAnswer, model: string, b: VertexFakeBehaviour): string {
  const n = req.generationConfig?.candidateCount ?? 1;
  const candidates = Array.from({ length: n }, (_, index) => ({
    content: { role: 'model', parts: answerParts(a) },
    finishReason: b.finishReason,
    avgLogprobs: -0.1,
    index,
  }));
  return JSON.stringify({
    candidates,
    usageMetadata: usage(promptTokens(req), answerTokens(a) * n, b.thoughtsTokens),
    modelVersion: model,
    createTime: new Date().toISOString(),
    responseId: randomBytes(9).toString('base64url'),
  });
}

/**
 * The SSE events of a `streamGenerateContent?alt=sse` answer (`data: …\r\n\r\n`, as Vertex
 * frames them): one event per word (a function call comes whole in one event), each with the
 * usage so far; the last one carries `finishReason` and the final usage.
 */
export function geminiStreamEvents(req: GenerateContentRequest, a: GeminiAnswer, model: string, b: VertexFakeBehaviour): string[] {
  const prompt = promptTokens(req);
  const meta = { modelVersion: model, createTime: new Date().toISOString(), responseId: randomBytes(9).toString('base64url') };
  const pieces: Array<Array<Record<string, unknown>>> = a.kind === 'text' ? splitWords(a.text).map((t) => [{ text: t }]) : [answerParts(a)];
  if (pieces.length === 0) pieces.push([{ text: '' }]);
  let sent = 0;
  return pieces.map((parts, i) => {
    const lastEvent = i === pieces.length - 1;
    sent += parts.reduce((n, p) => n + (typeof p.text === 'string' ? words(p.text) : 10), 0);
    const candidate: Record<string, unknown> = { content: { role: 'model', parts } };
    if (lastEvent) candidate.finishReason = b.finishReason;
    const body = {
      candidates: [candidate],
      usageMetadata: lastEvent ? usage(prompt, answerTokens(a), b.thoughtsTokens) : { promptTokenCount: prompt, candidatesTokenCount: sent, totalTokenCount: prompt + sent },
      ...meta,
    };
    return `data: ${JSON.stringify(body)}\r\n\r\n`;
  });
}
