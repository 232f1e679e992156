// Lean's Unicode input, as in the VS Code extension: type `\to` and it becomes `→` once the next
// character cannot continue an abbreviation (a space, a bracket…), at once when no longer
// abbreviation starts with it (`\forall` → `∀`), or on Tab. The table is
// @leanprover/unicode-input's (the extension's own). The abbreviation being typed is underlined.
import { StateEffect, StateField, EditorSelection, Prec } from "@codemirror/state";
import { Decoration, EditorView, keymap } from "@codemirror/view";
import { AbbreviationProvider } from "@leanprover/unicode-input";

const LEADER = "\\";
const CURSOR = "$CURSOR";
export const provider = new AbbreviationProvider({
  abbreviationCharacter: LEADER,
  customTranslations: {},
  eagerReplacementEnabled: true,
});

const setTracked = StateEffect.define();
const setJustReplaced = StateEffect.define();

// Where the cursor stood after an abbreviation was replaced as it was typed (`\forall` → `∀`),
// until anything else happens: a Tab there finishes the abbreviation (it already is), as the
// help promises, instead of indenting the line.
const justReplaced = StateField.define({
  create: () => null,
  update(at, tr) {
    for (const effect of tr.effects) if (effect.is(setJustReplaced)) return effect.value;
    return tr.docChanged || tr.selection ? null : at;
  },
});

// The position of the leader of the abbreviation being typed, or null.
export const trackedAbbreviation = StateField.define({
  create: () => null,
  update(start, tr) {
    for (const effect of tr.effects) if (effect.is(setTracked)) return effect.value;
    if (start === null || !tr.docChanged) return start;
    const mapped = tr.changes.mapPos(start, 1, 1); // null when the leader itself was deleted
    if (mapped === null || tr.state.doc.sliceString(mapped, mapped + 1) !== LEADER) return null;
    return mapped;
  },
  provide: (field) =>
    EditorView.decorations.from(field, (start) => (view) => {
      if (start === null) return Decoration.none;
      const end = abbreviationEnd(view.state, start);
      return end > start ? Decoration.set([underline.range(start, end)]) : Decoration.none;
    }),
});

const underline = Decoration.mark({ class: "cm-lean-abbreviation" });

// The abbreviation runs from the leader up to the first character no abbreviation uses.
function abbreviationEnd(state, start) {
  const line = state.doc.lineAt(start);
  const rest = line.text.slice(start - line.from + 1);
  let length = 0;
  while (length < rest.length && !/\s/.test(rest[length]) && rest[length] !== LEADER) length += 1;
  return start + 1 + length;
}

function symbolAndCursor(text) {
  const at = text.indexOf(CURSOR);
  return at < 0 ? { insert: text, cursor: text.length } : { insert: text.replace(CURSOR, ""), cursor: at };
}

// Replace `\abbrev` at [from, to) by its symbol; null when it names none.
function replacement(state, from, to) {
  const abbrev = state.doc.sliceString(from + 1, to);
  const text = provider.getReplacementText(abbrev);
  if (text === undefined) return null;
  const { insert, cursor } = symbolAndCursor(text);
  return { changes: { from, to, insert }, cursor: from + cursor };
}

function replaceTracked(view) {
  const start = view.state.field(trackedAbbreviation);
  if (start === null) return false;
  return replaceAt(view, start);
}

// Tab: replaces the abbreviation being typed, or swallows the Tab right after one replaced itself.
function tabAfterAbbreviation(view) {
  if (replaceTracked(view)) return true;
  const at = view.state.field(justReplaced);
  if (at === null || at !== view.state.selection.main.head || !view.state.selection.main.empty) return false;
  view.dispatch({ effects: setJustReplaced.of(null) });
  return true;
}

function replaceAt(view, start) {
  const found = replacement(view.state, start, abbreviationEnd(view.state, start));
  if (!found) {
    view.dispatch({ effects: setTracked.of(null) });
    return false;
  }
  view.dispatch({
    changes: found.changes,
    selection: EditorSelection.cursor(found.cursor),
    effects: setTracked.of(null),
    userEvent: "input.abbreviation",
  });
  return true;
}

// Watches typed text: starts tracking at a leader, extends, and replaces when the abbreviation ends.
const typing = EditorView.inputHandler.of((view, from, to, text) => {
  const state = view.state;
  const start = state.field(trackedAbbreviation);
  if (start !== null && from === to && from === abbreviationEnd(state, start) && state.selection.ranges.length === 1) {
    const typed = state.doc.sliceString(start + 1, from) + text;
    if (text !== LEADER && provider.findSymbolsByAbbreviationPrefix(typed).length > 0) {
      const exact = provider.getSymbolForAbbreviation(typed);
      if (exact !== undefined && provider.findSymbolsByAbbreviationPrefix(typed).length === 1) {
        // Nothing longer starts with it: replace at once (eager replacement).
        const { insert, cursor } = symbolAndCursor(exact);
        view.dispatch({
          changes: { from: start, to: from, insert },
          selection: EditorSelection.cursor(start + cursor),
          effects: [setTracked.of(null), setJustReplaced.of(start + cursor)],
          userEvent: "input.type",
        });
        return true;
      }
      return false; // still typing an abbreviation
    }
    // The typed character ends the abbreviation: replace it, keep the character.
    const found = replacement(state, start, from);
    if (found) {
      const after = found.changes.from + found.changes.insert.length;
      view.dispatch({
        changes: [found.changes, { from, insert: text }],
        selection: EditorSelection.cursor(found.cursor === after ? after + text.length : found.cursor),
        effects: setTracked.of(text === LEADER ? after : null),
        userEvent: "input.type",
      });
      return true;
    }
    if (text !== LEADER) {
      view.dispatch({ effects: setTracked.of(null) });
      return false;
    }
  }
  if (text === LEADER && from === to) {
    view.dispatch({
      changes: { from, insert: LEADER },
      selection: EditorSelection.cursor(from + 1),
      effects: setTracked.of(from),
      userEvent: "input.type",
    });
    return true;
  }
  return false;
});

// Leaving the abbreviation (a click, arrows) replaces it, as the VS Code extension does.
const leaving = EditorView.updateListener.of((update) => {
  if (!update.selectionSet || update.docChanged) return;
  const start = update.state.field(trackedAbbreviation);
  if (start === null) return;
  const head = update.state.selection.main.head;
  const end = abbreviationEnd(update.state, start);
  if (head <= start || head > end) setTimeout(() => replaceTracked(update.view), 0);
});

// Replace whatever abbreviation is still open: before the form is submitted.
export function finishAbbreviation(view) {
  replaceTracked(view);
}

export function leanUnicodeInput() {
  return [
    trackedAbbreviation,
    justReplaced,
    typing,
    leaving,
    Prec.highest(keymap.of([{ key: "Tab", run: tabAfterAbbreviation }])),
  ];
}
