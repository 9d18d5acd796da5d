import { fail, type Token, tokenize } from './lexer.js'

/**
 * The parser's context: the tokens of one expression and the position in them. Every parsing
 * function takes it explicitly, so that the grammar is split in small modules.
 */
export class TokenStream {
  readonly source: string
  private readonly tokens: Token[]
  private index = 0

  constructor(source: string) {
    this.source = source
    this.tokens = tokenize(source)
  }

  /** The current token, not consumed. */
  peek(): Token {
    return this.tokens[this.index] as Token
  }

  /** Consumes and returns the current token. */
  next(): Token {
    return this.tokens[this.index++] as Token
  }

  /** Steps back over the token just consumed. */
  back(): void {
    this.index--
  }

  /** Whether the current token is the operator `v`. */
  isOp(v: string): boolean {
    const tk = this.peek()
    return tk.t === 'op' && tk.v === v
  }

  /** Whether the current token is the identifier `v`. */
  isWord(v: string): boolean {
    const tk = this.peek()
    return tk.t === 'id' && tk.v === v
  }

  /** Consumes the operator `v` or fails. */
  expectOp(v: string): void {
    const tk = this.next()
    if (tk.t !== 'op' || tk.v !== v) this.fail(tk.pos, `expected "${v}"`)
  }

  /** Throws the parse error at `pos`. */
  fail(pos: number, message: string): never {
    return fail(this.source, pos, message)
  }

  /** A parenthesised list of label names: `(a, b)`. */
  labelList(): string[] {
    this.expectOp('(')
    const names: string[] = []
    while (!this.isOp(')')) {
      const tk = this.next()
      if (tk.t !== 'id') this.fail(tk.pos, 'expected a label name')
      names.push(tk.v)
      if (!this.isOp(')')) this.expectOp(',')
    }
    this.expectOp(')')
    return names
  }
}
