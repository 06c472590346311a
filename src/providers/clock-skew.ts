/** How far a signed request's time is from the server's, in words that say which way (both clouds allow 15 minutes). */
export function skew(requestTime: number, now: number): string {
  const seconds = Math.round(Math.abs(now - requestTime) / 1000);
  return `${seconds} s ${requestTime < now ? 'behind' : 'ahead of'}`;
}
