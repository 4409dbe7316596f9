// Saved configurations (training now; extraction and steering use the same mechanism):
// create, update, duplicate, favourite, delete, and JSON export/import validated against
// the kind's schema, so a wrong file is refused with the field that is wrong.
import { newId, type LanternDb, type TemplateRecord } from './db';
import { StorageError } from './errors';

export const TEMPLATE_FORMAT = 'lantern-template/1';
export type TemplateKind = TemplateRecord['kind'];

/** A field checked by a function: undefined when valid, else what is wrong ("must be …"). */
export interface FieldCheck {
  check: (value: unknown) => string | undefined;
}

/** Field name → expected type ('number' | 'string' | allowed strings | a check for structured fields). */
export type TemplateSchema = Record<string, 'number' | 'string' | readonly string[] | FieldCheck>;

const schemas = new Map<TemplateKind, TemplateSchema>();
const fieldDefaults = new Map<TemplateKind, Record<string, unknown>>();

/**
 * Registers the body schema of a template kind (once per kind). `defaults` holds the fields added
 * after the kind's first version, with the value a body written before them means, so older
 * template files still import.
 */
export function registerTemplateSchema(kind: TemplateKind, schema: TemplateSchema, defaults: Record<string, unknown> = {}): void {
  schemas.set(kind, schema);
  fieldDefaults.set(kind, defaults);
}

function invalid(message: string, details: Record<string, unknown> = {}): StorageError {
  return new StorageError('template-invalid', `${message} Nothing was saved.`, details);
}

/** Checks a body against its kind's schema (later fields defaulted): every field present, of the right type, no extras. */
export function validateTemplateBody(kind: TemplateKind, body: unknown): Record<string, unknown> {
  const schema = schemas.get(kind);
  if (!schema) throw invalid(`Templates of kind "${kind}" are not supported.`, { kind });
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('The template body must be an object.');
  const b = { ...fieldDefaults.get(kind), ...(body as Record<string, unknown>) };
  for (const [field, type] of Object.entries(schema)) {
    const v = b[field];
    if (v === undefined) throw invalid(`Field "${field}" is missing.`, { field });
    if (typeof type === 'object' && 'check' in type) {
      const wrong = type.check(v);
      if (wrong) throw invalid(`Field "${field}" ${wrong}.`, { field, value: v });
      continue;
    }
    if (type === 'number' ? typeof v !== 'number' || !Number.isFinite(v) : type === 'string' ? typeof v !== 'string' : !type.includes(v as string)) {
      const expected = typeof type === 'string' ? `a ${type}` : `one of ${type.join(', ')}`;
      throw invalid(`Field "${field}" must be ${expected}; got ${JSON.stringify(v)}.`, { field, value: v });
    }
  }
  const extra = Object.keys(b).filter((k) => !(k in schema));
  if (extra.length) throw invalid(`Unknown field${extra.length > 1 ? 's' : ''}: ${extra.join(', ')}.`, { fields: extra });
  return b;
}

export async function saveTemplate(db: LanternDb, kind: TemplateKind, name: string, body: unknown, id?: string): Promise<string> {
  if (!name.trim()) throw invalid('Give the template a name.', { field: 'name' });
  const checked = validateTemplateBody(kind, body);
  const existing = id ? await db.templates.get(id) : undefined;
  const record: TemplateRecord = { id: existing?.id ?? newId('tpl'), kind, name: name.trim(), favourite: existing?.favourite ?? 0, body: checked, updatedAt: Date.now() };
  await db.templates.put(record);
  return record.id;
}

export async function duplicateTemplate(db: LanternDb, id: string): Promise<string> {
  const t = await db.templates.get(id);
  if (!t) throw new StorageError('not-found', `Template ${id} does not exist.`, { id });
  const copy = { ...t, id: newId('tpl'), name: `${t.name} (copy)`, favourite: 0 as const, updatedAt: Date.now() };
  await db.templates.add(copy);
  return copy.id;
}

export async function toggleFavourite(db: LanternDb, id: string): Promise<void> {
  const t = await db.templates.get(id);
  if (t) await db.templates.update(id, { favourite: t.favourite ? 0 : 1 });
}

/** Templates of a kind matching `search` (name, case-insensitive), favourites first, then newest. */
export async function listTemplates(db: LanternDb, kind: TemplateKind, search = ''): Promise<TemplateRecord[]> {
  const q = search.trim().toLowerCase();
  const all = await db.templates.where('kind').equals(kind).toArray();
  return all.filter((t) => t.name.toLowerCase().includes(q)).sort((a, b) => b.favourite - a.favourite || b.updatedAt - a.updatedAt);
}

export function templateToJson(t: TemplateRecord): string {
  return JSON.stringify({ format: TEMPLATE_FORMAT, kind: t.kind, name: t.name, body: t.body }, null, 2);
}

/** Imports a template file's JSON as a new template; throws naming what is wrong. */
export async function importTemplateJson(db: LanternDb, kind: TemplateKind, text: string): Promise<string> {
  let parsed: { format?: unknown; kind?: unknown; name?: unknown; body?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw invalid('The file is not valid JSON.');
  }
  if (parsed?.format !== TEMPLATE_FORMAT) throw invalid(`The file is not a Lantern template (format should be "${TEMPLATE_FORMAT}").`);
  if (parsed.kind !== kind) throw invalid(`This is a ${String(parsed.kind)} template; expected a ${kind} template.`, { kind: parsed.kind });
  if (typeof parsed.name !== 'string') throw invalid('Field "name" must be a string.', { field: 'name' });
  return saveTemplate(db, kind, parsed.name, parsed.body);
}
