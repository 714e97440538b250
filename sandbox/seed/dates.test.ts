import { addYears, isoDay, parseDataSetTimestamp, parseIsoDay } from './dates';

const day = (text: string) => parseIsoDay(text) as number;

describe('parseIsoDay', () => {
  test('reads valid dates as UTC days', () => {
    expect(parseIsoDay('1970-01-02')).toBe(1);
    expect(isoDay(day('2024-02-29'))).toBe('2024-02-29');
  });

  test.each(['2023-02-29', '2024-13-01', '2024-1-01', '', '2024-12-01T00:00:00Z'])(
    'rejects %j',
    (text) => {
      expect(parseIsoDay(text)).toBeUndefined();
    },
  );
});

describe('parseDataSetTimestamp', () => {
  test('reads the data set time format as UTC', () => {
    expect(parseDataSetTimestamp('2024-07-09 03:00:00')).toBe(Date.UTC(2024, 6, 9, 3));
  });

  test('rejects out-of-range times', () => {
    expect(parseDataSetTimestamp('2024-07-09 24:00:00')).toBeUndefined();
    expect(parseDataSetTimestamp('2024-07-09')).toBeUndefined();
  });
});

describe('addYears', () => {
  test.each([
    ['2023-03-15', 1, '2024-03-15'],
    ['2024-02-29', 1, '2025-02-28'],
    ['2024-02-29', 4, '2028-02-29'],
    ['2023-12-31', 2, '2025-12-31'],
    ['2025-01-01', -1, '2024-01-01'],
  ])('%s plus %i years is %s', (from, years, expected) => {
    expect(isoDay(addYears(day(from), years))).toBe(expected);
  });

  test('matches the Date arithmetic over many days', () => {
    const mismatches: string[] = [];
    for (let d = day('1999-01-01'); d < day('2031-01-01'); d += 3) {
      const date = new Date(d * 86_400_000);
      const year = date.getUTCFullYear() + 1;
      const lastDay = new Date(Date.UTC(year, date.getUTCMonth() + 1, 0)).getUTCDate();
      const expected = Date.UTC(year, date.getUTCMonth(), Math.min(date.getUTCDate(), lastDay));
      if (addYears(d, 1) * 86_400_000 !== expected) mismatches.push(isoDay(d));
    }
    expect(mismatches).toEqual([]);
  });
});
