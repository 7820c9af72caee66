/**
 * AWS error bodies as the real services send them: Bedrock Runtime (REST-JSON) answers
 * `{"message": …}` with the `x-amzn-ErrorType` header naming the exception; STS (AWS Query)
 * answers an XML `ErrorResponse`.
 */
import { randomUUID } from 'node:crypto';

/** A prepared HTTP error. */
export interface AwsErrorReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A Bedrock Runtime error. */
export function restJsonError(status: number, type: string, message: string, retryAfterSeconds?: number): AwsErrorReply {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-ErrorType': type,
    'x-amzn-RequestId': randomUUID(),
  };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  return { status, headers, body: JSON.stringify({ message }) };
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An STS (AWS Query) error. */
export function queryXmlError(status: number, code: string, message: string): AwsErrorReply {
  const body =
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n` +
    `  <Error>\n    <Type>Sender</Type>\n    <Code>${xmlEscape(code)}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n` +
    `  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`;
  return { status, headers: { 'content-type': 'text/xml' }, body };
}

export { xmlEscape };
