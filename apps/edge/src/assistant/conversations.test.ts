import { describe, expect, it } from 'vitest';
import { ConversationStore } from './conversations.ts';

describe('conversations are kept briefly, per account and member', () => {
  it('forgets a conversation after the TTL of silence', () => {
    let now = 0;
    const store = new ConversationStore({ ttlMs: 60_000, clock: () => now });
    const c = store.open(undefined, 'acc', 'member:1', 'pt-BR');
    store.remember(c, { role: 'user', text: 'oi' });
    now = 59_000;
    expect(store.open(c.id, 'acc', 'member:1', 'pt-BR').id).toBe(c.id);
    now = 59_000 + 60_001;
    const again = store.open(c.id, 'acc', 'member:1', 'pt-BR');
    expect(again.id).not.toBe(c.id);
    expect(again.turns).toEqual([]);
  });

  it('never opens someone else’s conversation, nor one about another member', () => {
    const store = new ConversationStore();
    const c = store.open(undefined, 'acc-a', 'member:1', 'pt-BR');
    expect(store.open(c.id, 'acc-b', 'member:1', 'pt-BR').id).not.toBe(c.id);
    expect(store.open(c.id, 'acc-a', 'member:2', 'pt-BR').id).not.toBe(c.id);
    expect(store.open(c.id, 'acc-a', 'member:1', 'pt-BR').id).toBe(c.id);
  });

  it('holds a bounded number of conversations and turns, and forgets a member on request', () => {
    const store = new ConversationStore({ maxConversations: 3, maxTurns: 2 });
    const first = store.open(undefined, 'a', 'member:1', 'en');
    for (let i = 0; i < 5; i += 1) store.open(undefined, `x${i}`, undefined, 'en');
    expect(store.size).toBe(3);
    expect(store.open(first.id, 'a', 'member:1', 'en').id).not.toBe(first.id);
    const c = store.open(undefined, 'b', 'member:9', 'en');
    for (const text of ['1', '2', '3']) store.remember(c, { role: 'user', text });
    expect(c.turns.map((t) => t.text)).toEqual(['2', '3']);
    store.forgetMember('member:9');
    expect(store.open(c.id, 'b', 'member:9', 'en').id).not.toBe(c.id);
  });
});
