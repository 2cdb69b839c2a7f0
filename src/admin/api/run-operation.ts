import type { AdminContext } from '../admin-context.ts';
import { AdminForbidden, AdminNotFound } from '../admin-errors.ts';
import { roleAllows, type AdminActor } from '../admin-roles.ts';
import { ADMIN_OPERATIONS, type AdminOperation } from './admin-operations.ts';

const BY_ID = new Map(ADMIN_OPERATIONS.map((op) => [op.operationId, op]));

export function operationNamed(operationId: string): AdminOperation {
  const op = BY_ID.get(operationId);
  if (!op) throw new AdminNotFound('operation');
  return op;
}

export interface OperationInput {
  params?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: Record<string, unknown>;
}

/**
 * One operation of the table for an actor: role first, then the input parsed by the operation's own schemas (a
 * caller without the role learns nothing about what it accepts). The API and the console both call this, so the
 * console can do nothing the API would refuse.
 */
export async function runOperation(
  context: AdminContext,
  op: AdminOperation,
  actor: AdminActor,
  input: OperationInput,
): Promise<unknown> {
  if (!roleAllows(actor.role, op.role)) throw new AdminForbidden(op.role);
  return op.run(context, { actor, params: input.params ?? {}, query: input.query ?? {}, body: input.body ?? {} });
}
