/** The fixture credentials and resources the measured calls use (the emulator's default fixtures hold the same). */
export const ALIBABA = {
  accessKeyId: 'testAccessKeyId',
  accessKeySecret: 'testAccessKeySecret',
  version: '2020-01-16',
  instance: 'rm-emulator0001',
  dbUser: 'dbadmin',
  dbPassword: 'Dbadmin#2026',
} as const;

export const HUAWEI = {
  ak: 'EMULATORTESTAK000001',
  sk: 'emulatorTestSecretKey0001',
  project: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  instance: '6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9din01',
} as const;
