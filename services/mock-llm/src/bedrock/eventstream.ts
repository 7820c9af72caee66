/**
 * `application/vnd.amazon.eventstream` encoding with `@smithy/eventstream-codec`: each
 * ConverseStream event is one message with headers `:event-type`, `:content-type:
 * application/json`, `:message-type: event` and the event's JSON as its payload; exceptions
 * carry `:message-type: exception` and `:exception-type` (the ConverseStreamOutput member name,
 * e.g. `throttlingException`) and `{"message": …}`. Like the real service, each payload has a
 * `p` padding field (which clients ignore).
 */
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const PAD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function pad(n: number): string {
  return PAD.slice(0, 1 + (n % PAD.length));
}

/** Encodes one event message. */
export function encodeEvent(eventType: string, payload: Record<string, unknown>): Uint8Array {
  const body = fromUtf8(JSON.stringify({ ...payload, p: pad(eventType.length) }));
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body,
  });
}

/** Encodes one exception message. */
export function encodeException(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

/** Decodes one message (tests). */
export function decodeMessage(bytes: Uint8Array): { headers: Record<string, unknown>; body: string } {
  const m = codec.decode(bytes);
  const headers = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, v.value]));
  return { headers, body: toUtf8(m.body) };
}
