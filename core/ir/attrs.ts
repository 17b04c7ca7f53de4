/** Checking attributes against an op's spec and filling defaults: shared by the builder and the validator. */
import { isDType } from '../tensor/dtype.js';
import type { AttrValue, Attrs } from './graph.js';
import { typeFail, type AttrSpec, type OpDefinition } from './op-definition.js';

function checkOne(name: string, spec: AttrSpec, value: AttrValue): void {
  const isInt = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v);
  const ok = (() => {
    switch (spec.type) {
      case 'int':
        return isInt(value);
      case 'float':
        return typeof value === 'number' && !Number.isNaN(value);
      case 'bool':
        return typeof value === 'boolean';
      case 'string':
        return typeof value === 'string';
      case 'dtype':
        return isDType(value);
      case 'ints':
        return Array.isArray(value) && value.every(isInt);
      case 'dims':
        return Array.isArray(value) && value.every((d) => (isInt(d) && (d as number) >= 0) || typeof d === 'string');
    }
  })();
  if (!ok) typeFail(`attribute "${name}" must be ${spec.type}, got ${JSON.stringify(value)}`);
  if (spec.oneOf && !spec.oneOf.includes(value as string | number)) {
    typeFail(`attribute "${name}" must be one of ${spec.oneOf.join(', ')}, got ${JSON.stringify(value)}`);
  }
}

/** Returns the attributes with defaults filled in; throws on unknown, missing or ill-typed ones. */
export function completeAttrs(def: OpDefinition, given: Attrs): Attrs {
  const out: Record<string, AttrValue> = {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(def.attrs, name)) typeFail(`unknown attribute "${name}" for ${def.name}`);
  }
  for (const [name, spec] of Object.entries(def.attrs)) {
    const value = Object.hasOwn(given, name) ? given[name] : spec.default;
    if (value === undefined) typeFail(`missing required attribute "${name}"`);
    checkOne(name, spec, value);
    out[name] = value;
  }
  return out;
}
