/**
 * Everything that needs a real MySQL/MariaDB server, in one file so that no two of these tests
 * (some kill every session they are allowed to) ever run at the same time.
 */
import { describe, expect, it } from 'vitest';
import { alibabaFailureSuite, alibabaKillSuite } from './alibaba-kills.js';
import { huaweiKillSuite, huaweiUnreachableSuite } from './huawei-kills.js';
import { healthSuite } from './health.js';
import { REQUIRE_MYSQL, unavailableReason } from './server.js';

const reason = await unavailableReason();
if (reason && !REQUIRE_MYSQL) console.warn(`[das-emulator tests] SKIPPING real-server tests: ${reason}`);

describe('the test MySQL server', () => {
  it.runIf(REQUIRE_MYSQL)('answers, as REQUIRE_MYSQL=1 demands', () => {
    expect(reason).toBeUndefined();
  });
});

describe.skipIf(reason !== undefined)('real KILLs through the Alibaba clients', alibabaKillSuite);
describe.skipIf(reason !== undefined)('Alibaba against an unreachable or slow server', alibabaFailureSuite);
describe.skipIf(reason !== undefined)('real KILLs through the Huawei SDK core', huaweiKillSuite);
describe.skipIf(reason !== undefined)('Huawei against an unreachable server', huaweiUnreachableSuite);
describe.skipIf(reason !== undefined)('health with a real server bound', healthSuite);
