// Lean's messages as CodeMirror diagnostics. Lean gives a 1-based line and a 0-based column
// counted in Unicode code points; CodeMirror's positions count UTF-16 units, so a `𝔽` (two
// units, one code point) before the error would shift every mark by one without this.

export function offsetOfCodePointColumn(lineText, column) {
  let units = 0;
  let points = 0;
  for (const ch of lineText) {
    if (points >= column) break;
    units += ch.length; // 2 for a character outside the Basic Multilingual Plane
    points += 1;
  }
  return units;
}

export function positionOf(doc, line, column) {
  if (!Number.isInteger(line) || line < 1) return 0;
  if (line > doc.lines) return doc.length;
  const docLine = doc.line(line);
  return docLine.from + offsetOfCodePointColumn(docLine.text, Math.max(0, column | 0));
}

const SEVERITIES = { error: "error", warning: "warning", information: "info", info: "info" };

export function leanDiagnostics(doc, messages) {
  return (messages || []).map((message) => {
    const from = positionOf(doc, message.line, message.column);
    let to = message.end_line ? positionOf(doc, message.end_line, message.end_column) : from;
    if (to <= from) to = Math.min(doc.lineAt(from).to, from + 1);
    return {
      from,
      to: Math.max(to, from),
      severity: SEVERITIES[message.severity] || "info",
      message: message.text,
      source: `line ${message.line}, column ${message.column}`,
    };
  });
}
