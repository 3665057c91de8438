import { toCanonicalInput } from '../store/title-mapping.js';
import type { ImportLine, Title } from '../schemas/titles.js';

/** A title as an import line: the POST body plus its id, so export then import keeps ids. */
export function toImportLine(title: Title): ImportLine {
  return { id: title.id, ...toCanonicalInput(title) } as ImportLine;
}
