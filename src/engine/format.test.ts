import { formatDateForHubSpot, formatDateTime, formatNumberForHubSpot } from './format';

describe('formatNumberForHubSpot', () => {
  it.each([
    [0.1 + 0.2 - 0.3, 0, '0'],
    [0.1 + 0.2 - 0.3, 2, '0'],
    [0.1 + 0.2, 2, '0.3'],
    [1e21, 0, '1000000000000000000000'],
    [1.5e22, 2, '15000000000000000000000'],
    [-0, 0, '0'],
    [-0.004, 2, '0'],
    [1.005, 2, '1.01'],
    [2.675, 2, '2.68'],
    [72, 0, '72'],
    [72.5, 0, '73'],
    [-72.5, 0, '-73'],
    [69.49999999999999, 0, '69'],
    [9.995, 2, '10'],
    [999.96, 1, '1000'],
    [0.006, 2, '0.01'],
    [1e-7, 8, '0.0000001'],
    [1.23456789e-5, 6, '0.000012'],
    [123.456, 1, '123.5'],
    [5.551115123125783e-17, 2, '0'],
    [Number.MAX_SAFE_INTEGER, 0, '9007199254740991'],
  ])('formats %d with %d decimals as %s', (value, decimals, expected) => {
    expect(formatNumberForHubSpot(value, decimals)).toBe(expected);
  });

  it.each([[Number.NaN], [Infinity], [-Infinity]])('throws on %d', (value) => {
    expect(() => formatNumberForHubSpot(value, 0)).toThrow(
      `cannot write ${value} to HubSpot: only finite numbers are valid`,
    );
  });

  it.each([[-1], [21], [1.5]])('rejects %d decimals', (decimals) => {
    expect(() => formatNumberForHubSpot(1, decimals)).toThrow(
      `decimals must be an integer from 0 to 20, got ${decimals}`,
    );
  });

  it('never writes exponent notation', () => {
    for (const value of [1e-10, 3e-7, 1e21, 4.2e25, -1e-9, 123456789e15]) {
      expect(formatNumberForHubSpot(value, 12)).toMatch(/^-?\d+(\.\d+)?$/);
    }
  });
});

describe('formatDateForHubSpot', () => {
  it('writes the UTC calendar day', () => {
    expect(formatDateForHubSpot(new Date('2024-06-01T23:30:00-05:00'))).toBe('2024-06-02');
  });

  it('throws on an invalid date', () => {
    expect(() => formatDateForHubSpot(new Date('nope'))).toThrow(
      'cannot write an invalid Date to HubSpot',
    );
  });
});

describe('formatDateTime', () => {
  it('writes ISO 8601 in UTC', () => {
    expect(formatDateTime(new Date(1717243200000))).toBe('2024-06-01T12:00:00.000Z');
  });
});
