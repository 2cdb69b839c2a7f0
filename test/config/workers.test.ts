import { parseConfig } from '../../src/config/index.ts';
import { baseConfigDocument } from '../support/config.ts';

describe('the workers setting', () => {
  it('runs one broker process unless told otherwise', () => {
    expect(parseConfig(baseConfigDocument(), {}).workers).toBe(1);
    expect(parseConfig(baseConfigDocument({ workers: 2 }), {}).workers).toBe(2);
  });

  it.each([0, 65, 1.5, 'many'])('refuses workers: %p with one line naming the setting', (workers) => {
    expect(() => parseConfig(baseConfigDocument({ workers }), {})).toThrow(
      /^ {2}workers: must be a whole number from 1 to 64$/m,
    );
  });
});
