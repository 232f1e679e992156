// Lean 4 highlighting as a CodeMirror StreamLanguage (npm has no Lean mode). A tokenizer, not a
// parser: keywords, comments (nested block comments), strings, characters, numbers, attributes
// and the sorry that marks what is left to do. Indentation follows the previous line, plus one
// step after a line ending in `:=`, `by`, `where`, `do`, `=>` or an open bracket.
import { StreamLanguage } from "@codemirror/language";

export const KEYWORDS = new Set([
  "def", "theorem", "lemma", "example", "abbrev", "instance", "structure", "class", "inductive",
  "where", "extends", "deriving", "namespace", "section", "end", "open", "import", "variable",
  "universe", "noncomputable", "private", "protected", "partial", "unsafe", "mutual", "axiom",
  "opaque", "macro", "syntax", "notation", "infix", "infixl", "infixr", "prefix", "postfix",
  "set_option", "attribute", "local", "scoped", "export", "prelude", "termination_by",
  "decreasing_by", "fun", "λ", "let", "have", "show", "from", "if", "then", "else", "match",
  "with", "do", "return", "for", "in", "at", "by", "calc", "suffices", "obtain", "using",
  "mut", "try", "catch", "finally", "unless", "break", "continue",
]);

// Tactics people type most; highlighted apart from the keywords that shape declarations.
export const TACTICS = new Set([
  "intro", "intros", "exact", "apply", "refine", "rfl", "simp", "simp_all", "omega", "decide",
  "unfold", "rw", "rewrite", "induction", "cases", "rcases", "constructor", "exists", "use",
  "contradiction", "assumption", "trivial", "linarith", "norm_num", "ring", "nlinarith",
  "specialize", "subst", "exfalso", "left", "right", "split", "first", "repeat", "all_goals",
  "any_goals", "next", "case", "show_term", "dsimp", "change", "generalize", "ext", "funext",
  "congr", "injection", "native_decide", "aesop", "grind",
]);

const ATOMS = new Set(["True", "False", "true", "false", "Type", "Prop", "Sort"]);
const IDENT_START = /[A-Za-z_\u00C0-\u024F\u0370-\u03FF\u1F00-\u1FFF\u2100-\u214F\u{1D400}-\u{1D7FF}]/u;
const IDENT_REST = /[A-Za-z0-9_'!?\u00C0-\u024F\u0370-\u03FF\u1F00-\u1FFF\u2070-\u209F\u2100-\u214F\u{1D400}-\u{1D7FF}.]/u;
const OPENS_BLOCK = /(:=|\bby|\bwhere|\bdo|=>|[([{⟨])\s*$/;

function blockComment(stream, state) {
  while (!stream.eol()) {
    if (stream.match("/-")) {
      state.commentDepth += 1;
    } else if (stream.match("-/")) {
      state.commentDepth -= 1;
      if (state.commentDepth === 0) break;
    } else {
      stream.next();
    }
  }
  return "comment";
}

function string(stream, state) {
  let escaped = false;
  while (!stream.eol()) {
    const ch = stream.next();
    if (ch === '"' && !escaped) {
      state.inString = false;
      return "string";
    }
    escaped = !escaped && ch === "\\";
  }
  return "string"; // a string goes on to the next line
}

function identifier(stream) {
  // A name may hold dots (Nat.succ), «guillemets» and subscripts: read it whole.
  stream.eatWhile((ch) => IDENT_REST.test(ch));
  const word = stream.current();
  if (word === "sorry" || word === "admit") return "invalid";
  if (KEYWORDS.has(word)) return "keyword";
  if (TACTICS.has(word)) return "macroName";
  if (ATOMS.has(word)) return "atom";
  if (/^[A-Z]/u.test(word)) return "typeName";
  return "variableName";
}

export const leanStreamParser = {
  name: "lean4",
  startState: () => ({ commentDepth: 0, inString: false }),
  copyState: (state) => ({ ...state }),
  token(stream, state) {
    if (state.commentDepth > 0) return blockComment(stream, state);
    if (state.inString) return string(stream, state);
    if (stream.eatSpace()) return null;
    if (stream.match("--")) {
      stream.skipToEnd();
      return "lineComment";
    }
    if (stream.match("/-")) {
      state.commentDepth = 1;
      return blockComment(stream, state);
    }
    if (stream.eat('"')) {
      state.inString = true;
      return string(stream, state);
    }
    if (stream.match(/^'(\\.|[^\\'])'/u)) return "character";
    if (stream.match(/^(0x[0-9a-fA-F]+|0b[01]+|\d+(\.\d+)?([eE][+-]?\d+)?)/)) return "number";
    if (stream.match(/^@\[[^\]]*\]/)) return "meta";
    if (stream.match(/^#[a-z_]+/)) return "meta";
    if (stream.match("«")) {
      stream.skipTo("»") ? stream.next() : stream.skipToEnd();
      return "variableName";
    }
    const ch = stream.peek();
    if (IDENT_START.test(ch)) {
      stream.next();
      return identifier(stream);
    }
    stream.next();
    if ("()[]{}⟨⟩⦃⦄".includes(ch)) return "bracket";
    if (",;".includes(ch)) return "punctuation";
    return "operator";
  },
  indent(state, textAfter, context) {
    if (state.commentDepth > 0 || state.inString) return null;
    // The line being indented is the part after a simulated break (Enter), hence bias 1.
    const line = context.lineAt(context.pos, 1);
    if (line.from === 0) return 0;
    const previous = context.lineAt(line.from - 1, -1);
    const base = context.lineIndent(previous.from, -1);
    const closing = /^[)\]}⟩]/.test(textAfter) ? context.unit : 0;
    return base + (OPENS_BLOCK.test(previous.text) ? context.unit : 0) - closing;
  },
  languageData: {
    commentTokens: { line: "--", block: { open: "/-", close: "-/" } },
    closeBrackets: { brackets: ["(", "[", "{", "⟨", '"'] },
    indentOnInput: /^\s*[)\]}⟩]$/,
  },
};

export const lean4 = StreamLanguage.define(leanStreamParser);
