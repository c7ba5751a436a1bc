import { describe, it } from 'vitest';
import { expectDaysPass } from './office-days.js';

describe('the real engine in the simulated office (issue 7)', () => {
  it('keeps every promise on seeds 1–1000', { timeout: 600_000 }, () => expectDaysPass(1, 1000));
});
