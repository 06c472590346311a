import { describe, expect, it } from 'vitest';
import { matches } from '../../src/verify/match.js';
import { topLevelKeys } from '../../src/providers/huawei/contract.js';

describe('verify compares expected parameters with recorded ones after normalising', () => {
  it.each([
    ['a number and its text', 101, '101'],
    ['text and a number', '101', 101],
    ['an id above 2^53 by its digits', '18446744073709551615', '18446744073709551615'],
    ['a boolean and its word in any case (Python sends "False")', false, 'False'],
    ['an array and the JSON text holding it', [101, 102], '[101,102]'],
    ['an array in another order', [102, 101], '[101, 102]'],
    ['array elements across types', ['1001', 1002], [1001, '1002']],
    ['two JSON texts spaced differently', '[101,102]', '[ 101, 102 ]'],
    ['an object by a subset of its fields', { user: 'app' }, { user: 'app', database: 'orders' }],
    ['null and a parameter not sent', null, undefined],
    ['null and an empty value', null, ''],
  ])('matches %s', (_what, expected, actual) => {
    expect(matches(expected, actual)).toBe(true);
  });

  it.each([
    ['another number', 101, '102'],
    ['a number and non-numeric text', 0, ''],
    ['a boolean and another word', true, 'yes'],
    ['an array with one element too many (a subset would hide a kill too many)', [101], '[101,102]'],
    ['an array missing an element', [101, 102], '[101]'],
    ['an object missing a field', { user: 'app' }, { database: 'orders' }],
    ['text and a different text', 'dbadmin', 'dbAdmin'],
    ['null and a value', null, 'x'],
    ['a value and a parameter not sent', 'x', undefined],
  ])('does not match %s', (_what, expected, actual) => {
    expect(matches(expected, actual)).toBe(false);
  });
});

describe('topLevelKeys reads a JSON body’s keys with their repeats', () => {
  it('lists keys in order, repeats kept, nested keys and string contents ignored', () => {
    expect(topLevelKeys('{"a":1,"b":{"a":2,"c":[{"d":3}]},"e":"x\\",\\"f\\":1","a":4}')).toEqual(['a', 'b', 'e', 'a']);
  });
  it('has none for an array, a string or an empty object', () => {
    expect(topLevelKeys('[{"a":1}]')).toEqual([]);
    expect(topLevelKeys('"a"')).toEqual([]);
    expect(topLevelKeys('{}')).toEqual([]);
  });
});
