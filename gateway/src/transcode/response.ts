import { ScalarType, type DescField, type JsonObject, type JsonValue } from '@bufbuild/protobuf';
import type { Route } from '../routing/routes';
import type { JsonCodec } from './binary-to-json';

/**
 * responseJson turns a route's binary response into the HTTP body: the whole
 * message in canonical JSON, or only the field named by response_body. A
 * response_body field the backend left unset comes out as its JSON default
 * ([] for lists, {} for maps and messages, null for well-known types with a
 * scalar form, the scalar's zero value otherwise), so the body is never empty.
 */
export function responseJson(codec: JsonCodec, route: Route, bytes: Uint8Array): string {
  const value = codec.toJsonValue(route.output, bytes);
  const field = route.responseBodyField;
  if (field === undefined) return JSON.stringify(value);
  const selected = (value as JsonObject)[field.jsonName];
  return JSON.stringify(selected === undefined ? defaultJson(field) : selected);
}

function defaultJson(field: DescField): JsonValue {
  switch (field.fieldKind) {
    case 'list':
      return [];
    case 'map':
      return {};
    case 'message':
      return field.message.typeName.startsWith('google.protobuf.') && field.message.typeName !== 'google.protobuf.Empty' && field.message.typeName !== 'google.protobuf.Struct' ? null : {};
    case 'enum':
      return field.enum.values.find((v) => v.number === 0)?.jsonName ?? 0;
    case 'scalar':
      switch (field.scalar) {
        case ScalarType.STRING:
        case ScalarType.BYTES:
          return '';
        case ScalarType.BOOL:
          return false;
        case ScalarType.INT64:
        case ScalarType.UINT64:
        case ScalarType.SINT64:
        case ScalarType.FIXED64:
        case ScalarType.SFIXED64:
          return '0';
        default:
          return 0;
      }
  }
}
