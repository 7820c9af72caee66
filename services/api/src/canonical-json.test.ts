import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson(JSON.parse('{"x":1,"y":2}'))).toBe(canonicalJson(JSON.parse('{"y":2,"x":1}')));
  });

  it('matches JSON.stringify for scalars and escapes keys', () => {
    for (const v of ['a"b', 1.5, true, null, '\u0000']) expect(canonicalJson(v)).toBe(JSON.stringify(v));
    expect(canonicalJson({ 'a"': 1 })).toBe('{"a\\"":1}');
  });
});
