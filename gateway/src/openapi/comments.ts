import type { DescEnum, DescEnumValue, DescField, DescFile, DescMessage, DescMethod, DescService } from '@bufbuild/protobuf';

type Commented = DescMessage | DescField | DescEnum | DescEnumValue | DescService | DescMethod;

/**
 * Comments reads the leading comments the descriptor set keeps
 * (SourceCodeInfo), so the OpenAPI document says what the protos say.
 */
export class Comments {
  private readonly byFile = new Map<DescFile, Map<string, string>>();

  /** of returns the leading comment of a descriptor, trimmed, or undefined. */
  of(desc: Commented): string | undefined {
    const located = locate(desc);
    if (!located) return undefined;
    return this.index(located.file).get(located.path.join(','));
  }

  private index(file: DescFile): Map<string, string> {
    let map = this.byFile.get(file);
    if (map) return map;
    map = new Map();
    for (const location of file.proto.sourceCodeInfo?.location ?? []) {
      const text = location.leadingComments;
      if (text) map.set(location.path.join(','), clean(text));
    }
    this.byFile.set(file, map);
    return map;
  }
}

function clean(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/^ /, '').trimEnd())
    .join('\n')
    .trim();
}

/** locate computes a descriptor's SourceCodeInfo path (descriptor.proto field numbers and indices). */
function locate(desc: Commented): { file: DescFile; path: number[] } | undefined {
  switch (desc.kind) {
    case 'message':
      return messagePath(desc);
    case 'field': {
      const parent = messagePath(desc.parent);
      return { file: parent.file, path: [...parent.path, 2, desc.parent.proto.field.indexOf(desc.proto)] };
    }
    case 'enum': {
      if (desc.parent) {
        const parent = messagePath(desc.parent);
        return { file: parent.file, path: [...parent.path, 4, desc.parent.nestedEnums.indexOf(desc)] };
      }
      return { file: desc.file, path: [5, desc.file.enums.indexOf(desc)] };
    }
    case 'enum_value': {
      const parent = locate(desc.parent);
      return parent && { file: parent.file, path: [...parent.path, 2, desc.parent.values.indexOf(desc)] };
    }
    case 'service':
      return { file: desc.file, path: [6, desc.file.services.indexOf(desc)] };
    case 'rpc': {
      const service = desc.parent;
      return { file: service.file, path: [6, service.file.services.indexOf(service), 2, service.methods.indexOf(desc)] };
    }
    default:
      return undefined;
  }
}

function messagePath(desc: DescMessage): { file: DescFile; path: number[] } {
  if (desc.parent) {
    const parent = messagePath(desc.parent);
    return { file: parent.file, path: [...parent.path, 3, desc.parent.nestedMessages.indexOf(desc)] };
  }
  return { file: desc.file, path: [4, desc.file.messages.indexOf(desc)] };
}

/** summaryOf is a comment's first sentence, for an operation's summary. */
export function summaryOf(comment: string | undefined): string | undefined {
  if (!comment) return undefined;
  const paragraph = comment.split(/\n\s*\n/)[0].replace(/\s+/g, ' ');
  const end = paragraph.search(/\.(\s|$)/);
  return end < 0 ? paragraph : paragraph.slice(0, end + 1);
}
