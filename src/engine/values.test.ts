import {
  parseHubSpotBool,
  parseHubSpotDate,
  parseHubSpotEnumeration,
  parseHubSpotNumber,
} from './values';

describe('parseHubSpotNumber', () => {
  it.each([
    ['12', 12],
    ['12.0', 12],
    ['1.2e3', 1200],
    ['-3.5', -3.5],
    ['+4', 4],
    ['.5', 0.5],
    ['7.', 7],
    [' 42 ', 42],
    ['1E-2', 0.01],
  ])('reads %j as %d', (text, expected) => {
    expect(parseHubSpotNumber(text)).toEqual({ ok: true, value: expected });
  });

  it.each([[''], ['   '], [null], [undefined]])('reads %j as no value', (text) => {
    expect(parseHubSpotNumber(text)).toEqual({ ok: false, reason: 'no_value' });
  });

  it.each([['NaN'], ['Infinity'], ['1e999'], ['0x10'], ['1,234'], ['12 seats'], ['--1'], ['e5']])(
    'reports %j as unparseable',
    (text) => {
      expect(parseHubSpotNumber(text)).toEqual({ ok: false, reason: 'unparseable', text });
    },
  );
});

describe('parseHubSpotDate', () => {
  it.each([
    ['2024-06-01', '2024-06-01T00:00:00.000Z'],
    ['2024-06-01T12:00:00Z', '2024-06-01T12:00:00.000Z'],
    ['2024-06-01T12:00:00.250Z', '2024-06-01T12:00:00.250Z'],
    ['2024-06-01T14:00:00+02:00', '2024-06-01T12:00:00.000Z'],
    ['1717243200000', '2024-06-01T12:00:00.000Z'],
    ['1.7172432e12', '2024-06-01T12:00:00.000Z'],
    ['0', '1970-01-01T00:00:00.000Z'],
  ])('reads %j as %s', (text, iso) => {
    const parsed = parseHubSpotDate(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.value.toISOString()).toBe(iso);
  });

  it.each([['2024-02-30'], ['2024-06-01T12:00'], ['yesterday'], ['1717243200000.5'], ['9e15']])(
    'reports %j as unparseable',
    (text) => {
      expect(parseHubSpotDate(text)).toEqual({ ok: false, reason: 'unparseable', text });
    },
  );

  it('reads empty text as no value', () => {
    expect(parseHubSpotDate('')).toEqual({ ok: false, reason: 'no_value' });
  });
});

describe('parseHubSpotBool', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['false', false],
    [' False ', false],
    ['0', false],
  ])('reads %j as %s', (text, expected) => {
    expect(parseHubSpotBool(text)).toEqual({ ok: true, value: expected });
  });

  it('reports "yes please" as unparseable', () => {
    expect(parseHubSpotBool('yes please')).toEqual({
      ok: false,
      reason: 'unparseable',
      text: 'yes please',
    });
  });
});

describe('parseHubSpotEnumeration', () => {
  it('trims the option', () => {
    expect(parseHubSpotEnumeration(' pro ')).toEqual({ ok: true, value: 'pro' });
  });

  it('reads null as no value', () => {
    expect(parseHubSpotEnumeration(null)).toEqual({ ok: false, reason: 'no_value' });
  });
});
