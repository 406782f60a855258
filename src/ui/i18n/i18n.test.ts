import { describe, expect, it } from 'vitest';
import { NAMESPACES } from './resources';
import { pickLanguage } from './index';

/** Every leaf of a namespace: 'a.b.c' → its string. */
function leaves(obj: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (obj && typeof obj === 'object') {
    for (const [k, v] of Object.entries(obj)) {
      for (const [path, leaf] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(path, leaf);
    }
  } else {
    out.set(prefix, obj);
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*([\w.]+)\s*(?:,[^}]*)?\}\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  for (const [name, ns] of Object.entries(NAMESPACES)) {
    it(`namespace "${name}": the same keys in English and Chinese, each a non-empty string with the same placeholders`, () => {
      const en = leaves(ns.en);
      const zh = leaves(ns.zh);
      expect([...zh.keys()].sort()).toEqual([...en.keys()].sort());
      for (const [key, text] of en) {
        const other = zh.get(key);
        expect(typeof text, `${name}:${key} (en)`).toBe('string');
        expect(typeof other, `${name}:${key} (zh)`).toBe('string');
        expect((text as string).trim(), `${name}:${key} (en) is empty`).not.toBe('');
        expect((other as string).trim(), `${name}:${key} (zh) is empty`).not.toBe('');
        expect(placeholders(other as string), `${name}:${key} placeholders`).toEqual(placeholders(text as string));
      }
    });
  }
});

describe('pickLanguage', () => {
  it('keeps a remembered choice, else follows the browser, else English', () => {
    expect(pickLanguage('zh', ['en-US'])).toBe('zh');
    expect(pickLanguage(null, ['zh-CN', 'en'])).toBe('zh');
    expect(pickLanguage(null, ['fr-FR', 'zh-TW'])).toBe('zh');
    expect(pickLanguage('xx', ['de'])).toBe('en');
    expect(pickLanguage(null, [])).toBe('en');
  });
});
