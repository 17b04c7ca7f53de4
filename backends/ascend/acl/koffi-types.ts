/**
 * The ABI table's C types declared to koffi, so its prototypes parse as written: integer and pointer
 * typedefs, opaque structs, enums as their int storage, and the fixed-size structs. Koffi's type
 * names are process-wide, so this runs once.
 */
import koffi from 'koffi';
import { ACL_ENUMS, ACL_INTEGER_TYPEDEFS, ACL_OPAQUE_TYPES, ACL_POINTER_TYPEDEFS, ACL_STRUCTS } from './abi.js';

let declared = false;

export function declareAclTypes(): void {
  if (declared) return;
  for (const [name, type] of Object.entries(ACL_INTEGER_TYPEDEFS)) koffi.alias(name, type);
  for (const [name, type] of Object.entries(ACL_POINTER_TYPEDEFS)) koffi.alias(name, type.trim());
  for (const name of ACL_OPAQUE_TYPES) koffi.opaque(name);
  // C enums are int-sized; values are passed as plain numbers.
  for (const name of Object.keys(ACL_ENUMS)) koffi.alias(name, 'int');
  for (const [name, fields] of Object.entries(ACL_STRUCTS)) {
    koffi.struct(name, Object.fromEntries(fields.map((f) => [f.name, koffi.array(f.type, f.length, 'String')])));
  }
  declared = true;
}
