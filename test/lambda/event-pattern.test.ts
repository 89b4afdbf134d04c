import { matches } from './event-pattern';

describe('event pattern matcher', () => {
  test('matches alternatives, nesting and exists', () => {
    const pattern = { source: ['a', 'b'], detail: { name: ['x'], errorCode: [{ exists: false }] } };
    expect(matches(pattern, { source: 'b', detail: { name: 'x' } })).toBe(true);
    expect(matches(pattern, { source: 'c', detail: { name: 'x' } })).toBe(false);
    expect(matches(pattern, { source: 'a', detail: { name: 'x', errorCode: 'E' } })).toBe(false);
    expect(matches(pattern, { source: 'a' })).toBe(false);
    expect(matches({ detail: { errorCode: [{ exists: true }] } }, { detail: { errorCode: 'E' } })).toBe(true);
    expect(matches({ resources: ['r1'] }, { resources: ['r0', 'r1'] })).toBe(true);
  });
});
