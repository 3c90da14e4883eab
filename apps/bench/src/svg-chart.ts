/**
 * The run as a standalone SVG bar chart: one horizontal bar per row, as a share
 * of its reference (the ceiling, the bcrypt floor at its cost, or its limit),
 * with the row's target marked. No external assets; plain text labels.
 */
import type { Report, Row } from "./report.js";

interface Bar {
  readonly label: string;
  /** Share of the reference; undefined when the row failed. */
  readonly value: number | undefined;
  readonly text: string;
  /** Where the target sits, as a share of the reference. */
  readonly goal?: number;
  readonly met?: boolean;
  readonly reference?: boolean;
}

interface Section {
  readonly title: string;
  readonly bars: readonly Bar[];
}

const WIDTH = 960;
const LABEL_RIGHT = 330;
const BAR_LEFT = 340;
const BAR_WIDTH = 400;
const TEXT_LEFT = BAR_LEFT + BAR_WIDTH + 12;
const ROW_HEIGHT = 24;
const BAR_HEIGHT = 14;
const COLORS = { met: "#2e7d32", missed: "#c62828", none: "#546e7a", reference: "#b0bec5" };

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
const rate = (n: number) => (n >= 100 ? integer.format(n) : oneDecimal.format(n));
const percent = (share: number) => `${Math.round(share * 100)} %`;
/** One decimal, so that 29.96 % does not read as meeting a 30 % target. */
const exactPercent = (share: number) => `${oneDecimal.format(share * 100)} %`;

function xml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function label(row: Row): string {
  return row.bcryptCost ? `${row.name}, cost ${row.bcryptCost}` : row.name;
}

function failed(row: Row): Bar {
  return { label: label(row), value: undefined, text: "failed, see log" };
}

/** Issue #13 wants no errors in any row; a bar says when there were some. */
function errorNote(row: Row): string {
  const count = (row.errors ?? 0) + (row.non2xx ?? 0);
  return count > 0 ? ` · ${integer.format(count)} errors` : "";
}

/**
 * A row against a reference rate: the reference itself (ceiling, floor) is 100 %;
 * a row measured without its reference in the run has no bar.
 */
function rateBars(row: Row, reference: boolean): Bar[] {
  const rps = row.rps?.median;
  if (rps === undefined) return [failed(row)];
  const value = reference ? 1 : row.ratio?.value;
  if (value === undefined) return [];
  const bar: Bar = {
    label: label(row),
    value,
    text: `${exactPercent(value)} · ${rate(rps)} req/s${errorNote(row)}`,
    reference,
    ...(row.target ? { goal: row.target.goal, met: row.target.met } : {}),
  };
  return [bar];
}

/** A row measured against a limit (ms or MB): the bar is the figure over the limit. */
function limitBar(row: Row, unit: string): Bar {
  const target = row.target;
  if (!target) return failed(row);
  return {
    label:
      row.kind === "latency" ? "system.health p99 while logins saturate" : "peak RSS of Warden",
    value: target.actual / target.goal,
    text: `${oneDecimal.format(target.actual)} ${unit} (limit ${target.goal} ${unit})`,
    goal: 1,
    met: target.met,
  };
}

function sections(rows: readonly Row[]): Section[] {
  const of = (kind: Row["kind"]) => rows.filter((row) => row.kind === kind);
  const reads = [
    ...of("ceiling").flatMap((row) => rateBars(row, true)),
    ...of("read").flatMap((row) => rateBars(row, false)),
  ];
  const costs = [...new Set([...of("floor"), ...of("write")].map((row) => row.bcryptCost))];
  const writes = costs.flatMap((cost) => [
    ...of("floor")
      .filter((row) => row.bcryptCost === cost)
      .flatMap((row) => rateBars(row, true)),
    ...of("write")
      .filter((row) => row.bcryptCost === cost)
      .flatMap((row) => rateBars(row, false)),
  ]);
  const limits = [
    ...of("memory").map((row) => limitBar(row, "MB")),
    ...of("latency").map((row) => limitBar(row, "ms")),
  ];
  return [
    { title: "Reads, as a share of the ceiling (bare node:http)", bars: reads },
    { title: "Logins and registrations, as a share of the bcrypt floor", bars: writes },
    { title: "Limits: the measured figure over its limit", bars: limits },
  ].filter((section) => section.bars.length > 0);
}

function text(x: number, y: number, content: string, attributes = ""): string {
  return `<text x="${x}" y="${y}"${attributes ? ` ${attributes}` : ""}>${xml(content)}</text>`;
}

/** The section's bars, from `top`; returns the SVG and the height used. */
function drawSection(section: Section, top: number): { svg: string; height: number } {
  const values = section.bars.flatMap((bar) => [bar.value ?? 0, bar.goal ?? 0]);
  const largest = Math.max(1, ...values);
  // At most about 6 gridlines: every 25 %, 50 %, 100 %… of the reference.
  const step = [0.25, 0.5, 1, 2, 5, 10].find((size) => largest / size <= 6) ?? 20;
  const scale = Math.ceil(largest / step) * step;
  const x = (share: number) => BAR_LEFT + (BAR_WIDTH * Math.min(share, scale)) / scale;
  const parts = [text(16, top + 16, section.title, 'font-weight="bold" font-size="14"')];
  const axisTop = top + 26;
  const axisBottom = axisTop + section.bars.length * ROW_HEIGHT;
  for (let tick = 0; tick <= scale + 1e-9; tick += step) {
    parts.push(
      `<line x1="${x(tick)}" y1="${axisTop}" x2="${x(tick)}" y2="${axisBottom}" stroke="#e0e0e0"/>`,
      text(
        x(tick),
        axisBottom + 13,
        percent(tick),
        'text-anchor="middle" font-size="11" fill="#666"',
      ),
    );
  }
  section.bars.forEach((bar, i) => {
    const rowTop = axisTop + i * ROW_HEIGHT;
    const barTop = rowTop + (ROW_HEIGHT - BAR_HEIGHT) / 2;
    const baseline = rowTop + ROW_HEIGHT / 2 + 4.5;
    parts.push(text(LABEL_RIGHT, baseline, bar.label, 'text-anchor="end"'));
    if (bar.value !== undefined) {
      const color = bar.reference
        ? COLORS.reference
        : bar.met === undefined
          ? COLORS.none
          : bar.met
            ? COLORS.met
            : COLORS.missed;
      const width = Math.max(1, x(bar.value) - BAR_LEFT);
      parts.push(
        `<rect x="${BAR_LEFT}" y="${barTop}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${color}"/>`,
      );
    }
    if (bar.goal !== undefined) {
      const goalX = x(bar.goal).toFixed(1);
      parts.push(
        `<line x1="${goalX}" y1="${barTop - 4}" x2="${goalX}" y2="${barTop + BAR_HEIGHT + 4}" stroke="#111" stroke-width="2"/>`,
      );
    }
    const verdict = bar.met === undefined ? "" : bar.met ? "  ✓" : "  ✗";
    parts.push(text(TEXT_LEFT, baseline, `${bar.text}${verdict}`));
  });
  return { svg: parts.join("\n"), height: axisBottom + 22 - top };
}

function legend(y: number): string {
  const items: [string, string][] = [
    [COLORS.met, "target met"],
    [COLORS.missed, "target missed"],
    [COLORS.none, "no target"],
    [COLORS.reference, "reference (100 %)"],
  ];
  const parts = items.map(
    ([color, name], i) =>
      `<rect x="${16 + i * 150}" y="${y - 10}" width="12" height="12" fill="${color}"/>` +
      text(32 + i * 150, y, name),
  );
  const markX = 16 + items.length * 150;
  parts.push(
    `<line x1="${markX + 6}" y1="${y - 12}" x2="${markX + 6}" y2="${y + 4}" stroke="#111" stroke-width="2"/>`,
    text(markX + 16, y, "target"),
  );
  return parts.join("\n");
}

function title(report: Report): string {
  return `Warden benchmark, ${report.date.slice(0, 16).replace("T", " ")} UTC`;
}

export function svgChart(report: Report): string {
  const { machine } = report;
  const parts = [
    text(16, 28, title(report), 'font-weight="bold" font-size="17"'),
    text(
      16,
      48,
      `${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, ${report.database}; ` +
        `${report.connections.read} connections for reads, ${report.connections.login} for logins`,
      'fill="#444"',
    ),
    text(16, 66, `load generator: ${report.generator}`, 'fill="#444"'),
  ];
  let y = 80;
  const drawn = sections(report.rows);
  if (drawn.length === 0) {
    parts.push(text(16, y + 20, "No row with a ratio or a limit was run."));
    y += 30;
  }
  for (const section of drawn) {
    const { svg, height } = drawSection(section, y);
    parts.push(svg);
    y += height;
  }
  parts.push(legend(y + 16));
  const height = y + 32;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13" fill="#222">`,
    `<title>${xml(title(report))}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
