/**
 * Text in and out of generation, the same for the CLI and the page: the prompt's tokens (an empty
 * prompt starts from a newline, as nanoGPT's sample.py; characters a char-level model never saw are
 * dropped rather than failing), and streamed detokenisation that holds back an incomplete
 * multi-byte character (BPE can split one across tokens) until its last byte arrives.
 */
import { CharTokenizer, type Tokenizer } from './tokenizer';

export function promptTokens(tokenizer: Tokenizer, prompt: string): number[] {
  const ids = tokenizer instanceof CharTokenizer ? tokenizer.encodeLossy(prompt) : tokenizer.encode(prompt);
  if (ids.length === 0) ids.push(...tokenizer.encode('\n'));
  return ids;
}

export class TextStream {
  private ids: number[] = [];
  private shown = '';
  constructor(private readonly tokenizer: Tokenizer) {}

  /** The new text this token completes (possibly ''). */
  push(token: number): string {
    this.ids.push(token);
    const text = this.tokenizer.decode(this.ids);
    const stable = text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
    const piece = stable.slice(this.shown.length);
    this.shown = stable;
    return piece;
  }

  /** Everything so far, an incomplete last character included. */
  get text(): string {
    return this.tokenizer.decode(this.ids);
  }
}
