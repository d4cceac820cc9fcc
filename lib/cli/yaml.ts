// YAML for `-o yaml`: plain data (what JSON can hold) as block YAML, strings quoted whenever a
// plain scalar could be read as something else. No dependency: the output is small and flat.

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./+ -]*$/;
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;

export function toYaml(value: unknown): string {
  return `${lines(value, 0).join('\n')}\n`;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = String(value);
  return PLAIN.test(text) && !RESERVED.test(text) && !text.endsWith(' ') ? text : JSON.stringify(text);
}

function isBlock(value: unknown): value is object {
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0;
}

function lines(value: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}[]`];
    return value.flatMap((item) => {
      if (!isBlock(item)) return [`${pad}- ${emptyOrScalar(item)}`];
      const [head = '', ...tail] = lines(item, indent + 2);
      return [`${pad}- ${head.slice(indent + 2)}`, ...tail];
    });
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return [`${pad}{}`];
    return entries.flatMap(([key, item]) =>
      isBlock(item) ? [`${pad}${scalar(key)}:`, ...lines(item, indent + 2)] : [`${pad}${scalar(key)}: ${emptyOrScalar(item)}`],
    );
  }
  return [`${pad}${scalar(value)}`];
}

function emptyOrScalar(value: unknown): string {
  if (Array.isArray(value)) return '[]';
  if (value !== null && typeof value === 'object') return '{}';
  return scalar(value);
}
