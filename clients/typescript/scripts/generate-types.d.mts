export const TYPES_FILE: string;
export function renderTypes(spec: unknown): Promise<string>;
export function fetchSpec(target: string): Promise<unknown>;
