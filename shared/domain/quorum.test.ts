import { describe, expect, it } from 'vitest';
import { approvalsNeeded, decideMotion, tallyVotes, type VoteChoice } from './quorum.ts';

const tally = (...choices: VoteChoice[]) => tallyVotes(choices);

describe('quorum rules', () => {
  it('needs a majority of the seated reviewers, chair included, by default', () => {
    expect([1, 2, 3, 4, 5, 6].map((seated) => approvalsNeeded('majority_of_seated', seated))).toEqual([1, 2, 2, 3, 3, 4]);
    expect(decideMotion('majority_of_seated', 3, tally('approve'))).toEqual({ outcome: 'pending', needed: 2, remaining: 2 });
    expect(decideMotion('majority_of_seated', 3, tally('approve', 'approve')).outcome).toBe('carried');
    expect(decideMotion('majority_of_seated', 3, tally('reject', 'abstain')).outcome).toBe('failed');
    expect(decideMotion('majority_of_seated', 4, tally('approve', 'approve', 'reject')).outcome).toBe('pending');
    expect(decideMotion('majority_of_seated', 4, tally('approve', 'approve', 'reject', 'abstain')).outcome).toBe('failed');
  });

  it('counts abstentions against a motion: the rule counts seated reviewers, not votes cast', () => {
    expect(decideMotion('majority_of_seated', 3, tally('approve', 'abstain')).outcome).toBe('pending');
    expect(decideMotion('majority_of_seated', 3, tally('approve', 'abstain', 'abstain')).outcome).toBe('failed');
  });

  it('needs two thirds of the seated reviewers under two_thirds_of_seated', () => {
    expect([3, 4, 5, 6, 9].map((seated) => approvalsNeeded('two_thirds_of_seated', seated))).toEqual([2, 3, 4, 4, 6]);
    expect(decideMotion('two_thirds_of_seated', 4, tally('approve', 'approve')).outcome).toBe('pending');
    expect(decideMotion('two_thirds_of_seated', 4, tally('approve', 'approve', 'approve')).outcome).toBe('carried');
    expect(decideMotion('two_thirds_of_seated', 4, tally('approve', 'reject', 'reject')).outcome).toBe('failed');
  });

  it('needs every seated reviewer under unanimous, so one reject or abstention fails it', () => {
    expect(decideMotion('unanimous', 3, tally('approve', 'approve')).outcome).toBe('pending');
    expect(decideMotion('unanimous', 3, tally('approve', 'approve', 'approve')).outcome).toBe('carried');
    expect(decideMotion('unanimous', 3, tally('abstain')).outcome).toBe('failed');
  });

  it('stays pending with nobody seated', () => {
    expect(decideMotion('majority_of_seated', 0, tally()).outcome).toBe('pending');
  });
});
