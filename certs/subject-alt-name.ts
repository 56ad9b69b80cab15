/**
 * Reads the subject alternative names out of the string Node prints for them
 * (`PeerCertificate.subjectaltname`, `X509Certificate.subjectAltName`), e.g.
 * `URI:spiffe://shardmesh.local/router/r1, DNS:localhost, IP Address:127.0.0.1`.
 *
 * Node JSON-quotes a value that holds a comma, quote or other unsafe character
 * (`URI:"spiffe://x/a, URI:spiffe://x/router/evil"`), so splitting on ", " would
 * let a crafted certificate smuggle in a second URI. This tokenizer honours the
 * quoting instead.
 */

export interface SubjectAltName {
  /** As Node names it: `URI`, `DNS`, `IP Address`, `email`, `othername`, ... */
  type: string;
  value: string;
}

export function parseSubjectAltNames(text: string | undefined): SubjectAltName[] {
  const names: SubjectAltName[] = [];
  if (text === undefined || text === '') return names;
  let at = 0;
  while (at < text.length) {
    const colon = text.indexOf(':', at);
    if (colon < 0) throw new Error(`unreadable subjectAltName at offset ${at}: ${JSON.stringify(text)}`);
    const type = text.slice(at, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      end = closingQuote(text, colon + 2);
      value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      end += 1;
    } else {
      const comma = text.indexOf(', ', colon + 1);
      end = comma < 0 ? text.length : comma;
      value = text.slice(colon + 1, end);
    }
    names.push({ type, value });
    if (end === text.length) break;
    if (!text.startsWith(', ', end)) {
      throw new Error(`unreadable subjectAltName at offset ${end}: ${JSON.stringify(text)}`);
    }
    at = end + 2;
  }
  return names;
}

function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  throw new Error(`unterminated quoted value in subjectAltName: ${JSON.stringify(text)}`);
}
