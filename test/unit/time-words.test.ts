import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  durationWords,
  exactWords,
  relativeWords,
  shortAgoWords,
  timeHelpers,
  timeTag,
  tookWords,
} from '../../src/lib/time-words.js';

const NOW = Date.parse('2026-12-02T10:48:00.000Z');
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();

describe('times and durations in words', () => {
  it('says how long something took', () => {
    const table: Array<[number, string]> = [
      [0, '0 s'],
      [400, '0 s'],
      [45_000, '45 s'],
      [60_000, '1 min'],
      [72_000, '1 min 12 s'],
      [3_600_000, '1 h'],
      [3_900_000, '1 h 5 min'],
      [86_400_000, '1 day'],
      [2 * 86_400_000 + 4 * 3_600_000, '2 days 4 h'],
      [-5_000, '0 s'],
    ];
    for (const [ms, words] of table) assert.equal(durationWords(ms), words, `${ms} ms`);
    assert.equal(tookWords(at(0), at(72_000)), 'took 1 min 12 s');
    assert.equal(tookWords(at(0), null), undefined, 'an unfinished deployment took nothing yet');
  });

  it('places a moment before or after now', () => {
    const table: Array<[number, string]> = [
      [0, 'just now'],
      [-5_000, 'just now'],
      [-30_000, 'a few seconds ago'],
      [-120_000, '2 minutes ago'],
      [5 * 60_000, 'in 5 minutes'],
      [-60_000, '1 minute ago'],
      [-3 * 3_600_000, '3 hours ago'],
      [-30 * 3_600_000, '1 day ago'],
      [-3 * 86_400_000, '3 days ago'],
      [-90 * 86_400_000, '3 months ago'],
      [2 * 365 * 86_400_000, 'in 2 years'],
    ];
    for (const [offset, words] of table) assert.equal(relativeWords(at(offset), NOW), words, `${offset} ms`);
    assert.equal(relativeWords(NOW - 120_000, NOW), '2 minutes ago', 'epoch milliseconds work too');
    assert.equal(relativeWords(null, NOW), '');
    assert.equal(relativeWords('not a date', NOW), '');
  });

  it('says how long ago in short words for running text', () => {
    const table: Array<[number, string]> = [
      [0, 'just now'],
      [60_000, 'just now'],
      [-4_000, 'just now'],
      [-45_000, '45 s ago'],
      [-120_000, '2 min ago'],
      [-3 * 3_600_000, '3 h ago'],
      [-47 * 3_600_000, '47 h ago'],
      [-4 * 86_400_000, '4 days ago'],
    ];
    for (const [offset, words] of table) assert.equal(shortAgoWords(at(offset), NOW), words, `${offset} ms`);
    assert.equal(shortAgoWords('not a time', NOW), '');
  });

  it('keeps the exact time in the tag for a title and machines', () => {
    assert.equal(exactWords('2026-12-02T10:46:00.000Z'), '2026-12-02 10:46:00 UTC');
    assert.equal(
      timeTag(at(-120_000), NOW),
      '<time datetime="2026-12-02T10:46:00.000Z" title="2026-12-02 10:46:00 UTC">2 minutes ago</time>',
    );
    assert.equal(timeTag(null, NOW, 'never'), 'never');
    assert.equal(timeTag(undefined, NOW, '<b>'), '&#60;b&#62;', 'the fallback is escaped: the tag is printed raw');
  });

  it('binds the template helpers to the moment the page is rendered', () => {
    const time = timeHelpers(NOW);
    assert.equal(time.ago(at(-120_000)), '2 minutes ago');
    assert.equal(time.took(at(-72_000), at(0)), 'took 1 min 12 s');
    assert.equal(time.took(at(-72_000), undefined), '');
    assert.equal(time.between(at(-72_000), at(0)), '1 min 12 s');
    assert.equal(time.between(null, at(0)), '');
    assert.match(time.tag(at(300_000)), />in 5 minutes<\/time>$/);
  });
});
