import { CsvError, parse } from 'csv-parse/sync';
import type { ImportProblem } from '../../shared/schemas/course.ts';
import { MAX_IMPORT_COURSES, validateCandidate, type ImportReading } from './courseImport.ts';

/**
 * The CSV import format (README "Intake formats"): a header row naming these columns in any order,
 * then one course per row. List columns hold `;`-separated entries whose parts are `|`-separated,
 * or a JSON array (a cell starting with `[`) in the course schema's own shape.
 */
export const csvColumns = {
  title: 'title',
  code: 'code',
  version: 'version',
  subject: 'subject',
  partner_institution: 'partnerInstitution',
  partner_domain: 'partnerDomain',
  description: 'description',
  contact_hours: 'contactHours',
  syllabus: 'syllabus',
  learning_outcomes: 'learningOutcomes',
  assessments: 'assessments',
  exam_blueprint: 'examBlueprint',
} as const;
type Column = keyof typeof csvColumns;
const optionalColumns: readonly Column[] = ['partner_domain', 'exam_blueprint'];
const columnOf = new Map<string, Column>(Object.entries(csvColumns).map(([column, field]) => [field, column as Column]));

/** The parts of each list entry, in order; `number` parts are converted, `list` parts split on `,`. */
const entryShapes: Partial<Record<Column, [string, 'text' | 'number' | 'list' | 'bloom'][]>> = {
  syllabus: [['week', 'number'], ['title', 'text'], ['topics', 'list']],
  learning_outcomes: [['bloom', 'bloom'], ['text', 'text']],
  assessments: [['type', 'text'], ['weight', 'number'], ['measures', 'text']],
  exam_blueprint: [['section', 'text'], ['items', 'number'], ['weight', 'number']],
};

type Decoded = { value: unknown } | { problem: string };

function decodeList(column: Column, cell: string): Decoded {
  const shape = entryShapes[column]!;
  if (cell.startsWith('[')) {
    try {
      return { value: JSON.parse(cell) as unknown };
    } catch (error) {
      return { problem: `not a valid JSON array (${error instanceof Error ? error.message : String(error)})` };
    }
  }
  const entries = cell.split(';').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  const value: Record<string, unknown>[] = [];
  for (const [index, entry] of entries.entries()) {
    const parts = entry.split('|').map((part) => part.trim());
    if (parts.length !== shape.length) {
      return { problem: `entry ${index + 1} has ${parts.length} part(s); expected ${shape.length}: ${shape.map(([name]) => name).join(' | ')}` };
    }
    const decoded: Record<string, unknown> = {};
    for (const [at, [name, kind]] of shape.entries()) {
      const part = parts[at]!;
      if (kind === 'number') {
        const number = Number(part);
        if (part === '' || !Number.isFinite(number)) return { problem: `entry ${index + 1}: ${name} "${part}" is not a number` };
        decoded[name] = number;
      } else if (kind === 'list') {
        decoded[name] = part.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
      } else {
        decoded[name] = kind === 'bloom' ? part.toLowerCase() : part;
      }
    }
    value.push(decoded);
  }
  return { value };
}

function decodeCell(column: Column, cell: string): Decoded {
  if (column in entryShapes) return decodeList(column, cell);
  if (column === 'contact_hours') {
    const hours = Number(cell);
    return cell === '' || !Number.isFinite(hours) ? { problem: `"${cell}" is not a number` } : { value: hours };
  }
  if (column === 'partner_domain') return { value: cell === '' ? null : cell };
  return { value: cell };
}

/** The line a record starts on: where it ends, less the line breaks inside it. */
function startLine(endLine: number, raw: string): number {
  const record = raw.replace(/^(\r?\n)+/, '').replace(/\r?\n$/, '');
  return endLine - (record.match(/\n/g)?.length ?? 0);
}

function fieldName(path: readonly PropertyKey[]): string {
  const [first, ...rest] = path.map(String);
  const column = (first && columnOf.get(first)) ?? first ?? '';
  if (rest.length === 0) return column;
  const [index, ...inner] = rest;
  return `${column} (entry ${Number(index) + 1}${inner.length ? `, ${inner.join('.')}` : ''})`;
}

/** Reads a CSV batch: each row decoded and validated; problems name the line and the column. */
export function readCourseCsv(content: string): ImportReading {
  let records: { record: string[]; info: { lines: number }; raw: string }[];
  try {
    // With `info` and `raw`, each record comes wrapped with where it was read; the typings do not say so.
    records = parse(content.replace(/^\uFEFF/, ''), { info: true, raw: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines ?? null;
      return { courses: [], problems: [{ line, field: '', message: error.message }] };
    }
    throw error;
  }
  const [header, ...rows] = records;
  if (!header) return { courses: [], problems: [{ line: null, field: '', message: 'The file is empty.' }] };
  const problems: ImportProblem[] = [];
  const columns = header.record.map((name) => name.toLowerCase());
  const headerLine = startLine(header.info.lines, header.raw);
  for (const name of columns) {
    if (!(name in csvColumns)) problems.push({ line: headerLine, field: name, message: `Unknown column; expected ${Object.keys(csvColumns).join(', ')}.` });
  }
  for (const column of Object.keys(csvColumns) as Column[]) {
    if (!columns.includes(column) && !optionalColumns.includes(column)) problems.push({ line: headerLine, field: column, message: 'Missing column.' });
  }
  if (problems.length > 0) return { courses: [], problems };
  if (rows.length === 0) return { courses: [], problems: [{ line: null, field: '', message: 'The file has a header but no courses.' }] };
  if (rows.length > MAX_IMPORT_COURSES) return { courses: [], problems: [{ line: null, field: '', message: `At most ${MAX_IMPORT_COURSES} courses per file.` }] };

  const reading: ImportReading = { courses: [], problems };
  for (const row of rows) {
    const line = startLine(row.info.lines, row.raw);
    if (row.record.length !== columns.length) {
      problems.push({ line, field: '', message: `Expected ${columns.length} fields, found ${row.record.length}.` });
      continue;
    }
    const candidate: Record<string, unknown> = {};
    const rowProblems: ImportProblem[] = [];
    columns.forEach((name, index) => {
      const column = name as Column;
      const cell = row.record[index] ?? '';
      if (cell === '' && optionalColumns.includes(column)) return;
      const decoded = decodeCell(column, cell);
      if ('problem' in decoded) rowProblems.push({ line, field: column, message: decoded.problem });
      else candidate[csvColumns[column]] = decoded.value;
    });
    const failed = new Set(rowProblems.map((problem) => problem.field));
    const checked = validateCandidate(candidate, { line, fieldName });
    if ('fields' in checked && rowProblems.length === 0) {
      reading.courses.push({ line, label: '', fields: checked.fields });
      continue;
    }
    // A cell that could not be decoded is reported once, not again as "required" by the schema.
    const schemaProblems = 'problems' in checked ? checked.problems.filter((problem) => !failed.has(problem.field.split(' ')[0]!)) : [];
    problems.push(...rowProblems, ...schemaProblems);
  }
  return reading;
}
