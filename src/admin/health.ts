/** What `GET /_emulator/health` reports besides `status` and `ready`. */
export interface HealthInfo {
  readonly version: string;
  readonly providers: readonly string[];
  readonly store: string;
  readonly backends: readonly string[];
}
