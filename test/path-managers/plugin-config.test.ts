// The built-in path managers check their settings when the factory is called: a bad value or an unknown
// key throws ERR_MPT_INVALID_CONFIG at once, naming it, instead of a TypeError in a hook later (reported as
// a 'pathManagerError' event while the connection runs without its manager) or being ignored.
import { describe, expect, test } from 'vitest';
import { backup, fullmesh, MptError, MptErrorCode, policy, POLICY_PRESETS, type PolicyConfig } from '../../src/index.js';

function expectInvalid(f: () => unknown, ...patterns: (string | RegExp)[]): void {
  let thrown: unknown;
  try {
    f();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'should throw at the factory call').toBeInstanceOf(MptError);
  expect((thrown as MptError).code).toBe(MptErrorCode.InvalidConfig);
  for (const p of patterns) expect((thrown as MptError).message).toMatch(p);
}

describe('policy()', () => {
  test("an unknown preset in { preset } throws at once, naming it and listing the presets", () => {
    expectInvalid(() => policy({ preset: 'x' } as never), 'policy()', 'preset "x"', '"handover", "interactive", "aggregate"');
  });

  test('an unknown preset name throws at once, suggesting the near one', () => {
    expectInvalid(() => policy('handovr' as never), 'preset "handovr"', 'did you mean "handover"?', '"handover", "interactive", "aggregate"');
  });

  test('a config with neither rules nor a preset throws', () => {
    expectInvalid(() => policy({} as never), 'needs rules');
    expectInvalid(() => policy({ name: 'mine' } as never), 'needs rules');
  });

  test('rules are checked: their fields, types and values', () => {
    expectInvalid(() => policy({ rules: 'primary' } as never), 'rules must be an array');
    expectInvalid(() => policy({ rules: [{ interfaceType: 'wifi' }] } as never), 'rules[0].use is required');
    expectInvalid(() => policy({ rules: [{ use: 'main' }] } as never), 'rules[0].use must be one of "primary", "backup", "never", got "main"');
    expectInvalid(() => policy({ rules: [{ use: 'primary', interfaceType: 'wlan' }] } as never), 'rules[0].interfaceType must be an interface type');
    expectInvalid(() => policy({ rules: [{ use: 'primary', interfaceType: ['wifi', 'lte'] }] } as never), 'rules[0].interfaceType');
    expectInvalid(() => policy({ rules: [{ use: 'backup' }, { use: 'primary', lossAbove: 5 }] } as never), 'rules[1].lossAbove must be a number from 0 to 1, got 5');
    expectInvalid(() => policy({ rules: [{ use: 'primary', rttAbove: 100 }] } as never), 'rules[0].rttAbove (did you mean rules[0].rttAboveMs?)');
    expectInvalid(() => policy({ rules: [{ use: 'primary', family: 'inet6' }] } as never), 'rules[0].family must be one of "ipv4", "ipv6"');
    expectInvalid(() => policy({ rules: [{ use: 'primary', metered: 'yes' }] } as never), 'rules[0].metered must be a boolean');
  });

  test('the other settings are checked', () => {
    expectInvalid(() => policy({ rules: [], maxPaths: 0 }), 'maxPaths must be an integer from 1 to 256');
    expectInvalid(() => policy({ rules: [], duplication: { maxPaths: 2 } } as never), 'duplication.lossTolerance is required');
    expectInvalid(() => policy({ rules: [], duplication: { lossTolerance: 2 } }), 'duplication.lossTolerance must be a number from 0 to 1');
    expectInvalid(() => policy({ rules: [], dupliction: { lossTolerance: 0.1 } } as never), 'did you mean duplication?');
    expectInvalid(() => policy(42 as never), 'takes a preset name');
  });

  test('valid configs and every preset are accepted; { preset } starts from the preset', () => {
    for (const name of Object.keys(POLICY_PRESETS) as (keyof typeof POLICY_PRESETS)[]) {
      expect(policy(name)().name).toBe(name);
      expect(policy(POLICY_PRESETS[name])().name).toBe(name);
      expect(policy({ preset: name, maxPaths: 4 })().name).toBe(name);
    }
    expect(policy({ preset: 'handover', name: 'mine' })().name).toBe('mine');
    const config: PolicyConfig = {
      name: 'json',
      rules: [{ interfaceName: ['en*', 'eth0'], family: 'ipv4', metered: false, rttAboveMs: 200, lossAbove: 0.1, use: 'backup' }, { interfaceType: ['wifi', 'ethernet'], use: 'primary' }, { use: 'never' }],
      maxPaths: 3,
      duplication: { lossTolerance: 0.02, maxPaths: 2 },
    };
    expect(policy(JSON.parse(JSON.stringify(config)) as PolicyConfig)().name).toBe('json');
  });
});

describe('backup()', () => {
  test('bad settings throw at once, naming them', () => {
    expectInvalid(() => backup({ mode: 'warm' } as never), 'backup()', 'mode must be one of "hot", "cold", got "warm"');
    expectInvalid(() => backup({ primary: 0 } as never), 'primary must be a string');
    expectInvalid(() => backup({ returnToPrimary: 'no' } as never), 'returnToPrimary must be a boolean');
    expectInvalid(() => backup({ returnAfterMs: -1 }), 'returnAfterMs must be a number >= 0');
    expectInvalid(() => backup({ failure: { ptoCount: 0 } }), 'failure.ptoCount must be an integer >= 1');
    expectInvalid(() => backup({ failure: { lossAbove: 1.5 } }), 'failure.lossAbove must be a number from 0 to 1');
    expectInvalid(() => backup({ failure: { samples: 1.5 } }), 'failure.samples must be an integer');
    expectInvalid(() => backup({ failure: { rttAbove: 100 } } as never), 'failure.rttAbove (did you mean failure.rttAboveMs?)');
    expectInvalid(() => backup({ failure: 3 } as never), 'failure must be an object');
    expectInvalid(() => backup({ returnAfter: 100 } as never), 'did you mean returnAfterMs?');
  });

  test('valid settings are accepted', () => {
    expect(backup()().name).toBe('backup');
    expect(backup({ mode: 'cold', primary: 'wlan0', failure: { ptoCount: 3, rttAboveMs: 300, lossAbove: 0.2, samples: 3 }, returnToPrimary: false, returnAfterMs: 500 })().name).toBe(
      'backup',
    );
  });
});

describe('fullmesh()', () => {
  test('bad settings throw at once, naming them', () => {
    expectInvalid(() => fullmesh({ maxPaths: 0 }), 'fullmesh()', 'maxPaths must be an integer from 1 to 256, got 0');
    expectInvalid(() => fullmesh({ maxPaths: '4' } as never), 'maxPaths must be an integer');
    expectInvalid(() => fullmesh({ retryDelayMs: -1 }), 'retryDelayMs must be a number >= 0');
    expectInvalid(() => fullmesh({ advertise: 'yes' } as never), 'advertise must be a boolean');
    expectInvalid(() => fullmesh({ maxAttempts: 0 }), 'maxAttempts must be an integer >= 1');
    expectInvalid(() => fullmesh({ maxpath: 3 } as never), 'did you mean maxPaths?');
  });

  test('valid settings are accepted', () => {
    expect(fullmesh()().name).toBe('fullmesh');
    expect(fullmesh({ maxPaths: 2, retryDelayMs: 10, advertise: false, maxAttempts: 3 })().name).toBe('fullmesh');
  });
});
