export function startEngram(
  binary: string,
  keys: Record<string, { owners?: string[]; admin?: boolean }>,
  options?: { dir?: string },
): Promise<{ url: string; dir: string; stop: () => Promise<void> }>;
