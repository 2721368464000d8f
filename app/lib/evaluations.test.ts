import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../shared/schemas/evaluation.ts';
import { mergeInOrder, RowOrder } from './evaluations.ts';

const row = (id: string, status: Evaluation['status']) => ({ id, status, summaryJob: null }) as unknown as Evaluation;

describe('dashboard rows refetched out of order', () => {
  it('keeps a row that a later-started request answered when an earlier list answer lands after it', () => {
    const order = new RowOrder();
    let shown = mergeInOrder([], [row('a', 'intake'), row('b', 'intake')], order.start(), order);
    // A list refetch starts (its query runs before a commit), then a row's refetch after that commit's event.
    const list = order.start();
    const single = order.start();
    expect(order.take('a', single)).toBe(true);
    shown = shown.map((evaluation) => (evaluation.id === 'a' ? row('a', 'panel_forming') : evaluation));
    // The list answers last, with the row as it was: the row keeps the newer answer, the others update.
    shown = mergeInOrder(shown, [row('a', 'intake'), row('b', 'panel_forming'), row('c', 'intake')], list, order);
    expect(shown.map((evaluation) => [evaluation.id, evaluation.status])).toEqual([
      ['a', 'panel_forming'],
      ['b', 'panel_forming'],
      ['c', 'intake'],
    ]);
    // A row's answer to a request started before the list that updated it is dropped too.
    expect(order.take('b', list - 1)).toBe(false);
    // A list started after everything updates every row.
    shown = mergeInOrder(shown, [row('a', 'independent_review')], order.start(), order);
    expect(shown.map((evaluation) => [evaluation.id, evaluation.status])).toEqual([['a', 'independent_review']]);
  });
});
