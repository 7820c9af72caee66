/**
 * zod schemas of Vertex AI's `GenerateContentRequest` (v1), strict like the real API: a field
 * the proto does not have is a 400 `Invalid JSON payload received. Unknown name "x" at 'path':
 * Cannot find field.` (paths in the proto's snake_case, as Google prints them); a role other
 * than `user` / `model` is a 400 `Please use a valid role: user, model.`. Only the lowerCamel
 * JSON names are accepted (Google also takes snake_case; Switchyard never sends it).
 */
import { z } from 'zod';

const num = z.number();
const int = z.number().int();

/** Vertex `Schema` (OpenAPI subset), recursively. `type` is an enum name, any case; `enum` only on STRING. */
const SchemaNode: z.ZodType = z.lazy(() =>
  z.strictObject({
    type: z.string().regex(/^(type_unspecified|string|number|integer|boolean|array|object|null)$/i).optional(),
    format: z.string().optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    nullable: z.boolean().optional(),
    default: z.unknown().optional(),
    items: SchemaNode.optional(),
    minItems: z.union([int, z.string()]).optional(),
    maxItems: z.union([int, z.string()]).optional(),
    enum: z.array(z.string()).optional(),
    properties: z.record(z.string(), SchemaNode).optional(),
    propertyOrdering: z.array(z.string()).optional(),
    required: z.array(z.string()).optional(),
    minProperties: z.union([int, z.string()]).optional(),
    maxProperties: z.union([int, z.string()]).optional(),
    minimum: num.optional(),
    maximum: num.optional(),
    minLength: z.union([int, z.string()]).optional(),
    maxLength: z.union([int, z.string()]).optional(),
    pattern: z.string().optional(),
    example: z.unknown().optional(),
    anyOf: z.array(SchemaNode).optional(),
    additionalProperties: z.union([z.boolean(), SchemaNode]).optional(),
    ref: z.string().optional(),
    defs: z.record(z.string(), SchemaNode).optional(),
  }).refine((n: { type?: string; enum?: string[] }) => n.enum === undefined || n.type?.toLowerCase() === 'string', {
    // Vertex: "…parameters.properties[x].enum: only allowed for STRING type"
    message: 'only allowed for STRING type',
    path: ['enum'],
  }),
);

const Blob = z.strictObject({ mimeType: z.string(), data: z.string(), displayName: z.string().optional() });
const FileData = z.strictObject({ mimeType: z.string(), fileUri: z.string(), displayName: z.string().optional() });
const FunctionCall = z.strictObject({ id: z.string().optional(), name: z.string(), args: z.record(z.string(), z.unknown()).optional() });
const FunctionResponse = z.strictObject({ id: z.string().optional(), name: z.string(), response: z.record(z.string(), z.unknown()) });

/** One `Part`: exactly one data field. */
export const Part = z
  .strictObject({
    text: z.string().optional(),
    inlineData: Blob.optional(),
    fileData: FileData.optional(),
    functionCall: FunctionCall.optional(),
    functionResponse: FunctionResponse.optional(),
    executableCode: z.strictObject({ language: z.string(), code: z.string() }).optional(),
    codeExecutionResult: z.strictObject({ outcome: z.string(), output: z.string().optional() }).optional(),
    thought: z.boolean().optional(),
    thoughtSignature: z.string().optional(),
    videoMetadata: z.strictObject({ startOffset: z.string().optional(), endOffset: z.string().optional(), fps: num.optional() }).optional(),
  })
  .refine(
    (p) => [p.text, p.inlineData, p.fileData, p.functionCall, p.functionResponse, p.executableCode, p.codeExecutionResult].filter((v) => v !== undefined).length === 1,
    { message: 'Unable to submit request because it has an empty or ambiguous part: each part must set exactly one of text, inline_data, file_data, function_call, function_response.' },
  );

/** One `Content`. */
export const Content = z.strictObject({
  role: z.enum(['user', 'model'], { message: 'Please use a valid role: user, model.' }).optional(),
  parts: z.array(Part).min(1, { message: 'Unable to submit request because it must include at least one parts field, which describes the prompt input.' }),
});

const GenerationConfig = z.strictObject({
  temperature: num.optional(),
  topP: num.optional(),
  topK: num.optional(),
  candidateCount: int.min(1).max(8).optional(),
  maxOutputTokens: int.min(1).optional(),
  stopSequences: z.array(z.string()).max(5).optional(),
  presencePenalty: num.optional(),
  frequencyPenalty: num.optional(),
  seed: int.optional(),
  responseMimeType: z.string().optional(),
  responseSchema: SchemaNode.optional(),
  responseJsonSchema: z.unknown().optional(),
  responseLogprobs: z.boolean().optional(),
  logprobs: int.optional(),
  responseModalities: z.array(z.string()).optional(),
  mediaResolution: z.string().optional(),
  audioTimestamp: z.boolean().optional(),
  thinkingConfig: z.strictObject({ includeThoughts: z.boolean().optional(), thinkingBudget: int.optional(), thinkingLevel: z.string().optional() }).optional(),
});

const FunctionDeclaration = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/, { message: 'Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:) or dashes (-), with a maximum length of 64.' }),
  description: z.string().optional(),
  parameters: SchemaNode.optional(),
  parametersJsonSchema: z.unknown().optional(),
  response: SchemaNode.optional(),
  responseJsonSchema: z.unknown().optional(),
});

const Tool = z.strictObject({
  functionDeclarations: z.array(FunctionDeclaration).optional(),
  googleSearch: z.record(z.string(), z.unknown()).optional(),
  googleSearchRetrieval: z.record(z.string(), z.unknown()).optional(),
  retrieval: z.record(z.string(), z.unknown()).optional(),
  codeExecution: z.record(z.string(), z.unknown()).optional(),
  urlContext: z.record(z.string(), z.unknown()).optional(),
});

const ToolConfig = z.strictObject({
  functionCallingConfig: z
    .strictObject({
      mode: z.enum(['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']).optional(),
      allowedFunctionNames: z.array(z.string()).optional(),
    })
    .optional(),
  retrievalConfig: z.record(z.string(), z.unknown()).optional(),
});

const SafetySetting = z.strictObject({ category: z.string(), threshold: z.string(), method: z.string().optional() });

/** `GenerateContentRequest` (the body of `generateContent` / `streamGenerateContent`). */
export const GenerateContentRequest = z.strictObject({
  contents: z.array(Content).min(1, { message: 'Unable to submit request because it must have at least one contents field.' }),
  systemInstruction: z.strictObject({ role: z.string().optional(), parts: z.array(Part) }).optional(),
  generationConfig: GenerationConfig.optional(),
  tools: z.array(Tool).optional(),
  toolConfig: ToolConfig.optional(),
  safetySettings: z.array(SafetySetting).optional(),
  cachedContent: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  modelArmorConfig: z.record(z.string(), z.unknown()).optional(),
});
export type GenerateContentRequest = z.infer<typeof GenerateContentRequest>;

/** `camelCase` → `snake_case`. */
function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A zod path as Google prints it: `contents[0].parts[1].inline_data`. */
export function googlePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += `${out === '' ? '' : '.'}${snake(String(seg))}`;
  }
  return out;
}

/** Google's messages for a failed parse, one per violation. */
export function googleMessages(error: z.ZodError): string[] {
  const out: string[] = [];
  for (const issue of error.issues) {
    const at = googlePath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(`Invalid JSON payload received. Unknown name "${key}"${at ? ` at '${at}'` : ''}: Cannot find field.`);
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      out.push(`Invalid value at '${at}': a required field is missing.`);
    } else if (issue.code === 'invalid_type') {
      out.push(`Invalid value at '${at}' (${issue.expected}), ${JSON.stringify(issue.input)?.slice(0, 80) ?? 'value'}`);
    } else {
      out.push(issue.message);
    }
  }
  return out;
}
