import { Types } from 'mongoose';

/** 24 hex digits: the text of an ObjectId. */
const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** Whether untrusted text (a form field, a URL, a token) names an id the stores could hold. */
export function isObjectIdText(id: unknown): id is string {
  return typeof id === 'string' && OBJECT_ID.test(id);
}

/**
 * The ObjectId an untrusted string id names, or null: a repository finds (and moves) nothing for an id that is no
 * id, rather than letting mongoose throw a CastError or match everything.
 */
export function objectIdOf(id: string): Types.ObjectId | null {
  return OBJECT_ID.test(id) ? new Types.ObjectId(id) : null;
}
