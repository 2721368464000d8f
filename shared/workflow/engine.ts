import type { Role } from '../roles.ts';

/** Who may trigger a transition: a user role, or the system itself (workers, timers). */
export type WorkflowRole = Role | 'system';

/** A named precondition; its message says what must hold, for the refusal shown to users. */
export interface Guard<Context> {
  name: string;
  message: string;
  holds: (context: Context) => boolean;
}

export interface Transition<State extends string, Context> {
  /** A verb naming the step, e.g. `open_panel`; used by routes and audit events. */
  action: string;
  from: readonly State[];
  to: State;
  roles: readonly WorkflowRole[];
  guards?: readonly Guard<Context>[];
}

export interface Machine<State extends string, Context> {
  name: string;
  states: readonly State[];
  initial: State;
  /** States nothing leaves. */
  terminal: readonly State[];
  transitions: readonly Transition<State, Context>[];
}

export interface GuardFailure {
  guard: string;
  message: string;
}

export type TransitionCheck<State extends string, Context> =
  | { ok: true; transition: Transition<State, Context> }
  | { ok: false; reason: 'unknown_action' | 'wrong_state' | 'role_not_allowed'; message: string }
  | { ok: false; reason: 'guard_failed'; message: string; failures: GuardFailure[] };

/** Defines a state machine after checking that every transition names known states. */
export function defineMachine<const State extends string, Context>(
  machine: Machine<State, Context>,
): Machine<State, Context> {
  const known = new Set<string>(machine.states);
  const actions = new Set<string>();
  for (const transition of machine.transitions) {
    for (const state of [...transition.from, transition.to]) {
      if (!known.has(state)) throw new Error(`${machine.name}: unknown state "${state}" in ${transition.action}`);
    }
    for (const from of transition.from) {
      const key = `${transition.action}:${from}`;
      if (actions.has(key)) throw new Error(`${machine.name}: ${transition.action} is ambiguous from ${from}`);
      actions.add(key);
    }
    const leavesTerminal = transition.from.find((state) => machine.terminal.includes(state));
    if (leavesTerminal) throw new Error(`${machine.name}: ${transition.action} leaves terminal state ${leavesTerminal}`);
  }
  return machine;
}

/** Checks whether `role` may take `action` from state `from`, naming every failing guard. */
export function checkTransition<State extends string, Context>(
  machine: Machine<State, Context>,
  from: State,
  action: string,
  role: WorkflowRole,
  context: Context,
): TransitionCheck<State, Context> {
  const candidates = machine.transitions.filter((transition) => transition.action === action);
  if (candidates.length === 0) {
    return { ok: false, reason: 'unknown_action', message: `${machine.name} has no step "${action}".` };
  }
  const transition = candidates.find((candidate) => candidate.from.includes(from));
  if (!transition) {
    return {
      ok: false,
      reason: 'wrong_state',
      message: `Cannot ${humanize(action)} while the ${machine.name} is ${humanize(from)}.`,
    };
  }
  if (!transition.roles.includes(role)) {
    return { ok: false, reason: 'role_not_allowed', message: `A ${role} may not ${humanize(action)}.` };
  }
  const failures = (transition.guards ?? [])
    .filter((guard) => !guard.holds(context))
    .map((guard) => ({ guard: guard.name, message: guard.message }));
  if (failures.length > 0) {
    return {
      ok: false,
      reason: 'guard_failed',
      message: `Cannot ${humanize(action)} yet: ${failures.map((failure) => failure.message).join(' ')}`,
      failures,
    };
  }
  return { ok: true, transition };
}

export interface AvailableTransition<State extends string> {
  action: string;
  to: State;
  allowed: boolean;
  failures: GuardFailure[];
}

/** Lists the steps `role` could take from `from`, with the guards that still block each one. */
export function availableTransitions<State extends string, Context>(
  machine: Machine<State, Context>,
  from: State,
  role: WorkflowRole,
  context: Context,
): AvailableTransition<State>[] {
  return machine.transitions
    .filter((transition) => transition.from.includes(from) && transition.roles.includes(role))
    .map((transition) => {
      const failures = (transition.guards ?? [])
        .filter((guard) => !guard.holds(context))
        .map((guard) => ({ guard: guard.name, message: guard.message }));
      return { action: transition.action, to: transition.to, allowed: failures.length === 0, failures };
    });
}

/** True when no transition leaves `state`. */
export function isTerminal<State extends string, Context>(machine: Machine<State, Context>, state: State): boolean {
  return machine.terminal.includes(state);
}

function humanize(word: string): string {
  return word.replaceAll('_', ' ');
}
