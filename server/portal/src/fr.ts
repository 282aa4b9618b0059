export const FR: Record<string, string> = {};
